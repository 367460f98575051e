// The express-session store. It only sequences work; each option is checked where its options.ts resolves it
// and lives with the part that uses it:
//   connection/  mongoUrl, mongoOptions, clientPromise, client, closeClient, dbName, collectionName,
//                readPreference, writeOperationOptions
//   expiry/      ttl, autoRemove, autoRemoveInterval, disableTouch (and the removed createAutoRemoveIdx)
//   document/    stringify, serialize, unserialize, transformId, timestamps, touchAfter, crypto, cryptoAdapter,
//                onDecryptError, reencryptOnRead, requireEncrypted
//   controls/    one module each, read alone: maxLifetime (max-lifetime.ts), destroyGrace (tombstones.ts),
//                userId (user-id.ts), hashSessionIds (hashed-ids.ts), bindToId (bind-to-id.ts)
// operations/ turns get/set/touch/destroy into commands and events; batching/ sends them, merging concurrent
// ones into one command.
import { inspect } from 'node:util';
import { Store, type SessionData } from 'express-session';
import type { Collection } from 'mongodb';
import { CommandBatcher } from './batching/command-batcher';
import { isNamespaceMissing } from './batching/driver-errors';
import { settle, type Callback } from './callback';
import type { ConnectionOptions } from './connection/options';
import { warnConnectFailed } from './connection/failure';
import { ConnectionResolver } from './connection/resolver';
import { debug } from './debug';
import { SessionCodec } from './document/codec';
import { SessionIds } from './controls/hashed-ids';
import { resolveDocumentOptions, type DocumentOptions } from './document/options';
import type { InternalSessionType, SessionDocument, Touchable } from './document/types';
import { resolveExpiryOptions, type ExpiryOptions } from './expiry/options';
import { ExpiryPolicy } from './expiry/policy';
import { Sweeper } from './expiry/sweeper';
import { Reencryption, type ReencryptOptions, type ReencryptProgress } from './operations/reencrypt';
import { SessionOps, markRead, readMarkOf } from './operations/session-ops';
import { UserIds, assertUserId, type UserSession } from './controls/user-id';
import { Listing, type EntriesOptions } from './queries/listing';
import { warnUnknownOptions } from './unknown-options';
import { ConnectMongoError, ErrorCodes, optionError, type ConnectMongoErrorCode } from './errors';

/** Everything connect-mongo 6 accepts. */
export type ConnectMongoOptions<T extends SessionData = SessionData> = ConnectionOptions & ExpiryOptions<T> & DocumentOptions<T>;

export class MongoStore<T extends SessionData = SessionData> extends Store {
  private readonly connection: ConnectionResolver<SessionDocument>;
  private readonly expiry: ExpiryPolicy;
  private readonly sweeper: Sweeper;
  private readonly codec: SessionCodec<T>;
  private readonly batcher: CommandBatcher;
  private readonly listing: Listing<T>;
  private readonly sessionIds: SessionIds;
  private readonly ops: SessionOps<T>;
  private readonly reencryption: Reencryption | null;
  private readonly users: UserIds<T> | null;
  private closing: Promise<void> | null = null;

  constructor(options: ConnectMongoOptions<T>) {
    super();
    if (typeof options !== 'object' || options === null) throw optionError('connect-mongo: options must be an object');
    warnUnknownOptions(options);
    // Every option is checked before anything is opened, so a bad option leaves nothing behind.
    const expiry = resolveExpiryOptions(options);
    const documents = resolveDocumentOptions<T>(options);
    this.sessionIds = new SessionIds(options);
    this.expiry = new ExpiryPolicy(expiry);
    this.sweeper = new Sweeper(expiry);
    this.codec = new SessionCodec<T>(documents, (id) => void this.emit('decryptError', id));
    let reported = false;
    const unreachable = (message: string, cause: unknown) => {
      reported = true;
      this.report(ErrorCodes.notConnected, message, cause, true);
    };
    this.connection = new ConnectionResolver<SessionDocument>(options, (collection, client) => this.prepare(collection, client), unreachable);
    const write = this.connection.writeOptions;
    this.batcher = new CommandBatcher(write, { slicedReads: documents.encryption !== null });
    const { codec, batcher } = this;
    this.users = documents.userId ? new UserIds<T>(documents.userId, this.expiry, write) : null;
    this.listing = new Listing<T>(this.expiry, codec);
    // Looked up per call, so an app that wraps store.emit (to log events, say) sees every event.
    const emit = (event: string, ...args: unknown[]) => void this.emit(event, ...args);
    const parts = { ids: this.sessionIds, codec, expiry: this.expiry, batcher, write, users: this.users, emit };
    this.reencryption = documents.encryption ? new Reencryption(documents.encryption, write) : null;
    const reencryption = documents.reencryptOnRead ? this.reencryption : null;
    this.ops = new SessionOps<T>({ ...parts, reencryption, collection: () => this.collection() });
    this.sweeper.start(() => this.sweep());
    // Connect right away, as connect-mongo does, so the TTL index exists before the first request. A failure
    // is reported here and retried by the next call; it never becomes an unhandled rejection.
    this.connection.collection().catch((err) => {
      const code = err instanceof ConnectMongoError ? err.code : ErrorCodes.notConnected;
      if (!reported) this.report(code, this.connection.describeFailure(err), err, true);
    });
    debug('store created');
  }

  static create<U extends SessionData = SessionData>(options: ConnectMongoOptions<U>): MongoStore<U> {
    return new MongoStore<U>(options);
  }

  /**
   * The sessions collection, once connected and its TTL index created (connect-mongo's public property).
   * After a failed connection, reading it again starts a new attempt.
   */
  get collectionP(): Promise<Collection<InternalSessionType<T>>> {
    return this.connection.clientCollection() as unknown as Promise<Collection<InternalSessionType<T>>>;
  }

  override get(sid: string): Promise<T | null>;
  override get(sid: string, callback: Callback<T | null>): void;
  override get(sid: string, callback?: Callback<T | null>): Promise<T | null> | void {
    return settle(this.ops.get(sid), callback);
  }

  override set(sid: string, session: T): Promise<void>;
  override set(sid: string, session: T, callback: Callback<void>): void;
  override set(sid: string, session: T, callback?: Callback<void>): Promise<void> | void {
    return settle(this.ops.set(sid, session), callback);
  }

  override touch(sid: string, session: Touchable<T>): Promise<void>;
  override touch(sid: string, session: Touchable<T>, callback: Callback<void>): void;
  override touch(sid: string, session: Touchable<T>, callback?: Callback<void>): Promise<void> | void {
    return settle(this.ops.touch(sid, session), callback);
  }

  override destroy(sid: string): Promise<void>;
  override destroy(sid: string, callback: Callback<void>): void;
  override destroy(sid: string, callback?: Callback<void>): Promise<void> | void {
    return settle(this.ops.destroy(sid), callback);
  }

  /** Every live session, as an array (connect-mongo's shape). */
  override all(): Promise<T[]>;
  override all(callback: Callback<T[]>): void;
  override all(callback?: Callback<T[]>): Promise<T[]> | void {
    return settle(this.allSessions(), callback);
  }

  /** The number of sessions get() would return: expired documents not yet removed are not counted. */
  override length(): Promise<number>;
  override length(callback: (err: any, length: number) => void): void; // eslint-disable-line @typescript-eslint/no-explicit-any
  override length(callback?: (err: any, length: number) => void): Promise<number> | void { // eslint-disable-line @typescript-eslint/no-explicit-any
    // connect-mongo reports a failed count as (err, 0): callers may read the length without checking err.
    const count = (async () => this.listing.count(await this.collection()))();
    return settle(count, callback && ((err: unknown, length?: number) => callback(err, length ?? 0)));
  }

  /** Deletes every session; the collection and its TTL index stay. */
  override clear(): Promise<void>;
  override clear(callback: Callback<void>): void;
  override clear(callback?: Callback<void>): Promise<void> | void {
    return settle(this.clearSessions(), callback);
  }

  /** The stored ids of live sessions. */
  async ids(): Promise<string[]> {
    return this.listing.ids(await this.collection());
  }

  /** Every live session as [id, session], streamed from a cursor: memory stays bounded. */
  async *entries(options?: EntriesOptions): AsyncGenerator<[string, T]> {
    yield* this.listing.entries(await this.collection(), options);
  }

  /** The live sessions of a user (needs the `userId` option). */
  async sessionsByUser(userId: string): Promise<UserSession[]> {
    assertUserId(userId);
    return this.usersPart().list(await this.collection(), userId);
  }

  /** Ends every live session of a user, but `except` (a session id) if given; resolves how many ended. */
  async destroyByUser(userId: string, { except }: { except?: string } = {}): Promise<number> {
    assertUserId(userId);
    const exceptIds = except === undefined ? [] : this.sessionIds.keptIds(except);
    return this.usersPart().destroy(await this.collection(), userId, exceptIds);
  }

  /**
   * The id ids(), entries() and sessionsByUser() list this session under (with hashSessionIds, its hash):
   * `s.id === store.storedId(req.sessionID)` tells the caller's own session apart.
   */
  storedId(sid: string): string {
    return this.sessionIds.storageId(sid);
  }

  /**
   * Ends the session listed under `id` by ids(), entries() or sessionsByUser(). Takes the stored id, never a
   * cookie's session id: check that the caller may end it (e.g. that sessionsByUser() of its user lists it).
   */
  destroyStored(id: string): Promise<void> {
    return this.ops.destroyStored(id);
  }

  /**
   * express-session turns what get() returned into req.session here. What get() saw of the stored document
   * (its creation date, whether it was still under its plain id) goes along, out of sight, so that the
   * request's own set() and touch() can honour maxLifetime and hashSessionIds.migrate.
   */
  override createSession(req: Parameters<Store['createSession']>[0], session: SessionData): ReturnType<Store['createSession']> {
    const created = super.createSession(req, session);
    const mark = readMarkOf(session);
    if (mark) markRead(created, mark);
    return created;
  }

  /** What logging the store shows: nothing it holds (secrets, the client, sessions), at any depth. */
  [inspect.custom](): string {
    return `MongoStore { closed: ${this.closing !== null} }`;
  }

  toJSON(): { closed: boolean } {
    return { closed: this.closing !== null };
  }

  /** Re-encrypts every session still under an older secret (or unbound), in resumable batches. */
  async reencryptAll(options?: ReencryptOptions): Promise<ReencryptProgress> {
    if (!this.reencryption) throw optionError('connect-mongo: reencryptAll() needs encryption: set `cryptoAdapter` or `crypto`');
    return this.reencryption.all(await this.collection(), options);
  }

  private usersPart(): UserIds<T> {
    if (!this.users) throw optionError('connect-mongo: set the `userId` option to find sessions by user');
    return this.users;
  }

  /**
   * Stops the sweep timer and closes the MongoClient, including one passed as `client` or `clientPromise`
   * (connect-mongo does the same). Idempotent; every later call fails with "the store is closed".
   */
  close(): Promise<void>;
  close(callback: Callback<void>): void;
  close(callback?: Callback<void>): Promise<void> | void {
    if (!this.closing) {
      debug('closing');
      this.sweeper.stop();
      this.codec.close(); // no plaintext stays in a closed store
      this.batcher.flush(); // calls still queued are sent while the client is open, not after
      this.batcher.stalls.stop();
      this.closing = this.connection.close();
    }
    return settle(this.closing, callback);
  }

  /** The collection itself once connected (no promise per operation), else a promise of it. */
  private collection(): Collection<SessionDocument> | Promise<Collection<SessionDocument>> {
    if (this.closing) throw new ConnectMongoError(ErrorCodes.closed, 'the store is closed');
    return this.connection.ready ?? this.connection.collection();
  }

  private async allSessions(): Promise<T[]> {
    debug('all');
    const sessions = await this.listing.all(await this.collection());
    this.emit('all', sessions);
    return sessions;
  }

  private async clearSessions(): Promise<void> {
    debug('clear');
    this.codec.forget();
    const collection = await this.collection();
    try {
      await collection.deleteMany({}, { writeConcern: this.connection.writeConcern });
    } catch (err) {
      if (!isNamespaceMissing(err)) throw err;
    } finally {
      this.codec.forget(); // again: a get() reading meanwhile cannot leave a plaintext behind
    }
  }

  /** Runs once per connection. A failed TTL index is reported, never fatal: sessions keep working without it. */
  private async prepare(collection: Collection<SessionDocument>, client: unknown): Promise<void> {
    if (!this.closing) this.batcher.stalls.follow(client);
    try {
      await this.sweeper.ensureTtlIndex(collection);
    } catch (err) {
      this.report(ErrorCodes.indexFailed, 'could not create the TTL index on `expires` (expired sessions will not be removed by MongoDB)', err);
    }
    await this.users?.ensureIndex(collection).catch((err) => {
      this.report(ErrorCodes.indexFailed, 'could not create the index on `userId` (finding sessions by user will scan the collection)', err);
    });
  }

  private async sweep(): Promise<void> {
    if (this.closing) return;
    try {
      await this.sweeper.removeExpired(await this.connection.collection());
    } catch (err) {
      debug('sweeping expired sessions failed: %s', (err as Error)?.message);
    }
  }

  /**
   * Background failures: always to debug; to 'error' listeners only, since an unheard 'error' event throws.
   * With `warnIfUnheard` and no listener, a process warning instead: a failed connection must not be silent.
   */
  private report(code: ConnectMongoErrorCode, what: string, err: unknown, warnIfUnheard = false): void {
    if (this.closing) return;
    debug('%s: %s', what, (err as Error)?.message);
    const error = new ConnectMongoError(code, what, { cause: err });
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else if (warnIfUnheard) warnConnectFailed(error.message);
  }
}

export default MongoStore;
