// Commands the driver may never settle. mongodb 6 and 7 write a command to a pooled socket and, unless the
// socket takes it at once, wait for 'drain' or 'error'. When MongoDB has just closed that connection, Node may
// already have destroyed the socket while its 'close' event (which the driver watches) is still to come: the
// write is then dropped with neither event, and that 'close' fails only a reply being read. The command stays
// pending forever, socketTimeoutMS notwithstanding, and so does every later write of its session (inOrder()).
// The driver does find the server gone and clears its connection pool. A command pending then may still be
// waiting for a server, legitimately: for one selection and, after a network error, one more for its retry.
// One still pending three serverSelectionTimeoutMS after the clear is failed here, as a lost connection.
import { MongoNetworkError } from 'mongodb';

const POOL_CLEARED = 'connectionPoolCleared';
const DEFAULT_SERVER_SELECTION_MS = 30_000; // the driver's default
/** Server selections a command may still legitimately wait through after a pool clear, plus one to spare. */
const GRACE_SELECTIONS = 3;

interface EventSource {
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
  options?: { serverSelectionTimeoutMS?: number };
}

export class StalledCommands {
  readonly #pending = new Set<(err: Error) => void>();
  /** Grace periods under way, each with the commands it may fail. */
  readonly #armed = new Map<NodeJS.Timeout, Array<(err: Error) => void>>();
  /** #private: the client's options hold the URI's password, which must not show when the store is inspected. */
  #client: EventSource | null = null;

  /** Settles as `command` does, or rejects if it is still pending long after a pool clear. */
  watch<T>(command: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#pending.add(reject);
      const done = () => this.#pending.delete(reject);
      command.then(
        (value) => (done(), resolve(value)),
        (err: unknown) => (done(), reject(err)),
      );
    });
  }

  /** Listens to the client's pool clears (once per client; a client of another driver copy works alike). */
  follow(client: unknown): void {
    const source = client as EventSource;
    if (this.#client === source || typeof source?.on !== 'function') return;
    this.#client?.off(POOL_CLEARED, this.poolCleared);
    this.#client = source;
    source.on(POOL_CLEARED, this.poolCleared);
  }

  /** Stops listening (close()); what a grace period was waiting for fails now, leaving no timer behind. */
  stop(): void {
    this.#client?.off(POOL_CLEARED, this.poolCleared);
    this.#client = null;
    for (const [timer, stalled] of this.#armed) {
      clearTimeout(timer);
      this.fail(stalled, 'the store was closed');
    }
    this.#armed.clear();
  }

  private readonly poolCleared = (): void => {
    const stalled = [...this.#pending];
    if (stalled.length === 0) return;
    const graceMs = GRACE_SELECTIONS * (this.#client?.options?.serverSelectionTimeoutMS ?? DEFAULT_SERVER_SELECTION_MS);
    const timer = setTimeout(() => {
      this.#armed.delete(timer);
      this.fail(stalled, `${graceMs} ms after the driver found its connections closed`);
    }, graceMs);
    timer.unref();
    this.#armed.set(timer, stalled);
  };

  private fail(stalled: Array<(err: Error) => void>, when: string): void {
    for (const fail of stalled) {
      if (this.#pending.delete(fail)) fail(new MongoNetworkError(`connect-mongo: no reply from MongoDB ${when}`));
    }
  }
}
