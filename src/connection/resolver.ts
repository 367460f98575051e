// Turns the connection options into the sessions collection, and owns the client's lifecycle.
import { MongoClient } from 'mongodb';
import type { Collection, Document, MongoClientOptions, ReadPreferenceLike, WriteConcernSettings } from 'mongodb';
import { debug } from '../debug';
import { clientAddress, connectFailure, watchFirstChecks } from './failure';
import { checkConnectionOptions, clientProblem, type ConnectionOptions, type MongoClientLike } from './options';
import { optionError } from '../errors';

const noop = () => {};

// Whatever leads to the client (which holds the connection string's password) sits in #private fields: an
// app that logs or walks the store cannot reach it.
export class ConnectionResolver<TSchema extends Document> {
  private readonly collectionName: string;
  private readonly dbName: string | undefined;
  /** Passed with every write command, as connect-mongo does; the collection keeps the client's own. */
  readonly writeConcern: WriteConcernSettings | undefined;
  /** `{ writeConcern }`, or nothing when writeOperationOptions is not set. */
  readonly writeOptions: { writeConcern?: WriteConcernSettings };
  private readonly closeClient: boolean;
  /** Set on the store's collection object, so that every read of the store goes there. */
  private readonly readPreference: ReadPreferenceLike;
  /** The collection as the client sees it (its own read preference), for `collectionP`. */
  #plain: Collection<TSchema> | null = null;
  readonly #acquire: () => Promise<MongoClientLike>;
  /** Connect + prepare in flight or done. A failed attempt is dropped so that the next call retries. */
  #pending: Promise<Collection<TSchema>> | null = null;
  /** The collection once connected and prepared: lets each operation skip awaiting `pending` again. */
  #connected: Collection<TSchema> | null = null;
  /** The client of the last successful attempt: the one close() closes. */
  #client: MongoClientLike | null = null;
  /** A client whose connect() is in flight: close() aborts it instead of waiting out server selection. */
  #connecting: MongoClientLike | null = null;
  readonly #fallbackClient: (() => Promise<MongoClientLike | null>) | null;
  /** The hosts of the client last tried, for error messages. */
  private address = '';

  /**
   * `prepare` runs once per successful connection (TTL index, watching the client's pool); it must not
   * reject. `onUnreachable` hears, during the first attempt only, that every host failed its first check,
   * before that attempt gives up.
   */
  constructor(
    options: ConnectionOptions,
    private readonly prepare: (collection: Collection<TSchema>, client: MongoClientLike) => Promise<void>,
    private onUnreachable: ((message: string, cause: unknown) => void) | null = null,
  ) {
    checkConnectionOptions(options);
    this.collectionName = options.collectionName ?? 'sessions';
    this.dbName = options.dbName;
    this.writeConcern = options.writeOperationOptions;
    this.writeOptions = this.writeConcern ? { writeConcern: this.writeConcern } : {};
    this.closeClient = options.closeClient ?? true;
    this.readPreference = options.readPreference ?? 'primary';

    // An unused clientPromise (mongoUrl wins) must not turn into an unhandled rejection either.
    Promise.resolve(options.clientPromise).catch(noop);
    // Same precedence as connect-mongo: mongoUrl, then clientPromise, then client.
    if (options.mongoUrl !== undefined) {
      const { mongoUrl, mongoOptions } = options;
      // Parsing the URL now turns a malformed connection string into a construction-time error.
      let first: MongoClient | null = openClient(mongoUrl, mongoOptions);
      this.address = clientAddress(first);
      this.#acquire = async () => {
        const client = first ?? new MongoClient(mongoUrl, mongoOptions);
        first = null;
        try {
          await this.connectClient(client);
        } catch (err) {
          // Release whatever the failed attempt opened; the next call starts from a fresh client.
          await client.close().catch(noop);
          throw err;
        }
        return client;
      };
      this.#fallbackClient = null;
    } else if (options.clientPromise !== undefined) {
      const promise = Promise.resolve(options.clientPromise);
      promise.catch(noop); // its rejection surfaces through collection(), never as an unhandled rejection
      this.#acquire = () => promise;
      this.#fallbackClient = () => promise.then((c) => (clientProblem(c) ? null : c), () => null);
    } else {
      const client = options.client as MongoClientLike;
      this.address = clientAddress(client);
      // Connected explicitly (a no-op once connected): a client whose first connect failed stays closed
      // in driver 7, and only connect() brings it back; a failure here is retried by the next call.
      this.#acquire = async () => {
        if (typeof client.connect === 'function') await this.connectClient(client);
        return client;
      };
      this.#fallbackClient = async () => client;
    }
  }

  /** collection(), but with the client's own read preference (connect-mongo's `collectionP`). */
  async clientCollection(): Promise<Collection<TSchema>> {
    await this.collection();
    return this.#plain!;
  }

  /** The collection when connected and prepared, else null (then call collection()). */
  get ready(): Collection<TSchema> | null {
    return this.#connected;
  }

  /** The sessions collection, connecting (and preparing it) on first use or after a failed attempt. */
  collection(): Promise<Collection<TSchema>> {
    if (!this.#pending) {
      const attempt = this.connect();
      this.#pending = attempt;
      attempt.then(
        (collection) => {
          if (this.#pending === attempt) this.#connected = collection;
        },
        () => {
          if (this.#pending === attempt) this.#pending = null;
        },
      );
    }
    return this.#pending;
  }

  /** One line for the 'error' event: where the store tried to connect, and why that failed. */
  describeFailure(err: unknown): string {
    return connectFailure(err, this.address);
  }

  private async connectClient(client: MongoClientLike): Promise<void> {
    this.#connecting = client;
    const stopWatching = this.onUnreachable ? watchFirstChecks(client, this.onUnreachable) : null;
    this.onUnreachable = null;
    try {
      await client.connect();
    } finally {
      stopWatching?.();
      if (this.#connecting === client) this.#connecting = null;
    }
  }

  private async connect(): Promise<Collection<TSchema>> {
    const client = await this.#acquire();
    const problem = clientProblem(client, true);
    if (problem) throw optionError(`connect-mongo: option \`clientPromise\` ${problem}`);
    this.#client = client;
    // Typed by the app's driver; a client of another copy (Mongoose's) returns the same API at run time.
    const db = client.db(this.dbName);
    this.#plain = db.collection(this.collectionName) as Collection<TSchema>;
    const collection = db.collection(this.collectionName, { readPreference: this.readPreference }) as Collection<TSchema>;
    debug('connected to collection %s', this.collectionName);
    await this.prepare(collection, client);
    return collection;
  }

  /**
   * Closes the client, whoever created it: connect-mongo does the same, and apps rely on
   * `store.close()` to release a client they handed over. A connect() in flight is aborted (all
   * supported drivers reject it at once); anything else in flight is awaited, so no socket or timer
   * outlives the returned promise.
   */
  async close(): Promise<void> {
    if (!this.closeClient) return; // the app owns the client, and whatever is in flight on it
    const aborted = this.#connecting;
    if (aborted) await aborted.close().catch(noop);
    if (this.#pending) await this.#pending.catch(noop);
    const client = this.#client ?? (this.#fallbackClient ? await this.#fallbackClient() : null);
    if (client && client !== aborted) await client.close();
  }
}

function openClient(mongoUrl: string, mongoOptions: MongoClientOptions | undefined): MongoClient {
  try {
    return new MongoClient(mongoUrl, mongoOptions);
  } catch (err) {
    throw optionError('connect-mongo: the driver rejected option `mongoUrl` or `mongoOptions`', { cause: err });
  }
}
