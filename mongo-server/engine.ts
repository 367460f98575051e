// Command execution: checks every command shares ($db, authentication), then the registry's handler;
// anything not in the registry is refused with mongod's CommandNotFound.
import { CommandError } from './errors';
import { commandHandler } from './commands/registry';
import { helloReply } from './commands/hello';
import { Cursors } from './cursors';
import { FailPoints, type FailAction } from './failpoints';
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

  constructor(options: { users?: UserSpec[]; ttlMonitorSleepSecs?: number }) {
    this.credentials = (options.users ?? []).map(makeCredential);
    this.ttlMonitorSleepSecs = options.ttlMonitorSleepSecs ?? 60;
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

  /** The failCommand failpoint decision for one command, consuming one of its `times`. */
  failAction(cmdName: string, conn: ConnState): FailAction | undefined {
    return this.failPoints.action(cmdName, conn);
  }

  /** hello / isMaster reply body (the network layer adds topologyVersion and handles awaiting). */
  hello(cmdName: string, body: Doc, conn: ConnState, extra: Doc): Doc {
    return helloReply(this, cmdName, body, conn, extra);
  }

  /** Runs one command; errors come back as CommandError. */
  run(cmdName: string, body: Doc, conn: ConnState): Doc {
    const db = body.$db;
    if (db === undefined) throw new CommandError(40571, 'OP_MSG requests require a $db argument');
    validateDbName(db);
    if (this.authEnabled && conn.authenticated.size === 0 && !OPEN_COMMANDS.has(cmdName)) {
      throw new CommandError(13, `Command ${cmdName} requires authentication`);
    }
    const handler = commandHandler(cmdName);
    if (!handler) throw new CommandError(59, `no such command: '${cmdName}'`);
    return handler({ name: cmdName, body, conn, engine: this });
  }

  /** One TTL monitor pass; returns how many documents it removed. */
  ttlPass(now = Date.now()): number {
    return ttlPass(this.storage, now);
  }
}
