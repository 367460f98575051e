// mongod's failpoints a driver's tests use: failCommand (checked before each command runs) and
// onPrimaryTransactionalWrite (checked as each statement of a retryable write commits on the primary).
import { CommandError, badValue } from './errors';
import { isPlainObject } from './query';
import type { Doc } from './storage';
import type { ConnState } from './types';

/** A failpoint's activation, as mongod's modes: alwaysOn, {times: n} (then off), {skip: n} (then always). */
class Mode {
  private constructor(
    private readonly kind: 'alwaysOn' | 'times' | 'skip',
    private n: number,
  ) {}

  static parse(mode: unknown): Mode {
    if (mode === 'alwaysOn') return new Mode('alwaysOn', 0);
    if (isPlainObject(mode) && Object.keys(mode).length === 1) {
      const [kind] = Object.keys(mode);
      const n = Number(mode[kind]);
      if ((kind === 'times' || kind === 'skip') && Number.isInteger(n) && n >= 0) return new Mode(kind, n);
    }
    throw badValue(`unsupported failpoint mode: ${JSON.stringify(mode)}`);
  }

  /** Whether this evaluation fires; consumes a `times` or a `skip`. */
  fire(): boolean {
    if (this.kind === 'skip' && this.n > 0) {
      this.n -= 1;
      return false;
    }
    if (this.kind === 'times') {
      if (this.n <= 0) return false;
      this.n -= 1;
    }
    return true;
  }

  get exhausted(): boolean {
    return this.kind === 'times' && this.n <= 0;
  }
}

interface FailCommand {
  failCommands: string[];
  errorCode?: number;
  closeConnection?: boolean;
  blockTimeMS?: number;
  errorLabels?: string[];
  appName?: string;
  writeConcernError?: Doc;
}

/** onPrimaryTransactionalWrite's data: mongod closes the connection unless told not to. */
export interface TransactionalWriteFailure {
  closeConnection: boolean;
  failBeforeCommitExceptionCode?: number;
}

/** What the network layer must do for failCommand besides running the command (or instead of it). */
export interface FailAction {
  closeConnection?: boolean;
  blockTimeMS?: number;
  /** The reply sent instead of running the command. */
  reply?: Doc;
  /** The command runs, then its reply carries this (and errorLabels when given), as mongod does. */
  writeConcernError?: { writeConcernError: Doc; errorLabels?: string[] };
}

const FAIL_COMMAND_FIELDS = ['failCommands', 'errorCode', 'closeConnection', 'blockConnection', 'blockTimeMS', 'errorLabels', 'appName', 'writeConcernError', 'failInternalCommands'];

function parseFailCommand(data: unknown): FailCommand {
  if (!isPlainObject(data) || !Array.isArray(data.failCommands)) throw badValue("'data.failCommands' must be an array of command names");
  for (const key of Object.keys(data)) if (!FAIL_COMMAND_FIELDS.includes(key)) throw badValue(`the test server's failCommand does not support data.${key}`);
  if (data.blockConnection && typeof data.blockTimeMS !== 'number') throw badValue("'blockTimeMS' must be set when 'blockConnection' is true");
  if (data.errorCode === undefined && !data.closeConnection && !data.blockConnection && !data.writeConcernError) {
    throw badValue('failCommand needs errorCode, closeConnection, blockConnection or writeConcernError');
  }
  return {
    failCommands: data.failCommands.map(String),
    errorCode: typeof data.errorCode === 'number' ? data.errorCode : undefined,
    closeConnection: data.closeConnection === true,
    blockTimeMS: data.blockConnection === true ? Number(data.blockTimeMS) : undefined,
    errorLabels: Array.isArray(data.errorLabels) ? data.errorLabels.map(String) : undefined,
    appName: typeof data.appName === 'string' ? data.appName : undefined,
    writeConcernError: isPlainObject(data.writeConcernError) ? data.writeConcernError : undefined,
  };
}

function parseTransactionalWrite(data: unknown): TransactionalWriteFailure {
  const d = data === undefined ? {} : data;
  if (!isPlainObject(d)) throw badValue("'data' must be an object");
  const code = d.failBeforeCommitExceptionCode;
  if (code !== undefined && typeof code !== 'number') throw badValue("'failBeforeCommitExceptionCode' must be a number");
  return { closeConnection: d.closeConnection === undefined ? true : d.closeConnection === true, failBeforeCommitExceptionCode: code };
}

export const FAILPOINT_NAMES = ['failCommand', 'onPrimaryTransactionalWrite'] as const;
export type FailPointName = (typeof FAILPOINT_NAMES)[number];

export class FailPoints {
  private failCommand: { mode: Mode; data: FailCommand } | undefined;
  private transactionalWrite: { mode: Mode; data: TransactionalWriteFailure } | undefined;

  /** configureFailPoint: `mode` 'off' turns the failpoint off; anything else (re)configures it. */
  configure(name: FailPointName, mode: unknown, data: unknown): void {
    if (name === 'failCommand') this.failCommand = mode === 'off' ? undefined : { mode: Mode.parse(mode), data: parseFailCommand(data) };
    else this.transactionalWrite = mode === 'off' ? undefined : { mode: Mode.parse(mode), data: parseTransactionalWrite(data) };
  }

  /** failCommand's decision for one command; only a command it names (and its appName) counts against the mode. */
  action(cmdName: string, conn: ConnState): FailAction | undefined {
    const fp = this.failCommand;
    if (!fp || !fp.data.failCommands.includes(cmdName)) return undefined;
    if (fp.data.appName !== undefined && fp.data.appName !== conn.appName) return undefined;
    const fires = fp.mode.fire();
    if (fp.mode.exhausted) this.failCommand = undefined;
    if (!fires) return undefined;
    const { data } = fp;
    const action: FailAction = {};
    if (data.closeConnection) action.closeConnection = true;
    if (data.blockTimeMS !== undefined) action.blockTimeMS = data.blockTimeMS;
    const labels = data.errorLabels ? { errorLabels: data.errorLabels } : {};
    if (data.errorCode !== undefined) {
      action.reply = { ...new CommandError(data.errorCode, "Failing command via 'failCommand' failpoint").toReply(), ...labels };
    } else if (data.writeConcernError) {
      action.writeConcernError = { writeConcernError: data.writeConcernError, ...labels };
    }
    return action;
  }

  /** onPrimaryTransactionalWrite's decision as one statement of a retryable write commits. */
  transactionalWriteFailure(): TransactionalWriteFailure | undefined {
    const fp = this.transactionalWrite;
    if (!fp) return undefined;
    const fires = fp.mode.fire();
    if (fp.mode.exhausted) this.transactionalWrite = undefined;
    return fires ? fp.data : undefined;
  }
}

/**
 * Thrown by onPrimaryTransactionalWrite: the statement's write was undone (failBeforeCommitExceptionCode) or kept,
 * and when closeConnection is set the client gets no reply at all: its connection is closed.
 */
export class FailedTransactionalWrite extends CommandError {
  constructor(
    code: number,
    message: string,
    readonly closeConnection: boolean,
  ) {
    super(code, message);
  }
}
