// Retryable writes (lsid + txnNumber): each statement's result is recorded with the write itself, so a retry
// of the same txnNumber returns it instead of writing again, on this member or on one elected later. Also the
// error labels mongod 4.4+ adds for retryable writes. Multi-document transactions are refused.
import { Long } from 'bson';
import { CommandError, badValue } from '../errors';
import { isPlainObject } from '../query';
import { valueKey, type Doc } from '../storage';
import type { StatementLog } from '../types';
import type { TxnChange } from './oplog';

/** Commands a retryable write may be (mongod's list for lsid + txnNumber without autocommit). */
const RETRYABLE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify', 'findandmodify']);

/** mongod's RetriableError codes: NotWritablePrimary, NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary, the interruptions and network codes. */
const RETRIABLE_CODES = new Set([10107, 13435, 13436, 11600, 11602, 189, 91, 7, 6, 89, 9001, 262, 134]);

/** Errors that say the node is not (or no longer) primary: their replies carry the node's topologyVersion. */
export const STATE_CHANGE_CODES = new Set([10107, 13435, 13436, 11600, 11602, 189, 91]);

export interface SessionTxn {
  lsid: string;
  txnNumber: bigint;
}

/** The retryable write a command is part of, or undefined; refuses what mongod refuses. */
export function sessionTxn(cmdName: string, body: Doc, replicaSet: boolean): SessionTxn | undefined {
  if (body.txnNumber === undefined) return undefined;
  if (!isPlainObject(body.lsid)) throw new CommandError(72, 'Transaction number requires a session ID to also be specified');
  if (!replicaSet) throw new CommandError(20, 'Transaction numbers are only allowed on a replica set member or mongos');
  if (body.autocommit !== undefined || body.startTransaction !== undefined) {
    throw badValue('the test server does not support multi-document transactions');
  }
  if (!RETRYABLE_COMMANDS.has(cmdName)) {
    throw new CommandError(
      50768,
      `txnNumber may only be provided for multi-document transactions and retryable write commands. autocommit:false was not provided, and ${cmdName} is not a retryable write command.`,
    );
  }
  const n = body.txnNumber instanceof Long ? body.txnNumber.toBigInt() : BigInt(Number(body.txnNumber));
  return { lsid: valueKey(body.lsid.id), txnNumber: n };
}

/** One member's session table (config.transactions): the latest txnNumber per session and its statements' results. */
export class TxnTable {
  private readonly sessions = new Map<string, { txnNumber: bigint; stmts: Map<number, Doc> }>();

  /** The statements of `txn` already run; a newer txnNumber starts afresh, an older one is refused. */
  begin({ lsid, txnNumber }: SessionTxn): Map<number, Doc> {
    const current = this.sessions.get(lsid);
    if (current && txnNumber < current.txnNumber) {
      throw new CommandError(
        225,
        `Retryable write with txnNumber ${txnNumber} is prohibited on session ${lsid} because a newer retryable write with txnNumber ${current.txnNumber} has already started on this session.`,
      );
    }
    if (current && txnNumber === current.txnNumber) return current.stmts;
    const stmts = new Map<number, Doc>();
    this.sessions.set(lsid, { txnNumber, stmts });
    return stmts;
  }

  apply(change: TxnChange): void {
    this.begin(change).set(change.stmt, change.result);
  }

  copyFrom(other: TxnTable): void {
    this.sessions.clear();
    for (const [lsid, s] of other.sessions) this.sessions.set(lsid, { txnNumber: s.txnNumber, stmts: new Map(s.stmts) });
  }
}

/** The statement log a write command consults: `record` also puts the result in the oplog with the statement's writes. */
export function statementLog(txn: SessionTxn, stmts: Map<number, Doc>, commit: (change: TxnChange, committed: () => void) => void): StatementLog {
  return {
    done: (i) => stmts.get(i),
    // A statement counts as done once committed; a failpoint may refuse the commit, and a retry then runs it again.
    record: (i, result) => commit({ op: 'txn', lsid: txn.lsid, txnNumber: txn.txnNumber, stmt: i, result }, () => stmts.set(i, result)),
  };
}

/** failCommand's writeConcernError: the command ran, and its reply reports the write concern as failed. */
export interface InjectedWriteConcernError {
  writeConcernError: Doc;
  errorLabels?: string[];
}

export function withInjectedWriteConcernError(reply: Doc, injected: InjectedWriteConcernError | undefined): Doc {
  if (!injected || reply.ok !== 1) return reply;
  return { ...reply, writeConcernError: injected.writeConcernError, ...(injected.errorLabels ? { errorLabels: injected.errorLabels } : {}) };
}

/**
 * mongod's error labels for a retryable write: RetryableWriteError when the error or the write concern error is
 * retriable, and NoWritesPerformed when the command wrote nothing. A failpoint's own errorLabels win.
 */
export function withErrorLabels(body: Doc, reply: Doc, wroteNothing: boolean): Doc {
  if (body.txnNumber === undefined || body.autocommit !== undefined || reply.errorLabels !== undefined) return reply;
  const code = reply.ok === 1 ? undefined : reply.code;
  const wcCode = isPlainObject(reply.writeConcernError) ? reply.writeConcernError.code : undefined;
  if (!RETRIABLE_CODES.has(code as number) && !RETRIABLE_CODES.has(wcCode as number)) return reply;
  return { ...reply, errorLabels: wroteNothing ? ['RetryableWriteError', 'NoWritesPerformed'] : ['RetryableWriteError'] };
}
