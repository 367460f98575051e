// get(), set(), touch() and destroy() from a session id to commands and events: the id as stored (plain,
// transformed or hashed, and the plain id still read while migrating), expiry, and what each outcome emits.
import type { SessionData } from 'express-session';
import type { CommandBatcher } from '../batching/command-batcher';
import { debug } from '../debug';
import { argumentError } from '../errors';
import { assertSession, assertTouchable, type SessionCodec } from '../document/codec';
import type { SessionIds } from '../controls/hashed-ids';
import type { SessionCollection, Touchable } from '../document/types';
import type { DocumentUpdates } from '../document/updates';
import type { ExpiryPolicy } from '../expiry/policy';
import { markRead, readMarkOf } from './read-marks';
import type { Reencryption } from './reencrypt';
import type { Writes } from './writes';

export interface SessionOpsDependencies<T extends SessionData> {
  ids: SessionIds;
  codec: SessionCodec<T>;
  updates: DocumentUpdates;
  expiry: ExpiryPolicy;
  batcher: CommandBatcher;
  writes: Writes<T>;
  /** The store's emit(): listeners get the session id, or the hashed id when ids are hashed. */
  emit: (event: string, ...args: unknown[]) => void;
  collection: () => SessionCollection | Promise<SessionCollection>;
  /** Set with reencryptOnRead. */
  reencryption: Reencryption | null;
}

export class SessionOps<T extends SessionData> {
  constructor(private readonly deps: SessionOpsDependencies<T>) {}

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

  /** Whether set() and touch() need what get() saw (see read-marks.ts). */
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
    const { ids, expiry, writes } = this.deps;
    const _id = ids.storageId(sid);
    const shown = ids.shown(sid, _id);
    assertSession(session);
    debug('set %s', shown);
    const now = new Date();
    const mark = readMarkOf(session);
    // Its request read it before the end of its lifetime; the document may be gone since: it must not return.
    if (expiry.maxLifetime.outlived(mark?.createdAt, now)) return void this.deps.emit('refused', shown, 'set');
    const expires = expiry.expiresFor(session, now, sid);
    let update = expires && writes.setUpdateFor(_id, session, expires, now);
    if (update instanceof Promise) update = await update;
    const collection = await this.deps.collection();
    if (!expires || !update) return this.destroyAt(collection, sid, now); // a ttl function said 0
    const outcome = await writes.set(collection, _id, update, now, mark?.createdAt);
    if (outcome === 'refused') {
      this.deps.codec.forget(_id); // the plaintext just encrypted is of no stored session
      return void this.deps.emit('refused', shown, 'set');
    }
    if (mark?.foundUnderPlainId) await this.deps.batcher.remove(collection, sid); // moved to the hashed id
    this.deps.emit(outcome === 'created' ? 'create' : 'update', shown);
    this.deps.emit('set', shown);
  }

  async touch(sid: string, session: Touchable<T>): Promise<void> {
    const { ids, expiry, updates, writes } = this.deps;
    const _id = ids.storageId(sid);
    const shown = ids.shown(sid, _id);
    assertTouchable(session);
    const now = new Date();
    if (expiry.touchDisabled || !updates.touchIsDue(session, now)) return debug('touch %s skipped', shown);
    // onDecryptError 'miss': what get() hid is no session, and no session is extended.
    if (this.deps.codec.hidden(_id)) return debug('touch %s skipped: it could not be decrypted', shown);
    debug('touch %s', shown);
    const expires = expiry.expiresFor(session, now, sid);
    const collection = await this.deps.collection();
    if (!expires) return this.destroyAt(collection, sid, now);
    // A session get() found under its plain id is still there until its next set().
    const outcome = await writes.touch(collection, readMarkOf(session)?.foundUnderPlainId ? sid : _id, expires, now);
    if (outcome === 'touched') this.deps.emit('touch', shown, session);
    else if (outcome === 'refused') this.deps.emit('refused', shown, 'touch');
    // Otherwise gone (logged out in parallel, or reaped): nothing to extend, and not an error.
    else debug('touch %s: no live session, nothing to do', shown);
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
    await this.forgetting([_id], () => this.deps.writes.destroy(collection, _id, new Date()));
    this.deps.emit('destroy', _id);
  }

  private async destroyAt(collection: SessionCollection, sid: string, now: Date): Promise<void> {
    const { ids, writes } = this.deps;
    const _id = ids.storageId(sid);
    const plainId = ids.plainId(sid);
    await this.forgetting(plainId ? [_id, plainId] : [_id], () => writes.destroy(collection, _id, now, plainId));
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
}
