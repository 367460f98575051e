// Every command this server runs, by name as drivers send it (aliases included). hello/isMaster are not
// here: the network layer answers them itself (awaitable hello needs the connection).
import type { CommandHandler } from '../types';
import { adminCommands } from './admin';
import { aggregateCommands } from './aggregate';
import { authCommands } from './auth';
import { cursorCommands } from './cursors';
import { findAndModifyCommands } from './find-and-modify';
import { indexCommands } from './indexes';
import { namespaceCommands } from './namespaces';
import { readCommands } from './reads';
import { replSetCommands } from './replset';
import { searchIndexCommands } from './search-indexes';
import { writeCommands } from './writes';

export const COMMANDS: Readonly<Record<string, CommandHandler>> = {
  ...adminCommands,
  ...authCommands,
  ...readCommands,
  ...aggregateCommands,
  ...cursorCommands,
  ...writeCommands,
  ...findAndModifyCommands,
  ...namespaceCommands,
  ...indexCommands,
  ...replSetCommands,
  ...searchIndexCommands,
};

/** The handler for a command name; own entries only, so names like 'constructor' stay unknown. */
export function commandHandler(name: string): CommandHandler | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}
