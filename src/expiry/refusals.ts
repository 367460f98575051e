// What a write that matched nothing met: a tombstone (destroyGrace, written by this instance or another), a
// session past maxLifetime, or nothing. Only reached when a write was refused, never on the usual path.
import type { Coll } from '../batching/coalescer';
import type { WriteOptions } from '../batching/commands';
import type { ExpiryPolicy } from './policy';

/** 'refused': the write stored nothing, on purpose; 'retry': the obstacle is gone, send the write again. */
export type Outcome = 'created' | 'updated' | 'touched' | 'refused' | 'retry' | 'gone';

export class Refusals {
  constructor(
    private readonly expiry: ExpiryPolicy,
    private readonly write: WriteOptions,
  ) {}

  /**
   * An upsert whose guard failed, so MongoDB tried to insert a second document with this _id. Undefined when
   * no document has that _id: the duplicate key came from elsewhere (another unique index), not the guard.
   */
  async afterUpsert(collection: Coll, _id: string, now: Date): Promise<Outcome | undefined> {
    const doc = await collection.findOne({ _id });
    if (!doc) return undefined;
    if (!doc.tombstone) return 'refused'; // past maxLifetime (or a createdAt that is not a date)
    if (doc.expires instanceof Date && doc.expires > now) return 'refused';
    await collection.deleteOne({ _id, tombstone: true }, this.write); // an old tombstone refuses nothing
    return 'retry';
  }

  /** A touch that matched nothing: with destroyGrace, a tombstone means the touch was refused. */
  async afterTouch(collection: Coll, _id: string): Promise<Outcome> {
    if (!this.expiry.destroyGrace) return 'gone';
    const doc = await collection.findOne({ _id }, { projection: { tombstone: 1 } });
    return doc?.tombstone ? 'refused' : 'gone';
  }
}
