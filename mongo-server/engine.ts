// Command execution: checks every command shares ($db, authentication), then the registry's handler;
// anything not in the registry is refused with mongod's CommandNotFound.
import { CommandError } from './errors';
import { commandHandler } from './commands/registry';
import { helloReply } from './commands/hello';
import { Cursors } from './cursors';
import { FailPoints, type FailAction } from './failpoints';
import type { ReplicaMember } from './replication/member';
import { checkReadConcern } from './read-concern';
import { sessionTxn, withInjectedWriteConcernError, type InjectedWriteConcernError } from './replication/retryable';
import { makeCredential, type UserSpec } from './scram';
import { Storage, validateDbName, type Doc } from './storage';
import { ttlPass } from './ttl';
import type { ConnState } from './types';

/** Commands answered without authentication (as mongod: handshake, auth and liveness). */
const OPEN_COMMANDS = new Set(['hello', 'isMaster', 'ismaster', 'saslStart', 'saslContinue', 'ping', 'buildInfo', 'buildinfo', 'endSessions', 'logout']);

export class Engine {
  readonly storage = new Storage();
  readonly cursors = new Cursors();
  readonly failPoints = new FailPoints();
  private readonly credentials;
  private conversationIds = 0;
  ttlMonitorSleepSecs: number;
  onTtlSleepChange: () => void = () => {};
  /** Set when this server is a replica set member (see replication/). */
  readonly replica: ReplicaMember | undefined;

  constructor(options: { users?: UserSpec[]; ttlMonitorSleepSecs?: number; replica?: ReplicaMember }) {
    this.credentials = (options.users ?? []).map(makeCredential);
    this.ttlMonitorSleepSecs = options.ttlMonitorSleepSecs ?? 60;
    this.replica = options.replica;
    if (this.replica) this.replica.engine = this;
  }

  get authEnabled(): boolean {
    return this.credentials.length > 0;
  }

  readonly findUser = (user: string, db: string) => this.credentials.find((c) => c.user === user && c.db === db);

  nextConversationId(): number {
    return ++this.conversationIds;
  }

  /** Cursors do not survive a restart, as with mongod. */
  clearCursors(): void {
    this.cursors.clear();
  }

  /** The failCommand failpoint's decision for one command, consuming one of its `times`. */
  failAction(cmdName: string, conn: ConnState): FailAction | undefined {
    return this.failPoints.action(cmdName, conn);
  }

  /** hello / isMaster reply body (the network layer adds topologyVersion and handles awaiting). */
  hello(cmdName: string, body: Doc, conn: ConnState, extra: Doc): Doc {
    return helloReply(this, cmdName, body, conn, extra);
  }

  /**
   * Runs one command; errors come back as CommandError (a replica set member answers them as replies).
   * `injected`: failCommand's writeConcernError, which the reply carries once the command has run.
   */
  run(cmdName: string, body: Doc, conn: ConnState, injected?: InjectedWriteConcernError): Doc | Promise<Doc> {
    const db = body.$db;
    if (db === undefined) throw new CommandError(40571, 'OP_MSG requests require a $db argument');
    validateDbName(db);
    if (this.authEnabled && conn.authenticated.size === 0 && !OPEN_COMMANDS.has(cmdName)) {
      throw new CommandError(13, `Command ${cmdName} requires authentication`);
    }
    const handler = commandHandler(cmdName);
    if (!handler) throw new CommandError(59, `no such command: '${cmdName}'`);
    if (this.replica) return this.replica.run(cmdName, body, (retry) => handler({ name: cmdName, body, conn, engine: this, retry }), injected);
    checkReadConcern(cmdName, body, 'standalone');
    sessionTxn(cmdName, body, false); // a standalone refuses retryable writes and transactions, as mongod
    const reply = handler({ name: cmdName, body, conn, engine: this });
    return injected ? Promise.resolve(reply).then((r) => withInjectedWriteConcernError(r, injected)) : reply;
  }

  /** One TTL monitor pass; returns how many documents it removed. */
  ttlPass(now = Date.now()): number {
    return this.replica ? this.replica.ttlPass(() => ttlPass(this.storage, now)) : ttlPass(this.storage, now);
  }
}
