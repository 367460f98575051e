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

export interface Command {
  /** The command's name as sent (aliases such as 'findandmodify' keep their own spelling in errors). */
  name: string;
  body: Doc;
  conn: ConnState;
  engine: Engine;
}

export type CommandHandler = (command: Command) => Doc;
