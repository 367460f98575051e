// set(), touch() and destroy() as commands: what each one writes, and what a refused or missed write means.
// The store emits events from the outcome; nothing here emits.
import type { SessionData } from 'express-session';
import type { CommandBatcher } from '../batching/command-batcher';
import type { OperatorUpdate } from '../batching/commands';
import type { WriteOptions } from '../batching/commands';
import { sessionWithId } from '../controls/tombstones';
import { isDuplicateKey } from '../batching/driver-errors';
import type { SessionCodec } from '../document/codec';
import type { SessionCollection, SessionDocument } from '../document/types';
import type { DocumentUpdates } from '../document/updates';
import type { UserIds } from '../controls/user-id';
import { andThen } from '../crypto/cipher';
import type { ExpiryPolicy } from '../expiry/policy';
import { Refusals, type Outcome } from '../expiry/refusals';

export interface WritesDependencies<T extends SessionData> {
  codec: SessionCodec<T>;
  updates: DocumentUpdates;
  expiry: ExpiryPolicy;
  batcher: CommandBatcher;
  write: WriteOptions;
  /** With the userId option. */
  users: UserIds<T> | null;
}

export class Writes<T extends SessionData> {
  private readonly refusals: Refusals;

  constructor(private readonly deps: WritesDependencies<T>) {
    this.refusals = new Refusals(deps.expiry, deps.write);
  }

  /**
   * The update for set(): serialized (and encrypted) session, expiry and opt-in fields. A promise only
   * when encryption has to wait (a foreign adapter, or a key still being derived).
   */
  setUpdateFor(_id: string, session: T, expires: Date, now: Date): OperatorUpdate | Promise<OperatorUpdate> {
    const { codec } = this.deps;
    const payload = codec.serialize(session);
    if (!codec.encrypts) return this.setUpdateWith(_id, session, payload, expires, now);
    return andThen(codec.encrypt(payload, _id), (ciphertext) => this.setUpdateWith(_id, session, ciphertext, expires, now));
  }

  private setUpdateWith(_id: string, session: T, payload: unknown, expires: Date, now: Date): OperatorUpdate {
    return this.deps.updates.setUpdate(_id, payload, expires, now, this.deps.users?.fieldsOf(session));
  }

  /**
   * Upserts, unless the id holds a tombstone or a session past maxLifetime (then 'refused'). `createdAt`: the
   * session's creation date as its request read it, kept if the document is gone meanwhile (see
   * read-marks.ts); else now. The whole of it, retry included, keeps its place in the session's call order.
   */
  set(collection: SessionCollection, _id: string, update: OperatorUpdate, now: Date, createdAt = now): Promise<Outcome> {
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
        const outcome = await this.refusals.afterUpsert(collection, _id, now);
        return outcome === 'retry' ? send() : outcome;
      }
    });
  }

  /** Extends a live session's expiry (capped by maxLifetime); never an upsert, so a touch cannot bring a session back. */
  async touch(collection: SessionCollection, _id: string, expires: Date, now: Date): Promise<Outcome> {
    const { expiry, updates, batcher } = this.deps;
    const filter = { _id, ...expiry.liveFilter(now) };
    const touch = updates.touchUpdate(expires, now);
    const update = expiry.maxLifetime.capped(touch, now);
    if (await batcher.touch(collection, _id, { filter, update })) return 'touched';
    return this.refusals.afterTouch(collection, _id);
  }

  /**
   * Deletes the session, or with destroyGrace replaces it with a tombstone; `plainId`: while migrating, the
   * plain id it may still be stored under, in the same command when nothing is left behind. Only a stored
   * session becomes a tombstone: destroying ids that never existed (any anonymous client can ask to log out)
   * writes nothing.
   */
  async destroy(collection: SessionCollection, _id: string, now: Date, plainId?: string): Promise<void> {
    const { expiry, batcher, write } = this.deps;
    const tombstone = expiry.tombstone(now);
    if (!tombstone && plainId === undefined) return batcher.remove(collection, _id);
    if (!tombstone) {
      await collection.bulkWrite([_id, plainId!].map((id) => ({ deleteOne: { filter: sessionWithId(id) } })), { ...write, ordered: false });
      return;
    }
    // A session not moved yet is written under the hashed id by its next set(): its tombstone goes there.
    const movedOut = plainId !== undefined && (await collection.deleteOne(sessionWithId(plainId), write)).deletedCount > 0;
    await collection.replaceOne({ _id }, tombstone as unknown as SessionDocument, { ...write, upsert: movedOut });
  }
}
