// set(), touch() and destroy() as commands: what each one writes, and what a refused or missed write means.
// The store emits events from the outcome; nothing here emits.
import type { SessionData } from 'express-session';
import type { CommandBatcher } from '../batching/command-batcher';
import type { Update } from '../batching/commands';
import type { Coll } from '../batching/coalescer';
import type { WriteOptions } from '../batching/commands';
import { isDuplicateKey } from '../batching/driver-errors';
import type { SessionCodec } from '../document/codec';
import type { SessionDocument } from '../document/types';
import type { DocumentUpdates, ExtraFields } from '../document/updates';
import type { ExpiryPolicy } from '../expiry/policy';
import { Refusals, type Outcome } from '../expiry/refusals';
import { optionError } from '../errors';

export interface WriteParts<T extends SessionData> {
  codec: SessionCodec<T>;
  updates: DocumentUpdates;
  expiry: ExpiryPolicy;
  batcher: CommandBatcher;
  write: WriteOptions;
  userId: ((session: T) => string | undefined) | undefined;
}

export class Writes<T extends SessionData> {
  private readonly refusals: Refusals;

  constructor(private readonly parts: WriteParts<T>) {
    this.refusals = new Refusals(parts.expiry, parts.write);
  }

  /**
   * The update for set(): serialized (and encrypted) session, expiry and opt-in fields. A promise only
   * when encryption has to wait (a foreign adapter, or a key still being derived).
   */
  upsertFor(_id: string, session: T, expires: Date, now: Date): Update | Promise<Update> {
    const { codec } = this.parts;
    const payload = codec.serialize(session);
    if (!codec.encrypts) return this.update(_id, session, payload, expires, now);
    const sealed = codec.encryptNow(payload, _id);
    if (sealed !== undefined) return this.update(_id, session, sealed, expires, now);
    return codec.encrypt(payload, _id).then((ciphertext) => this.update(_id, session, ciphertext, expires, now));
  }

  private update(_id: string, session: T, payload: unknown, expires: Date, now: Date): Update {
    return this.parts.updates.upsertUpdate(_id, payload, expires, now, this.extraFields(session));
  }

  private extraFields(session: T): ExtraFields | undefined {
    const { userId } = this.parts;
    const createdAt = this.parts.expiry.needsCreatedAt;
    if (!userId && !createdAt) return undefined;
    const extra: ExtraFields = { createdAt };
    if (userId) {
      const value = userId(session);
      if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
        throw optionError('connect-mongo: option `userId` must return a non-empty string or undefined');
      }
      extra.userId = { value };
    }
    return extra;
  }

  /** Upserts; with a tombstone or maxLifetime guard, a refused upsert is resolved (or retried once). */
  async set(collection: Coll, _id: string, update: Update, expires: Date, now: Date): Promise<Outcome> {
    const guard = this.parts.expiry.writeGuard(expires);
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.parts.batcher.upsert(collection, _id, { update, guard })) ? 'created' : 'updated';
      } catch (err) {
        if (!guard || !isDuplicateKey(err)) throw err;
        const outcome = await this.refusals.afterUpsert(collection, _id, update, now);
        if (outcome !== 'retry' || attempt > 0) return outcome === 'retry' ? 'refused' : outcome;
      }
    }
  }

  /** Extends a live session's expiry; never an upsert, so a touch cannot bring a session back. */
  async touch(collection: Coll, _id: string, expires: Date, now: Date): Promise<Outcome> {
    const { expiry, updates, batcher } = this.parts;
    const live = { _id, ...expiry.liveFilter(now) };
    const guard = expiry.writeGuard(expires);
    const update = updates.touchUpdate(expires, now);
    const filter = guard ? { $and: [live, guard] } : live;
    if (await batcher.touch(collection, _id, { filter, update })) return 'touched';
    return guard ? this.refusals.afterTouch(collection, _id, update, now) : 'gone';
  }

  /** Deletes the session, or with destroyGrace replaces it with a tombstone. */
  async destroy(collection: Coll, _id: string, now: Date): Promise<void> {
    const tombstone = this.parts.expiry.tombstone(now);
    if (!tombstone) return this.parts.batcher.remove(collection, _id);
    await collection.replaceOne({ _id }, tombstone as unknown as SessionDocument, { ...this.parts.write, upsert: true });
  }
}
