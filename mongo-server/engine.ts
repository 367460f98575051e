// Command execution: one method per supported command, everything else refused with mongod's errors.
import { Binary, Decimal128, Long, ObjectId, calculateObjectSize, serialize } from 'bson';
import { Aggregator, Query, update as mingoUpdate } from 'mingo';
import { CommandError, badValue, unknownField } from './errors';
import { ScramConversation, makeCredential, type UserSpec } from './scram';
import { Collection, Storage, cloneDoc, getPath, setPath, validateDbName, valueKey, type Doc, type IndexSpec } from './storage';

export const MAX_BSON_SIZE = 16 * 1024 * 1024;
const DEFAULT_BATCH = 101;

/** Fields drivers attach to any command; accepted and ignored, as a standalone mongod does. */
const GENERIC_FIELDS = new Set([
  '$db', 'lsid', '$clusterTime', 'txnNumber', 'autocommit', 'startTransaction', '$readPreference', 'readPreference',
  'apiVersion', 'apiStrict', 'apiDeprecationErrors', 'writeConcern', 'readConcern', 'comment', 'maxTimeMS',
  '$audit', '$client', '$configTime', '$topologyTime', 'clientOperationKey', 'mayBypassWriteConcern',
]);

/** Commands answered without authentication (as mongod: handshake, auth and liveness). */
const OPEN_COMMANDS = new Set(['hello', 'isMaster', 'ismaster', 'saslStart', 'saslContinue', 'ping', 'buildInfo', 'buildinfo', 'endSessions', 'logout']);

const UPDATE_OPERATORS = new Set([
  '$set', '$unset', '$setOnInsert', '$currentDate', '$inc', '$mul', '$min', '$max', '$rename',
  '$addToSet', '$push', '$pop', '$pull', '$pullAll', '$bit',
]);

/** Pipeline stages this server runs (through mingo). */
const AGG_STAGES = new Set([
  '$match', '$project', '$addFields', '$set', '$unset', '$group', '$sort', '$skip', '$limit', '$count',
  '$unwind', '$replaceRoot', '$replaceWith', '$sortByCount', '$bucket', '$bucketAuto', '$facet', '$sample', '$lookup',
  '$redact', '$setWindowFields', '$fill', '$densify', '$unionWith', '$graphLookup', '$documents',
]);
/** Stages mongod knows that this server refuses (BadValue) rather than pretending to run them. */
const REFUSED_STAGES = new Set([
  '$out', '$merge', '$collStats', '$indexStats', '$currentOp', '$listSessions', '$listLocalSessions', '$planCacheStats',
  '$geoNear', '$changeStream', '$search', '$searchMeta', '$vectorSearch', '$listSearchIndexes', '$shardedDataDistribution',
  '$listCatalog', '$changeStreamSplitLargeEvent',
]);

/** Stages that build new documents and never write to their inputs: no defensive copy needed (countDocuments). */
const READ_ONLY_STAGES = new Set(['$match', '$group', '$count', '$sort', '$skip', '$limit', '$sortByCount']);

const UPDATE_PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

export interface FailPoint {
  mode: 'alwaysOn' | { times: number };
  failCommands: string[];
  errorCode?: number;
  closeConnection?: boolean;
  blockConnection?: boolean;
  blockTimeMS?: number;
  errorLabels?: string[];
  appName?: string;
  writeConcernError?: Doc;
}

export interface ConnState {
  id: number;
  appName?: string;
  authenticated: Set<string>;
  conversations: Map<number, ScramConversation>;
}

interface CursorState {
  ns: string;
  docs: Doc[];
  pos: number;
  lastUsed: number;
}

/** mongod's cursorTimeoutMillis: idle cursors are reaped after 10 minutes. */
const CURSOR_TIMEOUT_MS = 10 * 60 * 1000;

/** What the network layer must do besides sending the reply. */
export interface FailAction {
  closeConnection?: boolean;
  blockTimeMS?: number;
  reply?: Doc;
}

function checkFields(cmd: string, body: Doc, implemented: string[], refused: string[] = []): void {
  for (const field of Object.keys(body)) {
    if (field === cmd || GENERIC_FIELDS.has(field) || implemented.includes(field)) continue;
    if (refused.includes(field)) throw badValue(`the test server does not support '${cmd}.${field}'`);
    throw unknownField(cmd, field);
  }
}

function collName(cmd: string, body: Doc): string {
  const name = body[cmd];
  if (typeof name !== 'string') {
    throw new CommandError(73, `collection name has invalid type ${name === null ? 'null' : typeof name}`);
  }
  return name;
}

function toBigInt(value: unknown): bigint {
  if (value instanceof Long) return value.toBigInt();
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'bigint') return value;
  throw new CommandError(14, `cursor id must be a long, got ${typeof value}`);
}

function asQuery(filter: unknown, what = 'filter'): Query {
  if (filter === undefined || filter === null) return new Query({}, {});
  if (typeof filter !== 'object' || Array.isArray(filter)) throw new CommandError(14, `BSON field '${what}' is the wrong type, expected an object`);
  try {
    return new Query(filter as Doc, {});
  } catch (e) {
    throw badValue((e as Error).message);
  }
}

const isPlainObject = (v: unknown): v is Doc =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

function optionalInt(cmd: string, body: Doc, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  const n = v instanceof Long ? v.toNumber() : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new CommandError(14, `BSON field '${cmd}.${field}' is the wrong type '${typeof v}', expected types '[long, int, decimal, double]'`);
  if (n < 0) throw new CommandError(51024, `BSON field '${field}' value must be >= 0, actual value '${n}'`);
  return Math.trunc(n);
}

function runMingo<T>(fn: () => T, code = 2): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CommandError) throw e;
    throw new CommandError(code, (e as Error).message);
  }
}

type ProjectionTree = Map<string, ProjectionTree | true>;

/**
 * The tree of a projection made only of 0/1/true/false (no operators, no mixing), or undefined. This server
 * applies those itself, as mongod does: fields in stored order (mingo emits them in projection order) and
 * names like `constructor` kept (mingo drops them).
 */
function plainProjection(spec: unknown): { tree: ProjectionTree; inclusion: boolean } | undefined {
  if (!isPlainObject(spec) || Object.keys(spec).length === 0) return undefined;
  const entries = Object.entries(spec);
  if (!entries.every(([, v]) => typeof v === 'number' || typeof v === 'boolean')) return undefined;
  const paths = entries.filter(([k]) => k !== '_id');
  const idOn = !Object.hasOwn(spec, '_id') || !!spec._id;
  const inclusion = paths.length > 0 ? !!paths[0][1] : idOn;
  if (paths.some(([, v]) => !!v !== inclusion)) return undefined;
  const tree: ProjectionTree = new Map();
  // _id is on by default: included unless `_id: 0`, excluded only by it.
  if (idOn === inclusion) tree.set('_id', true);
  for (const [path] of paths) {
    let node = tree;
    const parts = path.split('.');
    for (const part of parts.slice(0, -1)) {
      let next = node.get(part);
      if (next === true) return undefined; // path collision ('a' and 'a.b'): left to mingo
      if (!next) node.set(part, (next = new Map()));
      node = next;
    }
    if (node.has(parts[parts.length - 1])) return undefined;
    node.set(parts[parts.length - 1], true);
  }
  return { tree, inclusion };
}

/** Own data property, so that a field named `__proto__` stays a field. */
function defineField(doc: Doc, key: string, value: unknown): void {
  Object.defineProperty(doc, key, { value, enumerable: true, writable: true, configurable: true });
}

function applyProjection(value: unknown, tree: ProjectionTree, inclusion: boolean): unknown {
  // Through arrays: mongod keeps their sub-documents (and, excluding, everything else); including, it drops scalars.
  if (Array.isArray(value)) {
    const kept = inclusion ? value.filter((v) => Array.isArray(v) || isPlainObject(v)) : value;
    return kept.map((v) => (Array.isArray(v) || isPlainObject(v) ? applyProjection(v, tree, inclusion) : v));
  }
  const doc = value as Doc;
  const out: Doc = {};
  for (const key of Object.keys(doc)) {
    const node = tree.get(key);
    const v = doc[key];
    if (node === true) {
      if (inclusion) defineField(out, key, v);
    } else if (node && (Array.isArray(v) || isPlainObject(v))) {
      defineField(out, key, applyProjection(v, node, inclusion));
    } else if (!inclusion) {
      defineField(out, key, v);
    }
  }
  return out;
}

/** Projects documents: plain projections here, anything with operators through mingo. */
function projectDocs(docs: Doc[], spec: Doc): Doc[] {
  const plain = plainProjection(spec);
  if (plain) return docs.map((d) => applyProjection(d, plain.tree, plain.inclusion) as Doc);
  return runMingo(() => new Query({}, {}).find(docs, spec).all() as Doc[]);
}

/** Equality fields of a query, which seed an upserted document (as mongod does). */
function equalityFields(query: Doc, out: Doc = {}): Doc {
  for (const [key, value] of Object.entries(query)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value) if (isPlainObject(clause)) equalityFields(clause, out);
      continue;
    }
    if (key.startsWith('$')) continue;
    if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
      if ('$eq' in value) setPath(out, key, value.$eq);
      continue;
    }
    if (value instanceof RegExp) continue;
    setPath(out, key, value);
  }
  return out;
}

function withIdFirst(doc: Doc): Doc {
  if (!('_id' in doc)) return { _id: new ObjectId(), ...doc };
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

const sameBytes = (a: Doc, b: Doc) => Buffer.compare(serialize(a), serialize(b)) === 0;

/**
 * Documents a filter can match, in natural order. A top-level _id equality (the session-store access path)
 * is answered from the _id map, as mongod uses the _id index; mingo still applies the whole filter.
 */
function candidates(coll: Collection | undefined, filter: unknown): Doc[] {
  if (!coll) return [];
  if (isPlainObject(filter) && '_id' in filter) {
    const id = filter._id;
    const isOperatorObject = isPlainObject(id) && Object.keys(id).some((k) => k.startsWith('$'));
    const comparable = id !== null && id !== undefined && !(id instanceof RegExp) && !Array.isArray(id) && !(id instanceof Decimal128);
    if (comparable && !isOperatorObject) {
      const doc = coll.docs.get(valueKey(id));
      return doc ? [doc] : [];
    }
  }
  return [...coll.docs.values()];
}

export class Engine {
  readonly storage = new Storage();
  private readonly cursors = new Map<string, CursorState>();
  private readonly credentials;
  private failPoint: FailPoint | undefined;
  private conversationIds = 0;
  ttlMonitorSleepSecs: number;
  onTtlSleepChange: () => void = () => {};

  constructor(options: { users?: UserSpec[]; ttlMonitorSleepSecs?: number }) {
    this.credentials = (options.users ?? []).map(makeCredential);
    this.ttlMonitorSleepSecs = options.ttlMonitorSleepSecs ?? 60;
  }

  get authEnabled(): boolean {
    return this.credentials.length > 0;
  }

  /** Cursors do not survive a restart, as with mongod. */
  clearCursors(): void {
    this.cursors.clear();
  }

  private findUser = (user: string, db: string) => this.credentials.find((c) => c.user === user && c.db === db);

  /** The failCommand failpoint decision for one command, consuming one of its `times`. */
  failAction(cmdName: string, conn: ConnState): FailAction | undefined {
    const fp = this.failPoint;
    if (!fp || !fp.failCommands.includes(cmdName)) return undefined;
    if (fp.appName !== undefined && fp.appName !== conn.appName) return undefined;
    if (typeof fp.mode === 'object') {
      fp.mode.times -= 1;
      if (fp.mode.times <= 0) this.failPoint = undefined;
    }
    const action: FailAction = {};
    if (fp.closeConnection) action.closeConnection = true;
    if (fp.blockConnection) action.blockTimeMS = fp.blockTimeMS ?? 0;
    if (fp.errorCode !== undefined) {
      const err = new CommandError(fp.errorCode, "Failing command via 'failCommand' failpoint");
      action.reply = { ...err.toReply(), ...(fp.errorLabels ? { errorLabels: fp.errorLabels } : {}) };
    } else if (fp.writeConcernError) {
      action.reply = { ok: 1, writeConcernError: fp.writeConcernError };
    }
    return action;
  }

  /** hello / isMaster reply body (the network layer adds topologyVersion and handles awaiting). */
  hello(cmdName: string, body: Doc, conn: ConnState, extra: Doc): Doc {
    const client = body.client;
    if (isPlainObject(client) && isPlainObject(client.application) && typeof client.application.name === 'string') {
      conn.appName = client.application.name;
    }
    const reply: Doc = {};
    if (body.helloOk === true) reply.helloOk = true;
    if (cmdName === 'hello') reply.isWritablePrimary = true;
    else reply.ismaster = true;
    Object.assign(reply, extra, {
      maxBsonObjectSize: MAX_BSON_SIZE,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: conn.id,
      minWireVersion: 0,
      maxWireVersion: 21,
      readOnly: false,
    });
    if (typeof body.saslSupportedMechs === 'string') {
      const dot = body.saslSupportedMechs.indexOf('.');
      if (dot > 0 && this.findUser(body.saslSupportedMechs.slice(dot + 1), body.saslSupportedMechs.slice(0, dot))) {
        reply.saslSupportedMechs = ['SCRAM-SHA-256'];
      }
    }
    if (isPlainObject(body.speculativeAuthenticate)) {
      try {
        const spec = body.speculativeAuthenticate;
        const db = typeof spec.db === 'string' ? spec.db : String(body.$db ?? 'admin');
        reply.speculativeAuthenticate = this.saslStart({ ...spec, $db: db }, conn);
      } catch {
        // mongod leaves speculativeAuthenticate out when it cannot start; the driver then authenticates normally.
      }
    }
    reply.ok = 1;
    return reply;
  }

  /** Runs one command; errors come back as CommandError. */
  run(cmdName: string, body: Doc, conn: ConnState): Doc {
    const db = body.$db;
    if (db === undefined) throw new CommandError(40571, 'OP_MSG requests require a $db argument');
    validateDbName(db);
    if (this.authEnabled && conn.authenticated.size === 0 && !OPEN_COMMANDS.has(cmdName)) {
      throw new CommandError(13, `Command ${cmdName} requires authentication`);
    }
    switch (cmdName) {
      case 'ping':
        return { ok: 1 };
      case 'buildInfo':
      case 'buildinfo':
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
      case 'endSessions':
        return { ok: 1 };
      case 'logout':
        conn.authenticated.clear();
        return { ok: 1 };
      case 'saslStart':
        return this.saslStart(body, conn);
      case 'saslContinue':
        return this.saslContinue(body, conn);
      case 'getParameter':
        return this.getParameter(body);
      case 'setParameter':
        return this.setParameter(body);
      case 'configureFailPoint':
        return this.configureFailPoint(body);
      case 'find':
        return this.find(body);
      case 'getMore':
        return this.getMore(body);
      case 'killCursors':
        return this.killCursors(body);
      case 'insert':
        return this.insert(body);
      case 'update':
        return this.update(body);
      case 'delete':
        return this.delete(body);
      case 'findAndModify':
      case 'findandmodify':
        return this.findAndModify(cmdName, body);
      case 'aggregate':
        return this.aggregate(body);
      case 'count':
        return this.count(body);
      case 'distinct':
        return this.distinct(body);
      case 'create':
        return this.create(body);
      case 'drop':
        return this.drop(body);
      case 'dropDatabase':
        return this.dropDatabase(body);
      case 'listCollections':
        return this.listCollections(body);
      case 'listDatabases':
        return this.listDatabases(body);
      case 'createIndexes':
        return this.createIndexes(body);
      case 'listIndexes':
        return this.listIndexes(body);
      case 'dropIndexes':
      case 'deleteIndexes':
        return this.dropIndexes(cmdName, body);
      default:
        throw new CommandError(59, `no such command: '${cmdName}'`);
    }
  }

  // ---- authentication -------------------------------------------------------------------------

  private saslStart(body: Doc, conn: ConnState): Doc {
    checkFields('saslStart', body, ['mechanism', 'payload', 'autoAuthorize', 'options', 'db']);
    const mechanism = body.mechanism;
    const payload = body.payload instanceof Binary ? Buffer.from(body.payload.buffer).toString('utf8') : String(body.payload ?? '');
    const db = String(body.$db);
    if (mechanism !== 'SCRAM-SHA-256') {
      const userMatch = /(?:^|,)n=([^,]*)/.exec(payload);
      if (!userMatch || !this.findUser(userMatch[1], db)) throw new CommandError(18, 'Authentication failed.');
      throw new CommandError(334, `Received authentication for mechanism ${String(mechanism)} which is not enabled`);
    }
    const conv = new ScramConversation(++this.conversationIds, this.findUser);
    const serverFirst = conv.start(payload, db);
    conn.conversations.set(conv.id, conv);
    return { conversationId: conv.id, done: false, payload: new Binary(Buffer.from(serverFirst)), ok: 1 };
  }

  private saslContinue(body: Doc, conn: ConnState): Doc {
    checkFields('saslContinue', body, ['conversationId', 'payload']);
    const conv = conn.conversations.get(Number(body.conversationId));
    if (!conv) throw new CommandError(17, 'No SASL session state found');
    const payload = body.payload instanceof Binary ? Buffer.from(body.payload.buffer).toString('utf8') : '';
    let reply: string;
    try {
      reply = conv.continue(payload);
    } catch (e) {
      conn.conversations.delete(conv.id);
      throw e;
    }
    // Drivers ask to skip the final empty round trip; mongod then finishes after the proof.
    if (conv.done || reply.startsWith('v=')) {
      conn.authenticated.add(`${conv.db}.${conv.user}`);
    }
    if (conv.done) conn.conversations.delete(conv.id);
    return { conversationId: conv.id, done: conv.done || reply.startsWith('v='), payload: new Binary(Buffer.from(reply)), ok: 1 };
  }

  // ---- parameters and failpoints --------------------------------------------------------------

  private requireAdmin(cmd: string, body: Doc): void {
    if (body.$db !== 'admin') throw new CommandError(13, `${cmd} may only be run against the admin database.`);
  }

  private getParameter(body: Doc): Doc {
    this.requireAdmin('getParameter', body);
    const wanted = Object.keys(body).filter((k) => k !== 'getParameter' && !GENERIC_FIELDS.has(k));
    if (body.getParameter === '*' || (isPlainObject(body.getParameter) && body.getParameter.allParameters)) {
      return { ttlMonitorSleepSecs: this.ttlMonitorSleepSecs, ok: 1 };
    }
    const reply: Doc = {};
    for (const name of wanted) {
      if (name === 'ttlMonitorSleepSecs') reply.ttlMonitorSleepSecs = this.ttlMonitorSleepSecs;
      else throw new CommandError(72, `no option found to get: ${name}`);
    }
    if (wanted.length === 0) throw new CommandError(72, 'no option found to get');
    return { ...reply, ok: 1 };
  }

  private setParameter(body: Doc): Doc {
    this.requireAdmin('setParameter', body);
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
      reply.was = this.ttlMonitorSleepSecs;
      this.ttlMonitorSleepSecs = n;
      this.onTtlSleepChange();
    }
    return { ...reply, ok: 1 };
  }

  private configureFailPoint(body: Doc): Doc {
    this.requireAdmin('configureFailPoint', body);
    checkFields('configureFailPoint', body, ['mode', 'data']);
    if (body.configureFailPoint !== 'failCommand') {
      throw badValue(`the test server only implements the 'failCommand' failpoint, not '${String(body.configureFailPoint)}'`);
    }
    const mode = body.mode;
    if (mode === 'off') {
      this.failPoint = undefined;
      return { count: 0, ok: 1 };
    }
    let parsedMode: FailPoint['mode'];
    if (mode === 'alwaysOn') parsedMode = 'alwaysOn';
    else if (isPlainObject(mode) && Object.keys(mode).length === 1 && typeof mode.times === 'number' && mode.times > 0) parsedMode = { times: mode.times };
    else throw badValue(`unsupported failpoint mode: ${JSON.stringify(mode)}`);
    const data = body.data;
    if (!isPlainObject(data) || !Array.isArray(data.failCommands)) throw badValue("'data.failCommands' must be an array of command names");
    const known = ['failCommands', 'errorCode', 'closeConnection', 'blockConnection', 'blockTimeMS', 'errorLabels', 'appName', 'writeConcernError', 'failInternalCommands'];
    for (const key of Object.keys(data)) if (!known.includes(key)) throw badValue(`the test server's failCommand does not support data.${key}`);
    if (data.blockConnection && typeof data.blockTimeMS !== 'number') throw badValue("'blockTimeMS' must be set when 'blockConnection' is true");
    if (data.errorCode === undefined && !data.closeConnection && !data.blockConnection && !data.writeConcernError) {
      throw badValue('failCommand needs errorCode, closeConnection, blockConnection or writeConcernError');
    }
    this.failPoint = {
      mode: parsedMode,
      failCommands: data.failCommands.map(String),
      errorCode: typeof data.errorCode === 'number' ? data.errorCode : undefined,
      closeConnection: data.closeConnection === true,
      blockConnection: data.blockConnection === true,
      blockTimeMS: typeof data.blockTimeMS === 'number' ? data.blockTimeMS : undefined,
      errorLabels: Array.isArray(data.errorLabels) ? data.errorLabels.map(String) : undefined,
      appName: typeof data.appName === 'string' ? data.appName : undefined,
      writeConcernError: isPlainObject(data.writeConcernError) ? data.writeConcernError : undefined,
    };
    return { count: 0, ok: 1 };
  }

  // ---- cursors --------------------------------------------------------------------------------

  private cursorReply(ns: string, docs: Doc[], batchSize: number | undefined, single: boolean): Doc {
    const state: CursorState = { ns, docs, pos: 0, lastUsed: Date.now() };
    const batch = this.takeBatch(state, batchSize);
    let id = Long.ZERO;
    if (!single && state.pos < docs.length) {
      id = Long.fromBigInt(BigInt.asIntN(64, (BigInt(Math.floor(Math.random() * 2 ** 31)) << 31n) | BigInt(Math.floor(Math.random() * 2 ** 31)) | 1n));
      this.reapIdleCursors(state.lastUsed);
      this.cursors.set(id.toString(), state);
    }
    return { cursor: { id, ns, firstBatch: batch }, ok: 1 };
  }

  private reapIdleCursors(now: number): void {
    for (const [id, c] of this.cursors) if (now - c.lastUsed > CURSOR_TIMEOUT_MS) this.cursors.delete(id);
  }

  private takeBatch(state: CursorState, batchSize: number | undefined): Doc[] {
    const out: Doc[] = [];
    let bytes = 0;
    while (state.pos < state.docs.length && (batchSize === undefined || out.length < batchSize)) {
      const doc = state.docs[state.pos];
      const size = calculateObjectSize(doc);
      // Keep each reply under mongod's 16 MiB batch limit (always at least one document).
      if (out.length > 0 && bytes + size > MAX_BSON_SIZE) break;
      out.push(doc);
      bytes += size;
      state.pos++;
    }
    return out;
  }

  private getMore(body: Doc): Doc {
    checkFields('getMore', body, ['collection', 'batchSize', 'term', 'lastKnownCommittedOpTime']);
    const id = toBigInt(body.getMore);
    const key = id.toString();
    const state = this.cursors.get(key);
    if (!state) throw new CommandError(43, `cursor id ${key} not found`);
    const ns = `${body.$db}.${String(body.collection)}`;
    if (ns !== state.ns) throw new CommandError(13, `Requested getMore on namespace '${ns}', but cursor belongs to a different namespace ${state.ns}`);
    state.lastUsed = Date.now();
    const batch = this.takeBatch(state, optionalInt('getMore', body, 'batchSize') || undefined);
    const done = state.pos >= state.docs.length;
    if (done) this.cursors.delete(key);
    return { cursor: { id: done ? Long.ZERO : Long.fromBigInt(id), ns: state.ns, nextBatch: batch }, ok: 1 };
  }

  private killCursors(body: Doc): Doc {
    checkFields('killCursors', body, ['cursors']);
    if (!Array.isArray(body.cursors)) throw badValue("'cursors' must be an array");
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const c of body.cursors) {
      const id = toBigInt(c);
      if (this.cursors.delete(id.toString())) killed.push(Long.fromBigInt(id));
      else notFound.push(Long.fromBigInt(id));
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  // ---- reads ----------------------------------------------------------------------------------

  private matching(coll: Collection | undefined, filter: unknown): Doc[] {
    const q = asQuery(filter);
    return runMingo(() => q.find(candidates(coll, filter)).all() as Doc[]);
  }

  private find(body: Doc): Doc {
    checkFields('find', body, ['filter', 'projection', 'sort', 'skip', 'limit', 'batchSize', 'singleBatch', 'allowDiskUse', 'noCursorTimeout', 'allowPartialResults', 'let'], [
      'hint', 'collation', 'min', 'max', 'returnKey', 'showRecordId', 'tailable', 'awaitData', 'oplogReplay', 'readOnce', 'allowSpeculativeMajorityRead', 'term',
    ]);
    const name = collName('find', body);
    const coll = this.storage.get(String(body.$db), name);
    const skip = optionalInt('find', body, 'skip') ?? 0;
    const limit = optionalInt('find', body, 'limit') ?? 0;
    const batchSize = optionalInt('find', body, 'batchSize');
    for (const f of ['projection', 'sort'] as const) {
      if (body[f] !== undefined && body[f] !== null && !isPlainObject(body[f])) throw new CommandError(14, `BSON field 'find.${f}' is the wrong type, expected type 'object'`);
    }
    const q = asQuery(body.filter);
    const docs = runMingo(() => {
      let cursor = q.find(candidates(coll, body.filter));
      if (body.sort && Object.keys(body.sort).length) cursor = cursor.sort(body.sort);
      if (skip) cursor = cursor.skip(skip);
      if (limit) cursor = cursor.limit(limit);
      return cursor.all() as Doc[];
    });
    const projected = body.projection && Object.keys(body.projection).length ? projectDocs(docs, body.projection) : docs;
    // With a limit, the first batch stops at the limit and the cursor closes once it is reached.
    return this.cursorReply(`${body.$db}.${name}`, projected, batchSize ?? DEFAULT_BATCH, body.singleBatch === true);
  }

  private count(body: Doc): Doc {
    checkFields('count', body, ['query', 'limit', 'skip'], ['hint', 'collation', 'fields']);
    const coll = this.storage.get(String(body.$db), collName('count', body));
    let n = this.matching(coll, body.query).length;
    const skip = optionalInt('count', body, 'skip') ?? 0;
    const limit = Math.abs(Number(body.limit ?? 0));
    n = Math.max(0, n - skip);
    if (limit) n = Math.min(n, limit);
    return { n, ok: 1 };
  }

  private distinct(body: Doc): Doc {
    checkFields('distinct', body, ['key', 'query'], ['hint', 'collation']);
    if (typeof body.key !== 'string') throw new CommandError(14, "BSON field 'distinct.key' is the wrong type, expected type 'string'");
    const coll = this.storage.get(String(body.$db), collName('distinct', body));
    const seen = new Map<string, unknown>();
    for (const doc of this.matching(coll, body.query)) {
      const v = getPath(doc, body.key);
      for (const item of Array.isArray(v) ? v : [v]) {
        if (item === undefined) continue;
        seen.set(valueKey(item), item);
      }
    }
    return { values: [...seen.values()], ok: 1 };
  }

  private aggregate(body: Doc): Doc {
    checkFields('aggregate', body, ['pipeline', 'cursor', 'allowDiskUse', 'bypassDocumentValidation', 'let'], ['explain', 'hint', 'collation']);
    if (body.aggregate === 1) throw badValue('the test server does not support collection-less aggregate');
    const name = collName('aggregate', body);
    if (!Array.isArray(body.pipeline)) throw new CommandError(14, "'pipeline' option must be specified as an array");
    if (!isPlainObject(body.cursor)) throw new CommandError(9, "The 'cursor' option is required, except for aggregate with the explain argument");
    for (const stage of body.pipeline) {
      if (!isPlainObject(stage) || Object.keys(stage).length !== 1) throw new CommandError(40323, 'A pipeline stage specification object must contain exactly one field.');
      const stageName = Object.keys(stage)[0];
      if (REFUSED_STAGES.has(stageName)) throw badValue(`the test server does not support the ${stageName} stage`);
      if (!AGG_STAGES.has(stageName)) throw new CommandError(40324, `Unrecognized pipeline stage name: '${stageName}'`);
    }
    const db = String(body.$db);
    const coll = this.storage.get(db, name);
    let pipeline = body.pipeline as Doc[];
    let input = coll ? [...coll.docs.values()] : [];
    // Filter first without copying, then give mingo private copies (stages like $set may write to inputs).
    if (pipeline.length && pipeline[0].$match) {
      input = this.matching(coll, pipeline[0].$match);
      pipeline = pipeline.slice(1);
    }
    const options = {
      variables: isPlainObject(body.let) ? body.let : undefined,
      collectionResolver: (n: string) => [...(this.storage.get(db, n)?.docs.values() ?? [])].map(cloneDoc),
    };
    let results = pipeline.every((st) => READ_ONLY_STAGES.has(Object.keys(st)[0])) ? input : input.map(cloneDoc);
    // Plain $project stages run here (see plainProjection), the stages between them through mingo.
    let segment: Doc[] = [];
    const flush = () => {
      const stages = segment;
      segment = [];
      if (stages.length) results = runMingo(() => new Aggregator(stages, options).run(results) as Doc[]);
    };
    for (const stage of pipeline) {
      if (!plainProjection(stage.$project)) {
        segment.push(stage);
        continue;
      }
      flush();
      results = projectDocs(results, stage.$project);
    }
    flush();
    return this.cursorReply(`${db}.${name}`, results, (body.cursor as Doc).batchSize ?? DEFAULT_BATCH, false);
  }

  // ---- writes ---------------------------------------------------------------------------------

  private matchesPartial = (filter: Doc, doc: Doc) => new Query(filter, {}).test(doc);

  private insertOne(coll: Collection, raw: Doc): Doc {
    const doc = withIdFirst(raw);
    if (Array.isArray(doc._id) || doc._id instanceof RegExp) throw new CommandError(2, `can't use an array for _id`);
    if (calculateObjectSize(doc) > MAX_BSON_SIZE) throw new CommandError(10334, `object to insert exceeds the maximum BSON size`);
    coll.checkUnique(doc, undefined, this.matchesPartial);
    coll.docs.set(valueKey(doc._id), doc);
    return doc;
  }

  private writeErrorFor(index: number, e: unknown): Doc {
    if (e instanceof CommandError) {
      const { ok: _ok, codeName: _cn, ...rest } = e.toReply();
      return { index, ...rest };
    }
    return { index, code: 1, errmsg: (e as Error).message };
  }

  private insert(body: Doc): Doc {
    checkFields('insert', body, ['documents', 'ordered', 'bypassDocumentValidation']);
    const name = collName('insert', body);
    if (!Array.isArray(body.documents)) throw new CommandError(14, "BSON field 'insert.documents' is missing or not an array");
    const ordered = body.ordered !== false;
    const writeErrors: Doc[] = [];
    let n = 0;
    const { coll } = this.storage.getOrCreate(String(body.$db), name);
    for (const [i, doc] of body.documents.entries()) {
      try {
        this.insertOne(coll, doc);
        n++;
      } catch (e) {
        writeErrors.push(this.writeErrorFor(i, e));
        if (ordered) break;
      }
    }
    return { n, ...(writeErrors.length ? { writeErrors } : {}), ok: 1 };
  }

  /** Applies an update (operators, replacement or pipeline) to a copy of `doc`; `insert` marks upserts. */
  private applyUpdate(doc: Doc, u: unknown, arrayFilters: Doc[] | undefined, insert: boolean): Doc {
    if (Array.isArray(u)) {
      for (const stage of u) {
        const stageName = isPlainObject(stage) ? Object.keys(stage)[0] : undefined;
        if (!stageName || !UPDATE_PIPELINE_STAGES.has(stageName)) {
          throw new CommandError(72, `${String(stageName)} is not allowed to be used within an update`);
        }
      }
      const [out] = runMingo(() => new Aggregator(u, {}).run([cloneDoc(doc)]) as Doc[]);
      return this.checkId(doc, withIdFirst(out ?? {}), insert, false);
    }
    if (!isPlainObject(u)) throw new CommandError(9, 'Update argument must be either an object or an array');
    const keys = Object.keys(u);
    const isOperatorUpdate = keys.length > 0 && keys[0].startsWith('$');
    if (!isOperatorUpdate) {
      for (const k of keys) {
        if (k.startsWith('$')) {
          throw new CommandError(52, `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`);
        }
      }
      const replaced = insert ? withIdFirst({ ...(doc._id !== undefined ? { _id: doc._id } : {}), ...u }) : { _id: doc._id, ...u };
      return this.checkId(doc, withIdFirst(replaced), insert, true);
    }
    const ops: Doc = {};
    for (const k of keys) {
      if (!UPDATE_OPERATORS.has(k)) {
        throw new CommandError(9, `Unknown modifier: ${k}. Expected a valid update modifier or pipeline-style update specified as an array`);
      }
      if (!isPlainObject(u[k])) {
        throw new CommandError(9, `Modifiers operate on fields but we found type ${Array.isArray(u[k]) ? 'array' : typeof u[k]} instead. For example: {$mod: {<field>: ...}} not {${k}: ${JSON.stringify(u[k])}}`);
      }
      if (k === '$setOnInsert') continue;
      if (Object.keys(u[k]).length) ops[k] = u[k];
    }
    if (insert && u.$setOnInsert && Object.keys(u.$setOnInsert).length) {
      ops.$set = { ...(ops.$set ?? {}), ...u.$setOnInsert };
    }
    const copy = cloneDoc(doc);
    if (Object.keys(ops).length) {
      // mingo refuses any '_id' path; MongoDB allows setting it to its current value, so the guard is ours (checkId).
      runMingo(() => mingoUpdate(copy, ops, arrayFilters, undefined, { cloneMode: 'none', queryOptions: { idKey: '\u0000' } }));
    }
    return this.checkId(doc, withIdFirst(copy), insert, false);
  }

  private checkId(before: Doc, after: Doc, insert: boolean, replacement: boolean): Doc {
    if (insert || before._id === undefined) return after;
    if (valueKey(before._id) !== valueKey(after._id)) {
      const msg = replacement
        ? `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${JSON.stringify(after._id)}`
        : "Performing an update on the path '_id' would modify the immutable field '_id'";
      throw new CommandError(66, msg);
    }
    return after;
  }

  private storeUpdated(coll: Collection, before: Doc, after: Doc): boolean {
    if (sameBytes(before, after)) return false;
    if (calculateObjectSize(after) > MAX_BSON_SIZE) throw new CommandError(17419, 'Resulting document after update is larger than 16777216');
    const key = valueKey(before._id);
    coll.checkUnique(after, key, this.matchesPartial);
    coll.docs.set(key, after);
    return true;
  }

  private upsertDoc(coll: Collection, q: Doc, u: unknown, arrayFilters?: Doc[]): Doc {
    const isReplacement = isPlainObject(u) && !Object.keys(u)[0]?.startsWith('$') && Object.keys(u).length > 0;
    const seed = equalityFields(q);
    const base = isReplacement ? (seed._id !== undefined ? { _id: seed._id } : {}) : seed;
    const doc = this.applyUpdate(base, u, arrayFilters, true);
    return this.insertOne(coll, doc);
  }

  private update(body: Doc): Doc {
    checkFields('update', body, ['updates', 'ordered', 'bypassDocumentValidation', 'let']);
    const name = collName('update', body);
    if (!Array.isArray(body.updates)) throw new CommandError(14, "BSON field 'update.updates' is missing or not an array");
    const ordered = body.ordered !== false;
    const db = String(body.$db);
    let n = 0;
    let nModified = 0;
    const upserted: Doc[] = [];
    const writeErrors: Doc[] = [];
    for (const [i, stmt] of body.updates.entries()) {
      try {
        if (!isPlainObject(stmt)) throw new CommandError(14, 'update statement must be an object');
        checkFields('update.updates', { 'update.updates': 1, ...stmt }, ['q', 'u', 'upsert', 'multi', 'arrayFilters', 'upsertSupplied'], ['hint', 'collation', 'c', 'sort']);
        const q = (stmt.q ?? {}) as Doc;
        const multi = stmt.multi === true;
        if (multi && isPlainObject(stmt.u) && Object.keys(stmt.u).length && !Object.keys(stmt.u)[0].startsWith('$')) {
          throw new CommandError(9, 'multi update is not supported for replacement-style update');
        }
        const arrayFilters = Array.isArray(stmt.arrayFilters) ? stmt.arrayFilters : undefined;
        const existing = this.storage.get(db, name);
        let matches = this.matching(existing, q);
        if (!multi) matches = matches.slice(0, 1);
        if (matches.length === 0 && stmt.upsert === true) {
          const { coll } = this.storage.getOrCreate(db, name);
          const doc = this.upsertDoc(coll, q, stmt.u, arrayFilters);
          n += 1;
          upserted.push({ index: i, _id: doc._id });
          continue;
        }
        for (const before of matches) {
          const after = this.applyUpdate(before, stmt.u, arrayFilters, false);
          n += 1;
          if (this.storeUpdated(existing!, before, after)) nModified += 1;
        }
      } catch (e) {
        writeErrors.push(this.writeErrorFor(i, e));
        if (ordered) break;
      }
    }
    return { n, nModified, ...(upserted.length ? { upserted } : {}), ...(writeErrors.length ? { writeErrors } : {}), ok: 1 };
  }

  private delete(body: Doc): Doc {
    checkFields('delete', body, ['deletes', 'ordered', 'let']);
    const name = collName('delete', body);
    if (!Array.isArray(body.deletes)) throw new CommandError(14, "BSON field 'delete.deletes' is missing or not an array");
    const ordered = body.ordered !== false;
    const coll = this.storage.get(String(body.$db), name);
    let n = 0;
    const writeErrors: Doc[] = [];
    for (const [i, stmt] of body.deletes.entries()) {
      try {
        if (!isPlainObject(stmt)) throw new CommandError(14, 'delete statement must be an object');
        checkFields('delete.deletes', { 'delete.deletes': 1, ...stmt }, ['q', 'limit'], ['hint', 'collation']);
        if (stmt.limit !== 0 && stmt.limit !== 1) throw new CommandError(9, `The limit field in delete objects must be 0 or 1. Got ${String(stmt.limit)}`);
        let matches = this.matching(coll, stmt.q ?? {});
        if (stmt.limit === 1) matches = matches.slice(0, 1);
        for (const doc of matches) if (coll!.docs.delete(valueKey(doc._id))) n++;
      } catch (e) {
        writeErrors.push(this.writeErrorFor(i, e));
        if (ordered) break;
      }
    }
    return { n, ...(writeErrors.length ? { writeErrors } : {}), ok: 1 };
  }

  private findAndModify(cmd: string, body: Doc): Doc {
    checkFields(cmd, body, ['query', 'sort', 'remove', 'update', 'new', 'fields', 'upsert', 'bypassDocumentValidation', 'arrayFilters', 'let'], ['hint', 'collation']);
    const name = collName(cmd, body);
    const db = String(body.$db);
    const remove = body.remove === true;
    if (remove && body.update !== undefined) throw new CommandError(9, 'Cannot specify both an update and remove=true');
    if (!remove && body.update === undefined) throw new CommandError(9, 'Either an update or remove=true must be specified');
    if (remove && (body.upsert === true || body.new === true)) throw new CommandError(9, 'Cannot specify both upsert=true and remove=true');
    const q = (body.query ?? {}) as Doc;
    const existing = this.storage.get(db, name);
    let matches = this.matching(existing, q);
    if (body.sort && Object.keys(body.sort).length) matches = runMingo(() => new Query({}, {}).find(matches).sort(body.sort).all() as Doc[]);
    const target = matches[0];
    const project = (doc: Doc | undefined): Doc | null => {
      if (!doc) return null;
      if (!body.fields || !Object.keys(body.fields).length) return doc;
      return projectDocs([doc], body.fields)[0];
    };
    if (remove) {
      if (target) existing!.docs.delete(valueKey(target._id));
      return { lastErrorObject: { n: target ? 1 : 0 }, value: project(target), ok: 1 };
    }
    const arrayFilters = Array.isArray(body.arrayFilters) ? body.arrayFilters : undefined;
    if (!target) {
      if (body.upsert !== true) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
      const { coll } = this.storage.getOrCreate(db, name);
      const doc = this.upsertDoc(coll, q, body.update, arrayFilters);
      return { lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id }, value: body.new === true ? project(doc) : null, ok: 1 };
    }
    const after = this.applyUpdate(target, body.update, arrayFilters, false);
    this.storeUpdated(existing!, target, after);
    return { lastErrorObject: { n: 1, updatedExisting: true }, value: project(body.new === true ? after : target), ok: 1 };
  }

  // ---- collections, databases and indexes -----------------------------------------------------

  private create(body: Doc): Doc {
    checkFields('create', body, [], [
      'capped', 'size', 'max', 'validator', 'validationLevel', 'validationAction', 'viewOn', 'pipeline', 'collation', 'timeseries',
      'clusteredIndex', 'expireAfterSeconds', 'changeStreamPreAndPostImages', 'storageEngine', 'indexOptionDefaults', 'encryptedFields', 'autoIndexId', 'idIndex', 'flags',
    ]);
    const name = collName('create', body);
    const { created } = this.storage.getOrCreate(String(body.$db), name);
    if (!created) throw new CommandError(48, `Collection ${body.$db}.${name} already exists.`);
    return { ok: 1 };
  }

  private drop(body: Doc): Doc {
    checkFields('drop', body, []);
    const name = collName('drop', body);
    const coll = this.storage.drop(String(body.$db), name);
    // MongoDB 7.0+ answers ok for a missing collection; older servers said NamespaceNotFound, which drivers ignore.
    return coll ? { nIndexesWas: coll.indexes.length, ns: coll.ns, ok: 1 } : { ok: 1 };
  }

  private dropDatabase(body: Doc): Doc {
    checkFields('dropDatabase', body, []);
    const db = String(body.$db);
    this.storage.dbs.delete(db);
    return { dropped: db, ok: 1 };
  }

  private listCollections(body: Doc): Doc {
    checkFields('listCollections', body, ['filter', 'nameOnly', 'authorizedCollections', 'cursor']);
    const db = String(body.$db);
    const infos: Doc[] = [...(this.storage.dbs.get(db)?.values() ?? [])].map((c) =>
      body.nameOnly === true
        ? { name: c.name, type: 'collection' }
        : { name: c.name, type: 'collection', options: {}, info: { readOnly: false, uuid: c.uuid }, idIndex: { v: 2, key: { _id: 1 }, name: '_id_' } },
    );
    const filtered = runMingo(() => asQuery(body.filter).find(infos).all() as Doc[]);
    const batchSize = isPlainObject(body.cursor) ? (body.cursor.batchSize as number | undefined) : undefined;
    return this.cursorReply(`${db}.$cmd.listCollections`, filtered, batchSize ?? DEFAULT_BATCH, false);
  }

  private listDatabases(body: Doc): Doc {
    this.requireAdmin('listDatabases', body);
    checkFields('listDatabases', body, ['filter', 'nameOnly', 'authorizedDatabases']);
    let totalSize = 0;
    const dbs: Doc[] = [];
    for (const [name, colls] of this.storage.dbs) {
      let size = 0;
      for (const c of colls.values()) for (const d of c.docs.values()) size += calculateObjectSize(d);
      totalSize += size;
      dbs.push(body.nameOnly === true ? { name } : { name, sizeOnDisk: size, empty: size === 0 });
    }
    const filtered = runMingo(() => asQuery(body.filter).find(dbs).all() as Doc[]);
    return body.nameOnly === true ? { databases: filtered, ok: 1 } : { databases: filtered, totalSize, totalSizeMb: Math.floor(totalSize / 1048576), ok: 1 };
  }

  private listIndexes(body: Doc): Doc {
    checkFields('listIndexes', body, ['cursor']);
    const name = collName('listIndexes', body);
    const coll = this.storage.get(String(body.$db), name);
    if (!coll) throw new CommandError(26, `ns does not exist: ${body.$db}.${name}`);
    const batchSize = isPlainObject(body.cursor) ? (body.cursor.batchSize as number | undefined) : undefined;
    return this.cursorReply(`${coll.ns}.$cmd.listIndexes`, coll.indexes.map((i) => ({ ...i })), batchSize ?? DEFAULT_BATCH, false);
  }

  private createIndexes(body: Doc): Doc {
    checkFields('createIndexes', body, ['indexes', 'commitQuorum']);
    const name = collName('createIndexes', body);
    if (!Array.isArray(body.indexes) || body.indexes.length === 0) throw new CommandError(2, 'Must specify at least one index to create');
    const specs = body.indexes.map((raw: unknown) => normalizeIndexSpec(raw));
    const { coll, created } = this.storage.getOrCreate(String(body.$db), name);
    const before = coll.indexes.length;
    const toAdd: IndexSpec[] = [];
    for (const spec of specs) {
      const existing = [...coll.indexes, ...toAdd];
      const sameName = existing.find((i) => i.name === spec.name);
      const sameKey = existing.find((i) => keyString(i.key) === keyString(spec.key));
      if (sameName && keyString(sameName.key) !== keyString(spec.key)) {
        throw new CommandError(86, `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameName)}`);
      }
      if (sameKey) {
        if (optionsString(sameKey) !== optionsString(spec)) {
          throw new CommandError(85, `An equivalent index already exists with the same name but different options. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameKey)}`);
        }
        if (sameKey.name !== spec.name) {
          throw new CommandError(85, `Index already exists with a different name: ${sameKey.name}`);
        }
        continue;
      }
      if (spec.unique) {
        // Building a unique index over duplicates fails, as in mongod.
        const probe = new Collection(coll.db, coll.name);
        probe.indexes.splice(0, 1, { ...spec, name: spec.name });
        for (const d of coll.docs.values()) {
          probe.checkUnique(d, undefined, this.matchesPartial);
          probe.docs.set(valueKey(d._id), d);
        }
      }
      toAdd.push(spec);
    }
    coll.indexes.push(...toAdd);
    const reply: Doc = { numIndexesBefore: before, numIndexesAfter: coll.indexes.length, createdCollectionAutomatically: created };
    if (toAdd.length === 0) reply.note = 'all indexes already exist';
    return { ...reply, ok: 1 };
  }

  private dropIndexes(cmd: string, body: Doc): Doc {
    checkFields(cmd, body, ['index']);
    const name = collName(cmd, body);
    const coll = this.storage.get(String(body.$db), name);
    if (!coll) throw new CommandError(26, `ns not found ${body.$db}.${name}`);
    const was = coll.indexes.length;
    const index = body.index;
    if (index === '*') {
      coll.indexes.splice(1);
      return { nIndexesWas: was, msg: 'non-_id indexes dropped for collection', ok: 1 };
    }
    const names: string[] = [];
    if (typeof index === 'string') names.push(index);
    else if (Array.isArray(index)) names.push(...index.map(String));
    else if (isPlainObject(index)) {
      const found = coll.indexes.find((i) => keyString(i.key) === keyString(index));
      if (!found) throw new CommandError(27, `can't find index with key: ${JSON.stringify(index)}`);
      names.push(found.name);
    } else throw new CommandError(14, "BSON field 'dropIndexes.index' is the wrong type");
    for (const n of names) {
      if (n === '_id_') throw new CommandError(72, 'cannot drop _id index');
      if (!coll.indexes.some((i) => i.name === n)) throw new CommandError(27, `index not found with name [${n}]`);
    }
    for (const n of names) coll.indexes.splice(coll.indexes.findIndex((i) => i.name === n), 1);
    return { nIndexesWas: was, ok: 1 };
  }

  // ---- TTL monitor ----------------------------------------------------------------------------

  /** One TTL monitor pass, as mongod's: documents whose indexed Date (earliest, for arrays) + expireAfterSeconds is past. */
  ttlPass(now = Date.now()): number {
    let removed = 0;
    for (const coll of this.storage.collections()) {
      for (const index of coll.indexes) {
        if (typeof index.expireAfterSeconds !== 'number') continue;
        const fields = Object.keys(index.key);
        if (fields.length !== 1) continue;
        const partial = index.partialFilterExpression ? new Query(index.partialFilterExpression, {}) : undefined;
        for (const [k, doc] of coll.docs) {
          const v = getPath(doc, fields[0]);
          const dates = (Array.isArray(v) ? v : [v]).filter((x): x is Date => x instanceof Date);
          if (!dates.length) continue;
          const earliest = Math.min(...dates.map((d) => d.getTime()));
          if (earliest + index.expireAfterSeconds * 1000 > now) continue;
          if (partial && !partial.test(doc)) continue;
          coll.docs.delete(k);
          removed++;
        }
      }
    }
    return removed;
  }
}

const INDEX_OPTIONS = new Set(['key', 'name', 'v', 'unique', 'sparse', 'expireAfterSeconds', 'partialFilterExpression', 'background', 'hidden', 'ns']);
const REFUSED_INDEX_OPTIONS = new Set([
  'collation', 'weights', 'default_language', 'language_override', 'textIndexVersion', '2dsphereIndexVersion', 'bits', 'min', 'max',
  'bucketSize', 'wildcardProjection', 'storageEngine', 'prepareUnique', 'columnstoreProjection', 'dropDups',
]);

function keyString(key: Doc): string {
  return JSON.stringify(Object.entries(key).map(([k, v]) => [k, typeof v === 'number' ? Math.sign(v) : v]));
}

function optionsString(spec: IndexSpec): string {
  return JSON.stringify([!!spec.unique, !!spec.sparse, spec.expireAfterSeconds ?? null, spec.partialFilterExpression ? valueKey(spec.partialFilterExpression) : null]);
}

function normalizeIndexSpec(raw: unknown): IndexSpec {
  if (!isPlainObject(raw)) throw new CommandError(14, 'index specification must be an object');
  for (const field of Object.keys(raw)) {
    if (REFUSED_INDEX_OPTIONS.has(field)) throw badValue(`the test server does not support the index option '${field}'`);
    if (!INDEX_OPTIONS.has(field)) throw new CommandError(197, `The field '${field}' is not valid for an index specification. Specification: ${JSON.stringify(raw)}`);
  }
  if (!isPlainObject(raw.key) || Object.keys(raw.key).length === 0) throw new CommandError(67, "The 'key' field must be a non-empty object");
  for (const [f, dir] of Object.entries(raw.key)) {
    if (typeof dir === 'string') throw badValue(`the test server does not support '${dir}' indexes (field '${f}')`);
    if (typeof dir !== 'number' || dir === 0 || !Number.isFinite(dir)) throw new CommandError(67, `Values in the index key pattern can't be 0 or non-numeric: ${JSON.stringify(raw.key)}`);
  }
  if (typeof raw.name !== 'string' || raw.name.length === 0) throw new CommandError(9, "The 'name' field is a required property of an index specification");
  if (raw.name === '_id_' && keyString(raw.key) !== keyString({ _id: 1 })) throw new CommandError(67, "The index name '_id_' is reserved for the _id index");
  const spec: IndexSpec = { v: 2, key: raw.key as IndexSpec['key'], name: raw.name };
  if (raw.unique === true) spec.unique = true;
  if (raw.sparse === true) spec.sparse = true;
  if (raw.hidden === true) throw badValue('the test server does not support hidden indexes');
  if (raw.expireAfterSeconds !== undefined) {
    const e = raw.expireAfterSeconds;
    const n = e instanceof Long ? e.toNumber() : e;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new CommandError(67, `TTL index 'expireAfterSeconds' option must be numeric and >= 0, but received: ${String(e)}`);
    if (Object.keys(raw.key).length > 1) throw new CommandError(67, 'TTL indexes are single-field indexes, compound indexes do not support TTL');
    spec.expireAfterSeconds = Math.trunc(n);
  }
  if (raw.partialFilterExpression !== undefined) {
    if (!isPlainObject(raw.partialFilterExpression)) throw new CommandError(14, 'partialFilterExpression must be an object');
    asQuery(raw.partialFilterExpression, 'partialFilterExpression');
    spec.partialFilterExpression = raw.partialFilterExpression;
  }
  return spec;
}
