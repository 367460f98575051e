// Liveness, server parameters and failpoints.
import { Long } from 'bson';
import { CommandError, badValue } from '../errors';
import { FAILPOINT_NAMES, type FailPointName } from '../failpoints';
import { GENERIC_FIELDS, checkFields, isPlainObject } from '../query';
import type { Doc } from '../storage';
import type { Command, CommandHandler } from '../types';
import { MAX_BSON_SIZE } from '../wire';

const ok: CommandHandler = () => ({ ok: 1 });

function buildInfo(): Doc {
  return {
    version: '7.0.0-test-server',
    gitVersion: 'test-server',
    versionArray: [7, 0, 0, 0],
    bits: 64,
    debug: false,
    maxBsonObjectSize: MAX_BSON_SIZE,
    storageEngines: ['inMemory'],
    ok: 1,
  };
}

function logout({ conn }: Command): Doc {
  conn.authenticated.clear();
  return { ok: 1 };
}

export function requireAdmin(cmd: string, body: Doc): void {
  if (body.$db !== 'admin') throw new CommandError(13, `${cmd} may only be run against the admin database.`);
}

function getParameter({ body, engine }: Command): Doc {
  requireAdmin('getParameter', body);
  const wanted = Object.keys(body).filter((k) => k !== 'getParameter' && !GENERIC_FIELDS.has(k));
  if (body.getParameter === '*' || (isPlainObject(body.getParameter) && body.getParameter.allParameters)) {
    return { ttlMonitorSleepSecs: engine.ttlMonitorSleepSecs, ok: 1 };
  }
  const reply: Doc = {};
  for (const name of wanted) {
    if (name === 'ttlMonitorSleepSecs') reply.ttlMonitorSleepSecs = engine.ttlMonitorSleepSecs;
    else throw new CommandError(72, `no option found to get: ${name}`);
  }
  if (wanted.length === 0) throw new CommandError(72, 'no option found to get');
  return { ...reply, ok: 1 };
}

function setParameter({ body, engine }: Command): Doc {
  requireAdmin('setParameter', body);
  const names = Object.keys(body).filter((k) => k !== 'setParameter' && !GENERIC_FIELDS.has(k));
  if (names.length === 0) throw new CommandError(72, 'no option found to set, use help:true to see options ');
  const reply: Doc = {};
  for (const name of names) {
    if (name !== 'ttlMonitorSleepSecs') {
      throw new CommandError(72, `attempted to set unrecognized parameter [${name}], use help:true to see options `);
    }
    const value = body[name];
    const n = value instanceof Long ? value.toNumber() : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
      throw badValue(`Invalid value for parameter ttlMonitorSleepSecs: ${String(value)} (must be a positive integer)`);
    }
    reply.was = engine.ttlMonitorSleepSecs;
    engine.ttlMonitorSleepSecs = n;
    engine.onTtlSleepChange();
  }
  return { ...reply, ok: 1 };
}

function configureFailPoint({ body, engine }: Command): Doc {
  requireAdmin('configureFailPoint', body);
  checkFields('configureFailPoint', body, ['mode', 'data']);
  // Pauses a replica set member's replication, as jstests' stopServerReplication does.
  if (body.configureFailPoint === 'stopReplProducer' && engine.replica) {
    engine.replica.stopReplProducer(body.mode);
    return { count: 0, ok: 1 };
  }
  const name = body.configureFailPoint;
  if (!FAILPOINT_NAMES.includes(name)) {
    throw badValue(`the test server implements the failpoints ${FAILPOINT_NAMES.join(', ')} and stopReplProducer, not '${String(name)}'`);
  }
  engine.failPoints.configure(name as FailPointName, body.mode, body.data);
  return { count: 0, ok: 1 };
}

export const adminCommands: Record<string, CommandHandler> = {
  ping: ok,
  buildInfo,
  buildinfo: buildInfo,
  endSessions: ok,
  logout,
  getParameter,
  setParameter,
  configureFailPoint,
};
