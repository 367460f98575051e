// Turns a failed connection into one line saying where the store tried to connect and why it failed, for
// the 'error' event, or a process warning when nobody listens: "could not connect to MongoDB" alone, after
// a 30 s wait, left users guessing. Hosts and reasons only: credentials never reach the message.
import { ConnectMongoError } from '../errors';

/** Where a client connects, from its parsed options (`host:port, …` or `mongodb+srv://host`); '' if unknown. */
export function clientAddress(client: unknown): string {
  const options = (client as { options?: { hosts?: unknown[]; srvHost?: unknown } } | null)?.options;
  if (typeof options?.srvHost === 'string' && options.srvHost) return `mongodb+srv://${options.srvHost}`;
  return Array.isArray(options?.hosts) ? options.hosts.map(String).join(', ') : '';
}

// Defensive: a `user:password@` in any message is cut down to the host.
const withoutCredentials = (text: string) => text.replace(/[^\s/@]+:[^\s/@]*@/g, '');

function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return withoutCredentials(message.split('\n')[0]) || (err as Error)?.name || 'unknown error';
}

/**
 * `could not connect to MongoDB at 127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1)`. A server selection
 * error carries each server's own failure, which beats its summary when there are several.
 */
export function connectFailure(err: unknown, address: string): string {
  // The store's own errors (a `clientPromise` that resolved to a Mongoose Connection, say) are the message.
  if (err instanceof ConnectMongoError) return err.message;
  const servers = (err as { reason?: { servers?: unknown } } | null)?.reason?.servers;
  if (servers instanceof Map && servers.size > 0) {
    const each = [...(servers as Map<string, { error?: unknown }>)].map(([host, server]) => [host, server?.error ?? err] as const);
    return eachHostFailed(each);
  }
  return `could not connect to MongoDB${address ? ` at ${address}` : ''} (${firstLine(err)})`;
}

function eachHostFailed(failures: Iterable<readonly [string, unknown]>): string {
  const each = [...failures].map(([host, failure]) => `${withoutCredentials(host)} (${firstLine(failure)})`);
  return `could not connect to MongoDB at ${each.join(', ')}`;
}

type HeartbeatSource = {
  on(event: string, listener: (e: { connectionId: string; failure?: unknown }) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
};

/**
 * Calls `onUnreachable` as soon as every host of the client's seed list has failed its first check, which
 * takes milliseconds when nothing listens on the port, rather than after server selection gives up (30 s
 * by default): an app started without MongoDB says so at startup, not on its second request. Returns the
 * function that stops watching. `mongodb+srv` clients have no hosts before DNS answers: not watched.
 */
export function watchFirstChecks(client: unknown, onUnreachable: (message: string, cause: unknown) => void): () => void {
  const options = (client as { options?: { hosts?: unknown[]; srvHost?: unknown } } | null)?.options;
  const hosts = options?.srvHost || !Array.isArray(options?.hosts) ? [] : options.hosts.map(String);
  const events = client as HeartbeatSource;
  if (hosts.length === 0 || typeof events.on !== 'function') return () => {};
  const failed = new Map<string, unknown>();
  const stop = () => {
    events.off('serverHeartbeatFailed', onFailed);
    events.off('serverHeartbeatSucceeded', stop);
  };
  function onFailed({ connectionId, failure }: { connectionId: string; failure?: unknown }) {
    if (!failed.has(connectionId)) failed.set(connectionId, failure);
    if (!hosts.every((host) => failed.has(host))) return;
    stop();
    onUnreachable(eachHostFailed(hosts.map((host) => [host, failed.get(host)] as const)), failed.get(hosts[0]));
  }
  events.on('serverHeartbeatFailed', onFailed);
  events.on('serverHeartbeatSucceeded', stop);
  return stop;
}

export const CONNECT_FAILED_WARNING = 'CONNECT_MONGO_CONNECT_FAILED';

/** Said once per store, when its first connection fails and no 'error' listener would have heard it. */
export function warnConnectFailed(message: string): void {
  process.emitWarning(message, {
    code: CONNECT_FAILED_WARNING,
    detail:
      "Each store call retries the connection and fails until MongoDB answers. Listen for the store's 'error' event to handle this yourself; set mongoOptions.serverSelectionTimeoutMS to fail faster than the driver's 30 s.",
  });
}
