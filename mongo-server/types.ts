// What a command handler gets: the command as received, its connection's state and the server's engine.
import type { Engine } from './engine';
import type { ScramConversation } from './scram';
import type { Doc } from './storage';

export interface ConnState {
  id: number;
  appName?: string;
  authenticated: Set<string>;
  conversations: Map<number, ScramConversation>;
}

/** For a retryable write: what its statements already did (by index), and where each new result goes. */
export interface StatementLog {
  done(index: number): Doc | undefined;
  record(index: number, result: Doc): void;
}

export interface Command {
  /** The command's name as sent (aliases such as 'findandmodify' keep their own spelling in errors). */
  name: string;
  body: Doc;
  conn: ConnState;
  engine: Engine;
  /** Set when the command is a retryable write (lsid + txnNumber) on a replica set member. */
  retry?: StatementLog;
}

/** Most commands answer at once; a few (replSetStepDown) wait for the replica set. */
export type CommandHandler = (command: Command) => Doc | Promise<Doc>;
