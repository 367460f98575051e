// TCP front end: framing, handshake (including streaming hello), failpoint actions, lifecycle.
import net from 'node:net';
import { Long, ObjectId, type Document } from 'bson';
import { CommandError } from './errors';
import { Engine, type ConnState } from './engine';
import type { UserSpec } from './scram';
import {
  FLAG_EXHAUST_ALLOWED,
  FLAG_MORE_TO_COME,
  MAX_MESSAGE_SIZE,
  encodeMsg,
  encodeReply,
  parseMessage,
  type Request,
} from './wire';

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

interface Connection {
  socket: net.Socket;
  state: ConnState;
  chunks: Buffer[];
  buffered: number;
  queue: Promise<void>;
}

export class TestMongoServer {
  private readonly engine: Engine;
  private server: net.Server | undefined;
  private readonly connections = new Set<Connection>();
  private port: number;
  private requestIds = 0;
  private connectionIds = 0;
  private processId = new ObjectId();
  private ttlTimer: NodeJS.Timeout | undefined;

  constructor(options: TestMongoServerOptions = {}) {
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
    this.port = options.port ?? 0;
    this.engine = new Engine({ users: options.users, ttlMonitorSleepSecs: options.ttlMonitorSleepSecs });
    this.engine.onTtlSleepChange = () => this.scheduleTtl();
  }

  /** mongodb://127.0.0.1:PORT (no database path), valid once start() resolved. */
  get url(): string {
    if (!this.server) throw new Error('TestMongoServer is not running');
    return `mongodb://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== undefined;
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
    for (const conn of this.connections) conn.socket.destroy();
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
    socket.setNoDelay(true);
    const conn: Connection = {
      socket,
      state: { id: ++this.connectionIds, authenticated: new Set(), conversations: new Map() },
      chunks: [],
      buffered: 0,
      queue: Promise.resolve(),
    };
    this.connections.add(conn);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(conn));
    socket.on('data', (chunk) => this.onData(conn, chunk));
  }

  private onData(conn: Connection, chunk: Buffer): void {
    conn.chunks.push(chunk);
    conn.buffered += chunk.length;
    while (conn.buffered >= 4) {
      const head = conn.chunks.length === 1 ? conn.chunks[0] : Buffer.concat(conn.chunks);
      conn.chunks = [head];
      const length = head.readInt32LE(0);
      if (length < 16 || length > MAX_MESSAGE_SIZE) {
        conn.socket.destroy();
        return;
      }
      if (conn.buffered < length) return;
      const message = head.subarray(0, length);
      const rest = head.subarray(length);
      conn.chunks = rest.length ? [rest] : [];
      conn.buffered = rest.length;
      conn.queue = conn.queue.then(() => this.handle(conn, message)).catch(() => {
        conn.socket.destroy();
      });
    }
  }

  private send(conn: Connection, buf: Buffer): void {
    if (!conn.socket.destroyed) conn.socket.write(buf);
  }

  /** Waits ms, or less if the connection closes first. */
  private sleep(conn: Connection, ms: number): Promise<void> {
    if (conn.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        conn.socket.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      conn.socket.once('close', done);
    });
  }

  private topologyVersion(): Document {
    return { processId: this.processId, counter: Long.fromNumber(0) };
  }

  private async handle(conn: Connection, message: Buffer): Promise<void> {
    // A stopped server (or a dropped connection) runs nothing more of what was already received.
    if (conn.socket.destroyed) return;
    let request: Request;
    try {
      request = parseMessage(message);
    } catch {
      // Malformed or unsupported (e.g. OP_COMPRESSED, never advertised): mongod drops such connections.
      conn.socket.destroy();
      return;
    }
    const requestID = request.header.requestID;
    const cmdName = Object.keys(request.body)[0] ?? '';

    if (request.kind === 'query') {
      let reply: Document;
      if (request.collection.endsWith('.$cmd') && HELLO_NAMES.has(cmdName)) {
        reply = this.engine.hello(cmdName, request.body, conn.state, { topologyVersion: this.topologyVersion() });
      } else {
        reply = new CommandError(352, `Unsupported OP_QUERY command: ${cmdName}. The client driver may require an upgrade.`).toReply();
      }
      this.send(conn, encodeReply(++this.requestIds, requestID, reply));
      return;
    }

    const moreToCome = (request.flagBits & FLAG_MORE_TO_COME) !== 0;
    const body = request.body;

    if (cmdName !== 'configureFailPoint') {
      const action = this.engine.failAction(cmdName, conn.state);
      if (action) {
        if (action.blockTimeMS) await this.sleep(conn, action.blockTimeMS);
        if (conn.socket.destroyed) return;
        if (action.closeConnection) {
          conn.socket.destroy();
          return;
        }
        if (action.reply) {
          if (!moreToCome) this.send(conn, encodeMsg(++this.requestIds, requestID, action.reply));
          return;
        }
      }
    }

    if (HELLO_NAMES.has(cmdName)) {
      await this.hello(conn, cmdName, body, requestID, request.flagBits);
      return;
    }

    let reply: Document;
    try {
      reply = this.engine.run(cmdName, body, conn.state);
    } catch (e) {
      reply = e instanceof CommandError ? e.toReply() : new CommandError(1, (e as Error).message).toReply();
    }
    if (!moreToCome) this.send(conn, encodeMsg(++this.requestIds, requestID, reply));
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
        return e instanceof CommandError ? e.toReply() : new CommandError(1, (e as Error).message).toReply();
      }
    };
    const tv = body.topologyVersion as Document | undefined;
    const maxAwait = body.maxAwaitTimeMS;
    const awaitable = tv !== undefined && typeof maxAwait === 'number';
    const current = () =>
      tv !== undefined &&
      tv.processId instanceof ObjectId &&
      tv.processId.equals(this.processId) &&
      Number(tv.counter) === 0;
    if (!awaitable) {
      if (!(flagBits & FLAG_MORE_TO_COME)) this.send(conn, encodeMsg(++this.requestIds, requestID, build()));
      return;
    }
    // Our topology never changes while running, so a client already up to date waits the full period.
    if (current()) await this.sleep(conn, maxAwait);
    const exhaust = (flagBits & FLAG_EXHAUST_ALLOWED) !== 0;
    let responseTo = requestID;
    for (;;) {
      if (conn.socket.destroyed || !this.connections.has(conn)) return;
      const id = ++this.requestIds;
      this.send(conn, encodeMsg(id, responseTo, build(), exhaust ? FLAG_MORE_TO_COME : 0));
      if (!exhaust) return;
      // Each further exhaust reply answers the previous one, as mongod's exhaust replies do.
      responseTo = id;
      await this.sleep(conn, maxAwait);
    }
  }
}
