// get(), set(), touch() and destroy() from a session id to commands and events: the id as stored (plain,
// transformed or hashed, and the plain id still read while migrating), expiry, what each write sends and
// what a refused one means, and what each outcome emits.
import type { SessionData } from 'express-session';
import type { CommandBatcher } from '../batching/command-batcher';
import { isDuplicateKey } from '../batching/driver-errors';
import { debug } from '../debug';
import { argumentError } from '../errors';
import { assertSession, assertTouchable, type SessionCodec } from '../document/codec';
import type { SessionIds } from '../controls/hashed-ids';
import { sessionWithId, type Tombstone } from '../controls/tombstones';
import type { UserIds } from '../controls/user-id';
import type { OperatorUpdate, SessionCollection, SessionDocument, Touchable, WriteOptions } from '../document/types';
import type { ExpiryPolicy } from '../expiry/policy';
import { Refusals, type Outcome } from '../expiry/refusals';
import type { Reencryption } from './reencrypt';

export interface SessionOpsDependencies<T extends SessionData> {
  ids: SessionIds;
  codec: SessionCodec<T>;
  expiry: ExpiryPolicy;
  batcher: CommandBatcher;
  /** The options of every write command (writeOperationOptions). */
  write: WriteOptions;
  /** With the userId option. */
  users: UserIds<T> | null;
  /** The store's emit(): listeners get the session id, or the hashed id when ids are hashed. */
  emit: (event: string, ...args: unknown[]) => void;
  collection: () => SessionCollection | Promise<SessionCollection>;
  /** Set with reencryptOnRead. */
  reencryption: Reencryption | null;
}

// What get() saw of a stored session, carried on the session object it returns (and, through
// MongoStore.createSession, on express-session's req.session), so that the same request's set() or touch()
// knows it: when the session was created (maxLifetime counts from there, even once the document is gone),
// and whether it was still stored under its plain id (hashSessionIds.migrate). A non-enumerable property under
// a private symbol: serializers, JSON, express-session's change detection and stored data never carry it,
// so no stored or posted value can forge one.
const MARK = Symbol('connect-mongo-next read mark');

export interface ReadMark {
  /** The document's createdAt, when it had one. */
  createdAt: Date | undefined;
  /** Found under the plain session id, not yet moved to the hashed one. */
  foundUnderPlainId: boolean;
}

export function markRead(session: unknown, mark: ReadMark): void {
  if (typeof session !== 'object' || session === null || !Object.isExtensible(session)) return;
  Object.defineProperty(session, MARK, { value: mark, enumerable: false, configurable: true, writable: true });
}

export function readMarkOf(session: unknown): ReadMark | undefined {
  if (typeof session !== 'object' || session === null) return undefined;
  return (session as { [MARK]?: ReadMark })[MARK];
}

export class SessionOps<T extends SessionData> {
  private readonly refusals: Refusals;

  constructor(private readonly deps: SessionOpsDependencies<T>) {
    this.refusals = new Refusals(deps.expiry, deps.write);
  }

  async get(sid: string): Promise<T | null> {
    const { ids, batcher, expiry, codec } = this.deps;
    const _id = ids.storageId(sid);
    const shown = ids.shown(sid, _id);
    debug('get %s', shown);
    const collection = await this.deps.collection();
    const since = codec.mark(); // a destroy() from here on may delete what this read finds
    // By _id alone (MongoDB's fastest plan; in a shared `$in` under load), then the expiry test here: the
    // same rule as liveFilter(), so an expired document the TTL monitor has not removed yet is never returned.
    // While migrating, the plain id is asked in the same find (never for an id shaped like a hash: see plainId()).
    const doc = await batcher.findById(collection, _id, ids.plainId(sid));
    if (!doc || !expiry.isLive(doc, new Date())) return this.got(shown, null);
    let stalePlaintext: string | undefined;
    const onStale = this.deps.reencryption ? (plaintext: string) => void (stalePlaintext = plaintext) : undefined;
    const session = await codec.decode(doc, { withLastModified: true, onStale, since });
    if (stalePlaintext !== undefined) await this.reencrypt(collection, doc._id, doc.session as string, stalePlaintext, since);
    if (this.marksReads) markRead(session, { createdAt: doc.createdAt instanceof Date ? doc.createdAt : undefined, foundUnderPlainId: doc._id !== _id });
    return this.got(shown, session);
  }

  /** Whether set() and touch() need what get() saw (see ReadMark). */
  private get marksReads(): boolean {
    return this.deps.expiry.maxLifetime.on || this.deps.ids.migrating;
  }

  private got(shown: string, session: T | null): T | null {
    this.deps.emit('get', shown);
    return session;
  }

  /** reencryptOnRead: a failure only costs the rewrite, never the read. */
  private async reencrypt(collection: SessionCollection, _id: string, ciphertext: string, plaintext: string, since?: number): Promise<void> {
    try {
      await this.deps.reencryption!.one(collection, _id, ciphertext, plaintext, true, since);
    } catch (err) {
      debug('re-encrypting %s failed: %s', _id, (err as Error)?.message);
    }
  }

  async set(sid: string, session: T): Promise<void> {
    const { ids, expiry, codec } = this.deps;
    const _id = ids.storageId(sid);
    const shown = ids.shown(sid, _id);
    assertSession(session);
    debug('set %s', shown);
    const now = new Date();
    const mark = readMarkOf(session);
    // Its request read it before the end of its lifetime; the document may be gone since: it must not return.
    if (expiry.maxLifetime.outlived(mark?.createdAt, now)) return void this.deps.emit('refused', shown, 'set');
    const expires = expiry.expiresFor(session, now, sid);
    let update = expires && codec.setUpdate(_id, session, expires, now, this.deps.users?.fieldsOf(session));
    if (update instanceof Promise) update = await update;
    const collection = await this.deps.collection();
    if (!expires || !update) return this.destroyAt(collection, sid, now); // a ttl function said 0
    const outcome = await this.upsert(collection, _id, update, now, mark?.createdAt);
    if (outcome === 'refused') {
      codec.forget(_id); // the plaintext just encrypted is of no stored session
      return void this.deps.emit('refused', shown, 'set');
    }
    if (mark?.foundUnderPlainId) await this.deps.batcher.remove(collection, sid); // moved to the hashed id
    this.deps.emit(outcome === 'created' ? 'create' : 'update', shown);
    this.deps.emit('set', shown);
  }

  /**
   * Upserts, unless the id holds a tombstone or a session past maxLifetime (then 'refused'). `createdAt`: the
   * session's creation date as its request read it, kept if the document is gone meanwhile; else now. The
   * whole of it, retry included, keeps its place in the session's call order.
   */
  private upsert(collection: SessionCollection, _id: string, update: OperatorUpdate, now: Date, createdAt = now): Promise<Outcome> {
    const { expiry, batcher } = this.deps;
    const upsert = { update: expiry.maxLifetime.capped(update, createdAt), guard: expiry.writeGuard(now) };
    const send = async () => ((await batcher.upsert(collection, _id, upsert)) ? 'created' : 'updated');
    return batcher.inOrder(_id, async () => {
      try {
        return await send();
      } catch (err) {
        // The only place a duplicate key is retried: two first writes of one session both inserting, or the
        // guard refusing the document (then a second one with this _id would have been inserted).
        if (!isDuplicateKey(err)) throw err;
        // Commands of its own, in the session's order: watched as the queues' are (see stalls.ts).
        const outcome = await batcher.stalls.watch(this.refusals.afterUpsert(collection, _id, now));
        return outcome === 'retry' ? send() : outcome;
      }
    });
  }

  async touch(sid: string, session: Touchable<T>): Promise<void> {
    const { ids, expiry, codec } = this.deps;
    const _id = ids.storageId(sid);
    const shown = ids.shown(sid, _id);
    assertTouchable(session);
    const now = new Date();
    if (expiry.touchDisabled || !codec.touchIsDue(session, now)) return debug('touch %s skipped', shown);
    // onDecryptError 'miss': what get() hid is no session, and no session is extended.
    if (codec.hidden(_id)) return debug('touch %s skipped: it could not be decrypted', shown);
    debug('touch %s', shown);
    const expires = expiry.expiresFor(session, now, sid);
    const collection = await this.deps.collection();
    if (!expires) return this.destroyAt(collection, sid, now);
    // A session get() found under its plain id is still there until its next set().
    const outcome = await this.extend(collection, readMarkOf(session)?.foundUnderPlainId ? sid : _id, expires, now);
    if (outcome === 'touched') this.deps.emit('touch', shown, session);
    else if (outcome === 'refused') this.deps.emit('refused', shown, 'touch');
    // Otherwise gone (logged out in parallel, or reaped): nothing to extend, and not an error.
    else debug('touch %s: no live session, nothing to do', shown);
  }

  /** Extends a live session's expiry (capped by maxLifetime); never an upsert, so a touch cannot bring a session back. */
  private async extend(collection: SessionCollection, _id: string, expires: Date, now: Date): Promise<Outcome> {
    const { expiry, codec, batcher } = this.deps;
    const filter = { _id, ...expiry.liveFilter(now) };
    const update = expiry.maxLifetime.capped(codec.touchUpdate(expires, now), now);
    if (await batcher.touch(collection, _id, { filter, update })) return 'touched';
    return this.refusals.afterTouch(collection, _id);
  }

  async destroy(sid: string): Promise<void> {
    const _id = this.deps.ids.storageId(sid);
    debug('destroy %s', this.deps.ids.shown(sid, _id));
    return this.destroyAt(await this.deps.collection(), sid, new Date());
  }

  /** Ends the session listed under `_id` by ids(), entries() or sessionsByUser(). */
  async destroyStored(_id: string): Promise<void> {
    if (typeof _id !== 'string' || _id.length === 0) throw argumentError('connect-mongo: `id` must be a non-empty string');
    debug('destroy stored %s', _id);
    const collection = await this.deps.collection();
    await this.forgetting([_id], () => this.remove(collection, _id, new Date()));
    this.deps.emit('destroy', _id);
  }

  private async destroyAt(collection: SessionCollection, sid: string, now: Date): Promise<void> {
    const { ids } = this.deps;
    const _id = ids.storageId(sid);
    const plainId = ids.plainId(sid);
    await this.forgetting(plainId ? [_id, plainId] : [_id], () => this.remove(collection, _id, now, plainId));
    this.deps.emit('destroy', ids.shown(sid, _id));
  }

  /** Forgets the plaintexts of `ids` before and again after `remove`: a get() reading them meanwhile keeps nothing. */
  private async forgetting(ids: string[], remove: () => Promise<void>): Promise<void> {
    const forget = () => ids.forEach((id) => this.deps.codec.forget(id));
    forget();
    try {
      await remove();
    } finally {
      forget();
    }
  }

  /**
   * Deletes the session, or with destroyGrace replaces it with a tombstone; `plainId`: while migrating, the
   * plain id it may still be stored under, in the same command when nothing is left behind. Only a stored
   * session becomes a tombstone: destroying ids that never existed (any anonymous client can ask to log out)
   * writes nothing. After the set()s called before it: one still on its way cannot store the session again.
   */
  private remove(collection: SessionCollection, _id: string, now: Date, plainId?: string): Promise<void> {
    const { expiry, batcher } = this.deps;
    const tombstone = expiry.tombstone(now);
    if (!tombstone && plainId === undefined) return batcher.afterWrites(_id, () => batcher.remove(collection, _id));
    // Commands of their own, not a queue's: watched for a pool clear as the queues' are (see stalls.ts).
    return batcher.afterWrites(_id, () => batcher.stalls.watch(this.removeWith(collection, _id, tombstone, plainId)));
  }

  private async removeWith(collection: SessionCollection, _id: string, tombstone: Tombstone | null, plainId?: string): Promise<void> {
    const { write } = this.deps;
    if (!tombstone) {
      await collection.bulkWrite([_id, plainId!].map((id) => ({ deleteOne: { filter: sessionWithId(id) } })), { ...write, ordered: false });
      return;
    }
    // A session not moved yet is written under the hashed id by its next set(): its tombstone goes there.
    const movedOut = plainId !== undefined && (await collection.deleteOne(sessionWithId(plainId), write)).deletedCount > 0;
    await collection.replaceOne({ _id }, tombstone as unknown as SessionDocument, { ...write, upsert: movedOut });
  }
}
