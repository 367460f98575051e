// The hello / isMaster reply body; the network layer adds topologyVersion and handles awaitable hellos.
import type { Doc } from '../storage';
import { isPlainObject } from '../query';
import type { Engine } from '../engine';
import type { ConnState } from '../types';
import { MAX_BSON_SIZE, MAX_MESSAGE_SIZE } from '../wire';
import { saslStart } from './auth';

function recordAppName(body: Doc, conn: ConnState): void {
  const client = body.client;
  if (isPlainObject(client) && isPlainObject(client.application) && typeof client.application.name === 'string') {
    conn.appName = client.application.name;
  }
}

/** SCRAM mechanisms for `saslSupportedMechs: 'db.user'`, offered only for a user that exists. */
function supportedMechs(engine: Engine, spec: unknown): string[] | undefined {
  if (typeof spec !== 'string') return undefined;
  const dot = spec.indexOf('.');
  return dot > 0 && engine.findUser(spec.slice(dot + 1), spec.slice(0, dot)) ? ['SCRAM-SHA-256'] : undefined;
}

function speculativeAuthenticate(engine: Engine, body: Doc, conn: ConnState): Doc | undefined {
  if (!isPlainObject(body.speculativeAuthenticate)) return undefined;
  try {
    const spec = body.speculativeAuthenticate;
    const db = typeof spec.db === 'string' ? spec.db : String(body.$db ?? 'admin');
    return saslStart({ name: 'saslStart', body: { ...spec, $db: db }, conn, engine });
  } catch {
    // mongod leaves speculativeAuthenticate out when it cannot start; the driver then authenticates normally.
    return undefined;
  }
}

export function helloReply(engine: Engine, cmdName: string, body: Doc, conn: ConnState, extra: Doc): Doc {
  recordAppName(body, conn);
  const reply: Doc = {};
  if (body.helloOk === true) reply.helloOk = true;
  if (cmdName === 'hello') reply.isWritablePrimary = true;
  else reply.ismaster = true;
  Object.assign(reply, extra, {
    maxBsonObjectSize: MAX_BSON_SIZE,
    maxMessageSizeBytes: MAX_MESSAGE_SIZE,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId: conn.id,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
  });
  const mechs = supportedMechs(engine, body.saslSupportedMechs);
  if (mechs) reply.saslSupportedMechs = mechs;
  const speculative = speculativeAuthenticate(engine, body, conn);
  if (speculative) reply.speculativeAuthenticate = speculative;
  reply.ok = 1;
  return reply;
}
