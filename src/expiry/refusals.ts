// What a write that matched nothing met: a tombstone (destroyGrace, written by this instance or another), a
// session past maxLifetime, or nothing. Only reached when a write was refused, never on the usual path.
import type { SessionCollection } from '../document/types';
import type { WriteOptions } from '../document/types';
import type { ExpiryPolicy } from './policy';
import { Tombstones } from '../controls/tombstones';

/** 'refused': the write stored nothing, on purpose; 'retry': the obstacle is gone, send the write again. */
export type Outcome = 'created' | 'updated' | 'touched' | 'refused' | 'retry' | 'gone';

export class Refusals {
  constructor(
    private readonly expiry: ExpiryPolicy,
    private readonly write: WriteOptions,
  ) {}

  /**
   * An upsert that failed with a duplicate key: either the guard refused the document (MongoDB then tried to
   * insert a second one with this _id), or another first write of the session inserted it meanwhile. 'retry'
   * unless refused; a duplicate key from elsewhere (another unique index) comes back from the retry.
   */
  async afterUpsert(collection: SessionCollection, _id: string, now: Date): Promise<Outcome> {
    const doc = await collection.findOne({ _id });
    if (!doc) return 'retry';
    if (!doc.tombstone) return this.expiry.maxLifetime.refusedStored(doc.createdAt, now) ? 'refused' : 'retry';
    if (Tombstones.refuses(doc, now)) return 'refused';
    await collection.deleteOne({ _id, tombstone: true }, this.write); // an old tombstone refuses nothing
    return 'retry';
  }

  /** A touch that matched nothing: with destroyGrace, a tombstone means the touch was refused. */
  async afterTouch(collection: SessionCollection, _id: string): Promise<Outcome> {
    if (!this.expiry.destroyGrace) return 'gone';
    const doc = await collection.findOne({ _id }, { projection: { tombstone: 1 } });
    return doc?.tombstone ? 'refused' : 'gone';
  }
}
