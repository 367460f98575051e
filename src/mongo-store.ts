// The express-session store. It only sequences work; each option lives with the part that uses it:
//   connection/  mongoUrl, mongoOptions, clientPromise, client, dbName, collectionName, writeOperationOptions
//   expiry/      ttl, autoRemove, autoRemoveInterval (and the removed createAutoRemoveIdx)
//   document/    stringify, serialize, unserialize, transformId, timestamps, touchAfter, crypto, cryptoAdapter
// and batching/ sends get/set/touch/destroy to the collection, merging concurrent ones into one command.
import { Store, type SessionData } from 'express-session';
import type { Collection } from 'mongodb';
import { CommandBatcher } from './batching/command-batcher';
import { READ_OPTIONS } from './batching/commands';
import { isNamespaceMissing } from './batching/driver-errors';
import { settle, type Callback } from './callback';
import type { ConnectionOptions } from './connection/options';
import { ConnectionResolver } from './connection/resolver';
import { debug } from './debug';
import { SessionCodec, assertSession, assertTouchable } from './document/codec';
import { resolveDocumentOptions, type SerializerOptions } from './document/options';
import type { InternalSessionType, SessionDocument, Touchable } from './document/types';
import { DocumentUpdates } from './document/updates';
import { resolveExpiryOptions, type ExpiryOptions } from './expiry/options';
import { ExpiryPolicy } from './expiry/policy';
import { Sweeper } from './expiry/sweeper';

/** Everything connect-mongo 6 accepts. */
export type ConnectMongoOptions<T extends SessionData = SessionData> = ConnectionOptions & ExpiryOptions & SerializerOptions<T>;

export class MongoStore<T extends SessionData = SessionData> extends Store {
  private readonly connection: ConnectionResolver<SessionDocument>;
  private readonly expiry: ExpiryPolicy;
  private readonly sweeper: Sweeper;
  private readonly codec: SessionCodec<T>;
  private readonly updates: DocumentUpdates;
  private readonly batcher: CommandBatcher;
  private closing: Promise<void> | null = null;

  constructor(options: ConnectMongoOptions<T>) {
    super();
    if (typeof options !== 'object' || options === null) throw new TypeError('connect-mongo: options must be an object');
    // Every option is checked before anything is opened, so a bad option leaves nothing behind.
    const expiry = resolveExpiryOptions(options);
    const documents = resolveDocumentOptions<T>(options);
    this.expiry = new ExpiryPolicy(expiry.ttlSeconds);
    this.sweeper = new Sweeper(expiry);
    this.codec = new SessionCodec<T>(documents);
    this.updates = new DocumentUpdates(documents);
    this.connection = new ConnectionResolver<SessionDocument>(options, (collection) => this.prepare(collection));
    this.batcher = new CommandBatcher(this.connection.writeConcern);
    this.sweeper.start(() => this.sweep());
    // Connect right away, as connect-mongo does, so the TTL index exists before the first request. A failure
    // is reported here and retried by the next call; it never becomes an unhandled rejection.
    this.connection.collection().catch((err) => this.report('could not connect to MongoDB', err));
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
    return this.connection.collection() as unknown as Promise<Collection<InternalSessionType<T>>>;
  }

  override get(sid: string): Promise<T | null>;
  override get(sid: string, callback: Callback<T | null>): void;
  override get(sid: string, callback?: Callback<T | null>): Promise<T | null> | void {
    return settle(this.getSession(sid), callback);
  }

  override set(sid: string, session: T): Promise<void>;
  override set(sid: string, session: T, callback: Callback<void>): void;
  override set(sid: string, session: T, callback?: Callback<void>): Promise<void> | void {
    return settle(this.setSession(sid, session), callback);
  }

  override touch(sid: string, session: Touchable<T>): Promise<void>;
  override touch(sid: string, session: Touchable<T>, callback: Callback<void>): void;
  override touch(sid: string, session: Touchable<T>, callback?: Callback<void>): Promise<void> | void {
    return settle(this.touchSession(sid, session), callback);
  }

  override destroy(sid: string): Promise<void>;
  override destroy(sid: string, callback: Callback<void>): void;
  override destroy(sid: string, callback?: Callback<void>): Promise<void> | void {
    return settle(this.destroySession(sid), callback);
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
    return settle(this.countSessions(), callback && ((err: unknown, length?: number) => callback(err, length ?? 0)));
  }

  /** Deletes every session; the collection and its TTL index stay. */
  override clear(): Promise<void>;
  override clear(callback: Callback<void>): void;
  override clear(callback?: Callback<void>): Promise<void> | void {
    return settle(this.clearSessions(), callback);
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
      this.batcher.flush(); // calls still queued are sent while the client is open, not after
      this.closing = this.connection.close();
    }
    return settle(this.closing, callback);
  }

  /** The collection itself once connected (no promise per operation), else a promise of it. */
  private collection(): Collection<SessionDocument> | Promise<Collection<SessionDocument>> {
    if (this.closing) throw new Error('connect-mongo: the store is closed');
    return this.connection.ready ?? this.connection.collection();
  }

  private async getSession(sid: string): Promise<T | null> {
    const _id = this.codec.storageId(sid);
    debug('get %s', sid);
    const collection = await this.collection();
    // By _id alone (MongoDB's fastest plan; in a shared `$in` under load), then the expiry test here: the
    // same rule as liveFilter(), so an expired document the TTL monitor has not removed yet is never returned.
    const doc = await this.batcher.findById(collection, _id);
    const session = doc && this.expiry.isLive(doc, new Date()) ? await this.codec.decode(doc, { withLastModified: true }) : null;
    this.emit('get', sid);
    return session;
  }

  private async setSession(sid: string, session: T): Promise<void> {
    const _id = this.codec.storageId(sid);
    assertSession(session);
    debug('set %s', sid);
    const now = new Date();
    let payload = this.codec.serialize(session);
    if (this.codec.encrypts) payload = await this.codec.encrypt(payload);
    const update = this.updates.upsertUpdate(_id, payload, this.expiry.expiresFor(session, now), now);
    const collection = await this.collection();
    const created = await this.batcher.upsert(collection, _id, update);
    this.emit(created ? 'create' : 'update', sid);
    this.emit('set', sid);
  }

  private async touchSession(sid: string, session: Touchable<T>): Promise<void> {
    const _id = this.codec.storageId(sid);
    assertTouchable(session);
    const now = new Date();
    if (!this.updates.touchIsDue(session, now)) {
      debug('touch %s skipped (touchAfter)', sid);
      return;
    }
    debug('touch %s', sid);
    const collection = await this.collection();
    // Never an upsert, and only a live document: a touch must not bring back a destroyed or expired session.
    const touched = await this.batcher.touch(collection, _id, {
      filter: { _id, ...this.expiry.liveFilter(now) },
      update: this.updates.touchUpdate(this.expiry.expiresFor(session, now), now),
    });
    if (!touched) {
      // Gone (logged out in parallel, or reaped): nothing to extend, and not an error for the request.
      debug('touch %s: no live session, nothing to do', sid);
      return;
    }
    this.emit('touch', sid, session);
  }

  private async destroySession(sid: string): Promise<void> {
    const _id = this.codec.storageId(sid);
    debug('destroy %s', sid);
    const collection = await this.collection();
    await this.batcher.remove(collection, _id);
    this.emit('destroy', sid);
  }

  private async allSessions(): Promise<T[]> {
    debug('all');
    const collection = await this.collection();
    const docs = await collection.find(this.expiry.liveFilter(new Date()), READ_OPTIONS).toArray();
    const sessions: T[] = [];
    for (const doc of docs) sessions.push(await this.codec.decode(doc));
    this.emit('all', sessions);
    return sessions;
  }

  private async countSessions(): Promise<number> {
    debug('length');
    const collection = await this.collection();
    return collection.countDocuments(this.expiry.liveFilter(new Date()));
  }

  private async clearSessions(): Promise<void> {
    debug('clear');
    const collection = await this.collection();
    try {
      await collection.deleteMany({}, { writeConcern: this.connection.writeConcern });
    } catch (err) {
      if (!isNamespaceMissing(err)) throw err;
    }
  }

  /** Runs once per connection. A failed TTL index is reported, never fatal: sessions keep working without it. */
  private async prepare(collection: Collection<SessionDocument>): Promise<void> {
    try {
      await this.sweeper.ensureTtlIndex(collection);
    } catch (err) {
      this.report('could not create the TTL index on `expires` (expired sessions will not be removed by MongoDB)', err);
    }
  }

  private async sweep(): Promise<void> {
    if (this.closing) return;
    try {
      await this.sweeper.removeExpired(await this.connection.collection());
    } catch (err) {
      debug('sweeping expired sessions failed: %s', (err as Error)?.message);
    }
  }

  /** Background failures: always to debug; to 'error' listeners only, since an unheard 'error' event throws. */
  private report(what: string, err: unknown): void {
    if (this.closing) return;
    debug('%s: %s', what, (err as Error)?.message);
    if (this.listenerCount('error') > 0) this.emit('error', new Error(`connect-mongo: ${what}`, { cause: err }));
  }
}

export default MongoStore;
