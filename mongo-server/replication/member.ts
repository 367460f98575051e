// One replica set member as its commands see it: its state, what it has applied of the oplog, and the checks
// mongod makes before running a command there (writes only on a writable primary, reads on a secondary only
// with a non-primary read preference), then retryable-write bookkeeping, write concern and error labels.
import { ObjectId } from 'bson';
import type { Engine } from '../engine';
import { CommandError, badValue, errorReply } from '../errors';
import { isPlainObject } from '../query';
import type { Doc } from '../storage';
import type { StatementLog } from '../types';
import { FailedTransactionalWrite } from '../failpoints';
import { checkReadConcern } from '../read-concern';
import type { OplogChange, OplogEntry, TxnChange } from './oplog';
import type { ReplicaSet } from './replica-set';
import { STATE_CHANGE_CODES, TxnTable, sessionTxn, statementLog, withErrorLabels, withInjectedWriteConcernError, type InjectedWriteConcernError, type SessionTxn } from './retryable';

/** Commands mongod never runs on a secondary (NotWritablePrimary there). */
export const WRITE_COMMANDS = new Set([
  'insert', 'update', 'delete', 'findAndModify', 'findandmodify', 'create', 'drop', 'dropDatabase', 'createIndexes', 'dropIndexes', 'deleteIndexes',
]);
/** Commands a secondary runs only when the client accepts a secondary (secondaryOk: a non-primary $readPreference). */
const READ_COMMANDS = new Set(['find', 'count', 'distinct', 'aggregate', 'listCollections', 'listIndexes', 'listDatabases']);

/** What a member needs of the TCP server in front of it. */
export interface MemberServer {
  readonly running: boolean;
  readonly address: string;
  topologyVersion(): Doc;
  notifyTopologyChange(): void;
}

const secondaryOk = (body: Doc) => isPlainObject(body.$readPreference) && body.$readPreference.mode !== 'primary';

export class ReplicaMember {
  state: 'PRIMARY' | 'SECONDARY' = 'SECONDARY';
  /** Settles when a stepdown attempt ends: writes wait for it, as behind mongod's replication state transition lock. */
  steppingDown: Promise<void> | undefined;
  /** Entries of the set's oplog applied here, and the last one's timestamp increment (to spot a diverged history). */
  applied = 0;
  lastIncrement = 0;
  lastTerm = 0;
  /** No election of this member before then (replSetFreeze, or the stepdown period). */
  frozenUntil = 0;
  /** How long after an entry is written this member applies it; Infinity: not at all (until lowered). */
  lagMS = 0;
  /** The stopReplProducer failpoint: this member fetches nothing new while it is on. */
  producerStopped = false;
  topologyCounter = 0;
  readonly txns = new TxnTable();
  engine!: Engine;
  server!: MemberServer;
  private pending: OplogChange[] = [];
  /** How to take back each document write in `pending`, for a statement that must not commit. */
  private pendingUndo: Array<() => void> = [];
  private appended = 0;
  private pumpTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly set: ReplicaSet,
    readonly index: number,
  ) {}

  get host(): string {
    return this.server.address;
  }

  get up(): boolean {
    return this.server.running;
  }

  /** isWritablePrimary: a primary that is not in the middle of stepping down. */
  get writable(): boolean {
    return this.state === 'PRIMARY' && !this.steppingDown;
  }

  /** The hello fields of a replica set member (mongod's fillHelloForReplSet, plus lastWrite). */
  helloFields(): Doc {
    const { set } = this;
    const primary = set.primary;
    const majority = set.majorityApplied();
    return {
      secondary: this.state === 'SECONDARY',
      setName: set.name,
      setVersion: 1,
      hosts: set.members.map((m) => m.host),
      ...(primary ? { primary: primary.host } : {}),
      me: this.host,
      ...(this.state === 'PRIMARY' ? { electionId: electionId(set.term) } : {}),
      lastWrite: {
        opTime: set.oplog.opTime(this.applied),
        lastWriteDate: set.oplog.wallTime(this.applied),
        majorityOpTime: set.oplog.opTime(majority),
        majorityWriteDate: set.oplog.wallTime(majority),
      },
    };
  }

  /** Tells clients waiting on an awaitable hello that this member's hello changed. */
  changed(): void {
    this.topologyCounter += 1;
    this.server.notifyTopologyChange();
  }

  /** Runs a command the way a replica set member does; errors come back as replies with mongod's labels. */
  async run(cmdName: string, body: Doc, exec: (retry?: StatementLog) => Doc | Promise<Doc>, injected?: InjectedWriteConcernError): Promise<Doc> {
    const before = this.appended;
    let reply: Doc;
    try {
      reply = withInjectedWriteConcernError(await this.execute(cmdName, body, exec), injected);
    } catch (e) {
      // The client gets no reply: the network layer closes its connection.
      if (e instanceof FailedTransactionalWrite && e.closeConnection) throw e;
      reply = errorReply(e);
      if (STATE_CHANGE_CODES.has(reply.code as number)) reply.topologyVersion = this.server.topologyVersion();
    }
    return withErrorLabels(body, reply, this.appended === before);
  }

  private async execute(cmdName: string, body: Doc, exec: (retry?: StatementLog) => Doc | Promise<Doc>): Promise<Doc> {
    checkReadConcern(cmdName, body, this.state === 'PRIMARY' ? 'primary' : 'secondary');
    await this.gate(cmdName, body);
    const txn = sessionTxn(cmdName, body, true);
    const log = txn ? statementLog(txn, this.txns.begin(txn), (change, committed) => this.commit(change, txn, committed)) : undefined;
    let result: Doc | Promise<Doc>;
    try {
      result = exec(log);
    } finally {
      // Handlers write synchronously: what they changed becomes oplog entries before anything else runs.
      this.flush();
    }
    const reply = await result;
    return WRITE_COMMANDS.has(cmdName) ? this.set.awaitWriteConcern(this, body, reply) : reply;
  }

  private async gate(cmdName: string, body: Doc): Promise<void> {
    if (WRITE_COMMANDS.has(cmdName)) {
      if (this.steppingDown) await this.steppingDown;
      if (this.state !== 'PRIMARY') throw new CommandError(10107, 'not primary');
    } else if (READ_COMMANDS.has(cmdName) && this.state !== 'PRIMARY' && !secondaryOk(body)) {
      throw new CommandError(13435, 'not primary and secondaryOk=false');
    }
  }

  /** Storage.onChange on the primary: each change waits for the end of its statement or command. */
  readonly record = (change: OplogChange, undo?: () => void): void => {
    this.pending.push(change);
    if (undo) this.pendingUndo.push(undo);
  };

  /**
   * A retryable write's statement commits with the record of its result, unless onPrimaryTransactionalWrite
   * fires: then, as in mongod, its write is taken back (failBeforeCommitExceptionCode) or kept, and the command ends.
   */
  private commit(change: TxnChange, txn: SessionTxn, committed: () => void): void {
    const failure = this.engine.failPoints.transactionalWriteFailure();
    const code = failure?.failBeforeCommitExceptionCode;
    if (code === undefined) {
      this.pending.push(change);
      this.flush();
      committed();
    } else this.takeBackPending();
    if (failure && (failure.closeConnection || code !== undefined)) {
      const msg = `Failing write for ${txn.lsid}:${txn.txnNumber} due to failpoint. The write must not be reflected.`;
      throw new FailedTransactionalWrite(code ?? 1, msg, failure.closeConnection);
    }
  }

  /** Undoes the pending document writes; what else is pending (a collection created) still commits. */
  private takeBackPending(): void {
    for (const undo of this.pendingUndo.reverse()) undo();
    this.pendingUndo = [];
    this.pending = this.pending.filter((c) => c.op !== 'put' && c.op !== 'del');
    this.flush();
  }

  /** What is pending becomes one oplog entry (the primary's own writes only). */
  flush(): void {
    this.pendingUndo = [];
    if (this.pending.length === 0) return;
    const changes = this.pending;
    this.pending = [];
    this.appended += 1;
    this.set.append(this, changes);
  }

  /** The TTL monitor removes documents on the primary only; secondaries get the deletes through the oplog. */
  ttlPass(run: () => number): number {
    if (this.state !== 'PRIMARY') return 0;
    const removed = run();
    this.flush();
    return removed;
  }

  applyEntry(entry: OplogEntry): void {
    for (const change of entry.changes) {
      if (change.op === 'txn') this.txns.apply(change);
      else if (change.op !== 'noop') this.engine.storage.apply(change);
    }
    this.applied += 1;
    this.lastIncrement = entry.ts.getLowBits();
    this.lastTerm = entry.term;
  }

  /** Applies the entries that are due; schedules itself for the next one when a lag holds it back. */
  readonly pump = (): void => {
    clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    const { oplog } = this.set;
    if (this.state === 'PRIMARY' || !this.up || this.producerStopped || this.set.stopped) return;
    if (this.set.diverged(this)) {
      if (!this.set.resync(this)) return;
    }
    const before = this.applied;
    const now = Date.now();
    while (this.applied < oplog.length) {
      const due = oplog.entries[this.applied].wall.getTime() + this.lagMS;
      if (due > now) {
        if (Number.isFinite(due)) this.pumpTimer = setTimeout(this.pump, due - now).unref();
        break;
      }
      this.applyEntry(oplog.entries[this.applied]);
    }
    if (this.applied !== before) this.set.progressed();
  };

  stopPump(): void {
    clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
  }

  /** configureFailPoint stopReplProducer on this member. */
  stopReplProducer(mode: unknown): void {
    if (mode !== 'alwaysOn' && mode !== 'off') throw badValue(`the test server's stopReplProducer supports modes 'alwaysOn' and 'off', not ${JSON.stringify(mode)}`);
    this.producerStopped = mode === 'alwaysOn';
    if (!this.producerStopped) setImmediate(this.pump);
  }
}

/** mongod's electionId for a term: 0x7fffffff then the term, so that a later election sorts higher. */
export function electionId(term: number): ObjectId {
  return new ObjectId(`7fffffff${term.toString(16).padStart(16, '0')}`);
}
