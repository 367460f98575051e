// What a store sends over the wire: a client with command monitoring to hand to a store as `client`.
import { MongoClient, type CommandStartedEvent, type MongoClientOptions } from 'mongodb';
import { mongoUrl } from './mongo';

export interface CommandLogOptions extends MongoClientOptions {
  /** Default: the run's MongoDB. */
  url?: string;
  /** Which commands to keep (default: all). */
  keep?: (event: CommandStartedEvent) => boolean;
}

/** A monitored client (other options go to the client); every command it starts that `keep` accepts lands in `commands`. */
export function commandLog({ url = mongoUrl(), keep = () => true, ...options }: CommandLogOptions = {}): {
  client: MongoClient;
  commands: CommandStartedEvent[];
} {
  const client = new MongoClient(url, { ...options, monitorCommands: true });
  const commands: CommandStartedEvent[] = [];
  client.on('commandStarted', (event) => {
    if (keep(event)) commands.push(event);
  });
  return { client, commands };
}
