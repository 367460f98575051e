// TCP front end: handshake (including streaming hello), failpoint actions, lifecycle.
import net from 'node:net';
import { Long, ObjectId, type Document } from 'bson';
import { Connection } from './connection';
import { CommandError, errorReply } from './errors';
import { Engine } from './engine';
import type { FailAction } from './failpoints';
import type { MemberServer, ReplicaMember } from './replication/member';
import { withErrorLabels } from './replication/retryable';
import type { UserSpec } from './scram';
import { FLAG_EXHAUST_ALLOWED, FLAG_MORE_TO_COME, encodeMsg, encodeReply, parseMessage, type Request } from './wire';

export type { UserSpec } from './scram';

export interface TestMongoServerOptions {
  /** TCP port on 127.0.0.1; 0 or absent picks a free one on the first start(). */
  port?: number;
  /** TTL monitor period in seconds (mongod's default 60); also settable with setParameter. */
  ttlMonitorSleepSecs?: number;
  /** When set, every command but the handshake, auth and ping needs SCRAM-SHA-256 authentication. */
  users?: UserSpec[];
}

const HELLO_NAMES = new Set(['hello', 'isMaster', 'ismaster']);

function validateOptions(options: TestMongoServerOptions): void {
  for (const key of Object.keys(options)) {
    if (!['port', 'ttlMonitorSleepSecs', 'users'].includes(key)) throw new TypeError(`TestMongoServer: unknown option '${key}'`);
  }
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535)) {
    throw new TypeError(`TestMongoServer: port must be an integer from 0 to 65535, got ${String(options.port)}`);
  }
  if (options.ttlMonitorSleepSecs !== undefined && !(Number.isInteger(options.ttlMonitorSleepSecs) && options.ttlMonitorSleepSecs > 0)) {
    throw new TypeError(`TestMongoServer: ttlMonitorSleepSecs must be a positive integer, got ${String(options.ttlMonitorSleepSecs)}`);
  }
  if (options.users !== undefined) {
    if (!Array.isArray(options.users)) throw new TypeError('TestMongoServer: users must be an array of {user, password, db?}');
    for (const u of options.users) {
      if (!u || typeof u.user !== 'string' || !u.user || typeof u.password !== 'string' || !u.password || (u.db !== undefined && typeof u.db !== 'string')) {
        throw new TypeError('TestMongoServer: each user needs a non-empty string user and password (and an optional string db)');
      }
    }
  }
}

export class TestMongoServer implements MemberServer {
  private readonly engine: Engine;
  private server: net.Server | undefined;
  private readonly connections = new Set<Connection>();
  private port: number;
  private requestIds = 0;
  private connectionIds = 0;
  private processId = new ObjectId();
  private ttlTimer: NodeJS.Timeout | undefined;
  /** Awaitable hellos waiting for this server's topologyVersion to change. */
  private readonly topologyWaiters = new Set<() => void>();

  /** `member`: for a replica set member (startReplicaSet); a standalone server otherwise. */
  constructor(options: TestMongoServerOptions = {}, member?: ReplicaMember) {
    validateOptions(options);
    this.port = options.port ?? 0;
    this.engine = new Engine({ users: options.users, ttlMonitorSleepSecs: options.ttlMonitorSleepSecs, replica: member });
    this.engine.onTtlSleepChange = () => this.scheduleTtl();
    if (member) member.server = this;
  }

  /** mongodb://127.0.0.1:PORT (no database path), valid once start() resolved. */
  get url(): string {
    if (!this.server) throw new Error('TestMongoServer is not running');
    return `mongodb://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  /** 127.0.0.1:PORT, as a replica set names its members; valid once start() resolved. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts listening (again, on the same port and with the same data after stop()); resolves to the URL. */
  async start(): Promise<string> {
    if (this.server) throw new Error('TestMongoServer already started');
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
    // A restarted mongod has a new process id; drivers notice it through topologyVersion.
    this.processId = new ObjectId();
    this.scheduleTtl();
    return this.url;
  }

  /** Closes the listener and every connection; data is kept for the next start(). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    if (this.ttlTimer) clearInterval(this.ttlTimer);
    this.ttlTimer = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const conn of this.connections) conn.destroy();
    this.connections.clear();
    this.engine.clearCursors();
    await closed;
  }

  private scheduleTtl(): void {
    if (this.ttlTimer) clearInterval(this.ttlTimer);
    this.ttlTimer = undefined;
    if (!this.server) return;
    this.ttlTimer = setInterval(() => this.engine.ttlPass(), this.engine.ttlMonitorSleepSecs * 1000);
    this.ttlTimer.unref();
  }

  private accept(socket: net.Socket): void {
    const conn = new Connection(socket, ++this.connectionIds, (c, message) => this.handle(c, message));
    this.connections.add(conn);
    socket.on('close', () => this.connections.delete(conn));
  }

  private reply(conn: Connection, responseTo: number, doc: Document, flagBits = 0): number {
    const id = ++this.requestIds;
    conn.send(encodeMsg(id, responseTo, doc, flagBits));
    return id;
  }

  topologyVersion(): Document {
    return { processId: this.processId, counter: Long.fromNumber(this.engine.replica?.topologyCounter ?? 0) };
  }

  /** Answers every awaitable hello at once (a replica set member's state changed). */
  notifyTopologyChange(): void {
    for (const wake of this.topologyWaiters) wake();
    this.topologyWaiters.clear();
  }

  /** Waits ms, less if the connection closes or the topology changes first. */
  private async awaitTopologyChange(conn: Connection, ms: number): Promise<void> {
    let wake!: () => void;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    this.topologyWaiters.add(wake);
    await conn.sleep(ms, changed);
    this.topologyWaiters.delete(wake);
  }

  private async handle(conn: Connection, message: Buffer): Promise<void> {
    // A stopped server (or a dropped connection) runs nothing more of what was already received.
    if (conn.destroyed) return;
    let request: Request;
    try {
      request = parseMessage(message);
    } catch {
      // Malformed or unsupported (e.g. OP_COMPRESSED, never advertised): mongod drops such connections.
      conn.destroy();
      return;
    }
    const cmdName = Object.keys(request.body)[0] ?? '';
    if (request.kind === 'query') return this.handleQuery(conn, request, cmdName);
    const requestID = request.header.requestID;
    const moreToCome = (request.flagBits & FLAG_MORE_TO_COME) !== 0;
    if (cmdName !== 'configureFailPoint') {
      const action = this.engine.failAction(cmdName, conn.state);
      if (action && (await this.failed(conn, action, request, moreToCome))) return;
    }
    if (HELLO_NAMES.has(cmdName)) return this.hello(conn, cmdName, request.body, requestID, request.flagBits);
    let reply: Document;
    try {
      reply = await this.engine.run(cmdName, request.body, conn.state);
    } catch (e) {
      reply = errorReply(e);
    }
    if (!moreToCome) this.reply(conn, requestID, reply);
  }

  /** OP_QUERY: only the legacy handshake, answered with OP_REPLY; anything else is refused as mongod does. */
  private handleQuery(conn: Connection, request: Extract<Request, { kind: 'query' }>, cmdName: string): void {
    const reply =
      request.collection.endsWith('.$cmd') && HELLO_NAMES.has(cmdName)
        ? this.engine.hello(cmdName, request.body, conn.state, { topologyVersion: this.topologyVersion() })
        : new CommandError(352, `Unsupported OP_QUERY command: ${cmdName}. The client driver may require an upgrade.`).toReply();
    conn.send(encodeReply(++this.requestIds, request.header.requestID, reply));
  }

  /** Carries out a failpoint's action; true when the command must not run. */
  private async failed(conn: Connection, action: FailAction, request: Extract<Request, { kind: 'msg' }>, moreToCome: boolean): Promise<boolean> {
    if (action.blockTimeMS) await conn.sleep(action.blockTimeMS);
    if (conn.destroyed) return true;
    if (action.closeConnection) {
      conn.destroy();
      return true;
    }
    if (!action.reply) return false;
    // A replica set member labels a failed retryable write as mongod does, unless the failpoint sets errorLabels.
    const reply = this.engine.replica ? withErrorLabels(request.body, action.reply, true) : action.reply;
    if (!moreToCome) this.reply(conn, request.header.requestID, reply);
    return true;
  }

  /**
   * hello over OP_MSG. With topologyVersion + maxAwaitTimeMS it is an awaitable hello: answered after
   * maxAwaitTimeMS when nothing changed, and with exhaustAllowed it becomes a stream of moreToCome replies.
   */
  private async hello(conn: Connection, cmdName: string, body: Document, requestID: number, flagBits: number): Promise<void> {
    const build = () => {
      try {
        return this.engine.hello(cmdName, body, conn.state, { topologyVersion: this.topologyVersion() });
      } catch (e) {
        return errorReply(e);
      }
    };
    const tv = body.topologyVersion as Document | undefined;
    const maxAwait = body.maxAwaitTimeMS;
    if (tv === undefined || typeof maxAwait !== 'number') {
      if (!(flagBits & FLAG_MORE_TO_COME)) this.reply(conn, requestID, build());
      return;
    }
    // A client already up to date waits until the topology changes (a replica set member's state) or the period ends.
    const counter = this.engine.replica?.topologyCounter ?? 0;
    const current = tv.processId instanceof ObjectId && tv.processId.equals(this.processId) && Number(tv.counter) === counter;
    if (current) await this.awaitTopologyChange(conn, maxAwait);
    const exhaust = (flagBits & FLAG_EXHAUST_ALLOWED) !== 0;
    let responseTo = requestID;
    for (;;) {
      if (conn.destroyed || !this.connections.has(conn)) return;
      const id = this.reply(conn, responseTo, build(), exhaust ? FLAG_MORE_TO_COME : 0);
      if (!exhaust) return;
      // Each further exhaust reply answers the previous one, as mongod's exhaust replies do.
      responseTo = id;
      await this.awaitTopologyChange(conn, maxAwait);
    }
  }
}
