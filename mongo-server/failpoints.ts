// MongoDB's failCommand failpoint: configureFailPoint parses it, and every later command asks for its action.
import { CommandError, badValue } from './errors';
import { isPlainObject } from './query';
import type { Doc } from './storage';
import type { ConnState } from './types';

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

/** What the network layer must do besides sending the reply. */
export interface FailAction {
  closeConnection?: boolean;
  blockTimeMS?: number;
  reply?: Doc;
}

const DATA_FIELDS = ['failCommands', 'errorCode', 'closeConnection', 'blockConnection', 'blockTimeMS', 'errorLabels', 'appName', 'writeConcernError', 'failInternalCommands'];

function parseMode(mode: unknown): FailPoint['mode'] {
  if (mode === 'alwaysOn') return 'alwaysOn';
  if (isPlainObject(mode) && Object.keys(mode).length === 1 && typeof mode.times === 'number' && mode.times > 0) return { times: mode.times };
  throw badValue(`unsupported failpoint mode: ${JSON.stringify(mode)}`);
}

/** The failpoint described by configureFailPoint's `mode` (other than 'off') and `data`. */
export function parseFailPoint(mode: unknown, data: unknown): FailPoint {
  const parsedMode = parseMode(mode);
  if (!isPlainObject(data) || !Array.isArray(data.failCommands)) throw badValue("'data.failCommands' must be an array of command names");
  for (const key of Object.keys(data)) if (!DATA_FIELDS.includes(key)) throw badValue(`the test server's failCommand does not support data.${key}`);
  if (data.blockConnection && typeof data.blockTimeMS !== 'number') throw badValue("'blockTimeMS' must be set when 'blockConnection' is true");
  if (data.errorCode === undefined && !data.closeConnection && !data.blockConnection && !data.writeConcernError) {
    throw badValue('failCommand needs errorCode, closeConnection, blockConnection or writeConcernError');
  }
  return {
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
}

export class FailPoints {
  private current: FailPoint | undefined;

  set(failPoint: FailPoint | undefined): void {
    this.current = failPoint;
  }

  /** The decision for one command, consuming one of the failpoint's `times`. */
  action(cmdName: string, conn: ConnState): FailAction | undefined {
    const fp = this.current;
    if (!fp || !fp.failCommands.includes(cmdName)) return undefined;
    if (fp.appName !== undefined && fp.appName !== conn.appName) return undefined;
    if (typeof fp.mode === 'object') {
      fp.mode.times -= 1;
      if (fp.mode.times <= 0) this.current = undefined;
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
}
