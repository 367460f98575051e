// How get(), set(), touch() and destroy() reach the collection: one coalescing queue per kind of operation
// (see coalescer.ts), and writes to one session kept in call order.
import type { SessionCollection, SessionDocument } from '../document/types';
import { Coalescer } from './coalescer';
import {
  deleteBatch,
  deleteOne,
  findBatch,
  findOne,
  touchBatch,
  touchOne,
  upsertBatch,
  updateOneUpsert,
  type Touch,
  type GuardedUpsert,
  type WriteOptions,
} from './commands';

export class CommandBatcher {
  private readonly reads: Coalescer<string | undefined, SessionDocument | null>;
  private readonly writes: Coalescer<GuardedUpsert, boolean>;
  private readonly touches: Coalescer<Touch, boolean>;
  private readonly deletes: Coalescer<undefined, void>;
  /** The last write of each session still in progress: writes to one session go out in call order. */
  private readonly writing = new Map<string, Promise<unknown>>();

  /**
   * `w`: the options of every write command (the store's writeOperationOptions). `slicedReads`: the
   * callers of a shared read resume a slice per event-loop turn (see document/decode-slots.ts), for decrypted sessions.
   */
  constructor(w: WriteOptions, { slicedReads = false }: { slicedReads?: boolean } = {}) {
    this.reads = new Coalescer((c, _id, plainId) => findOne(c, _id, plainId), (c, entries) => findBatch(c, entries, slicedReads));
    this.writes = new Coalescer(
      (c, _id, update) => updateOneUpsert(c, _id, update, w),
      (c, entries) => upsertBatch(c, entries, w),
    );
    this.touches = new Coalescer(
      (c, _id, touch) => touchOne(c, touch, w),
      (c, entries) => touchBatch(c, entries, w),
    );
    this.deletes = new Coalescer(
      (c, _id) => deleteOne(c, _id, w),
      (c, entries) => deleteBatch(c, entries, w),
    );
  }

  /**
   * The stored document with this _id, or null. `plainId` (hashSessionIds.migrate): the plain id the session
   * may still be stored under, read in the same command; the document under `_id` wins.
   */
  findById(collection: SessionCollection, _id: string, plainId?: string): Promise<SessionDocument | null> {
    return this.reads.run(collection, _id, plainId);
  }

  /** Upserts by _id, in one command; resolves true when the document was created, false when it was updated. */
  upsert(collection: SessionCollection, _id: string, update: GuardedUpsert): Promise<boolean> {
    return this.writes.run(collection, _id, update);
  }

  /**
   * Runs `write` (the commands of one set(), its retry included) once every earlier write of this session
   * has finished, however it ended: two concurrent writes on two pooled connections could otherwise reach
   * the server in either order, and the older session could overwrite the newer one.
   */
  inOrder<R>(_id: string, write: () => Promise<R>): Promise<R> {
    const previous = this.writing.get(_id);
    const turn = previous ? previous.then(write, write) : write();
    this.writing.set(_id, turn);
    const forget = () => {
      if (this.writing.get(_id) === turn) this.writing.delete(_id);
    };
    turn.then(forget, forget);
    return turn;
  }

  /** Applies a touch (never an upsert); resolves false when no live session matched. */
  touch(collection: SessionCollection, _id: string, touch: Touch): Promise<boolean> {
    return this.touches.run(collection, _id, touch);
  }

  remove(collection: SessionCollection, _id: string): Promise<void> {
    return this.deletes.run(collection, _id, undefined);
  }

  /** Sends everything that is waiting (close() calls it before closing the client). */
  flush(): void {
    this.reads.flush();
    this.writes.flush();
    this.touches.flush();
    this.deletes.flush();
  }
}
