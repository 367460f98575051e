// What happens when a write's guard (see ExpiryPolicy.writeGuard) did not match: the id holds a tombstone,
// the session has outlived maxLifetime, or maxLifetime caps `expires` below what the write asked for.
import type { UpdateFilter } from 'mongodb';
import type { Coll } from '../batching/coalescer';
import type { WriteOptions } from '../batching/commands';
import type { SessionDocument } from '../document/types';
import type { ExpiryPolicy } from './policy';

/** 'refused': the write stored nothing, on purpose; 'retry': the obstacle is gone, send the write again. */
export type Outcome = 'created' | 'updated' | 'touched' | 'refused' | 'retry' | 'gone';

type Update = UpdateFilter<SessionDocument>;

export class Refusals {
  constructor(
    private readonly expiry: ExpiryPolicy,
    private readonly write: WriteOptions,
  ) {}

  /** An upsert whose guard failed, so MongoDB tried to insert a second document with this _id. */
  async afterUpsert(collection: Coll, _id: string, update: Update, now: Date): Promise<Outcome> {
    const doc = await collection.findOne({ _id });
    if (!doc) return 'retry'; // removed in between
    if (doc.tombstone) {
      if (doc.expires instanceof Date && doc.expires > now) return 'refused';
      await collection.deleteOne({ _id, tombstone: true }, this.write); // an old tombstone refuses nothing
      return 'retry';
    }
    return (await this.capped(collection, doc, update, now)) ? 'updated' : 'refused';
  }

  /** A touch that matched nothing: gone, a tombstone, or a session whose expiry maxLifetime caps. */
  async afterTouch(collection: Coll, _id: string, update: Update, now: Date): Promise<Outcome> {
    const doc = await collection.findOne({ _id });
    if (!doc) return 'gone';
    if (doc.tombstone) return 'refused';
    if (!this.expiry.isLive(doc, now)) return 'gone';
    return (await this.capped(collection, doc, update, now)) ? 'touched' : 'gone';
  }

  /** Applies `update` with `expires` capped at createdAt + maxLifetime; false when that moment has passed. */
  private async capped(collection: Coll, doc: SessionDocument, update: Update, now: Date): Promise<boolean> {
    if (!(doc.createdAt instanceof Date)) return false;
    const cap = this.expiry.capFor(doc.createdAt);
    if (cap <= now) return false;
    const $set = { ...(update.$set as object), expires: cap };
    const result = await collection.updateOne({ _id: doc._id, createdAt: doc.createdAt }, { ...update, $set }, this.write);
    return result.matchedCount > 0 || !result.acknowledged;
  }
}
