// How get(), set(), touch() and destroy() reach the collection: one coalescing queue per kind of operation
// (see coalescer.ts), and writes to one session kept in call order.
import type { SessionDocument } from '../document/types';
import { Coalescer, type Coll } from './coalescer';
import {
  deleteBatch,
  deleteOne,
  findBatch,
  findOne,
  touchBatch,
  touchOne,
  upsertBatch,
  upsertRetryingDuplicate,
  type Touch,
  type Upsert,
  type WriteOptions,
} from './commands';

export class CommandBatcher {
  private readonly reads: Coalescer<undefined, SessionDocument | null>;
  private readonly writes: Coalescer<Upsert, boolean>;
  private readonly touches: Coalescer<Touch, boolean>;
  private readonly deletes: Coalescer<undefined, void>;
  /** The last write of each session still in progress: writes to one session go out in call order. */
  private readonly writing = new Map<string, Promise<boolean>>();

  /**
   * `w`: the options of every write command (the store's writeOperationOptions). `slicedReads`: the
   * callers of a shared read resume a slice per event-loop turn (see turns.ts), for decrypted sessions.
   */
  constructor(w: WriteOptions, { slicedReads = false }: { slicedReads?: boolean } = {}) {
    this.reads = new Coalescer(findOne, (c, entries) => findBatch(c, entries, slicedReads));
    this.writes = new Coalescer(
      (c, _id, update) => upsertRetryingDuplicate(c, _id, update, w),
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

  /** The stored document with this _id, or null. */
  findById(collection: Coll, _id: string): Promise<SessionDocument | null> {
    return this.reads.run(collection, _id, undefined);
  }

  /**
   * Upserts by _id; resolves true when the document was created, false when it was updated. A write to a
   * session that is still being written waits for that write to finish (however it ends): two concurrent
   * writes on two pooled connections could otherwise reach the server in either order, and the older
   * session could overwrite the newer one.
   */
  upsert(collection: Coll, _id: string, update: Upsert): Promise<boolean> {
    const previous = this.writing.get(_id);
    const send = () => this.writes.run(collection, _id, update);
    const write = previous ? previous.then(send, send) : send();
    this.writing.set(_id, write);
    const forget = () => {
      if (this.writing.get(_id) === write) this.writing.delete(_id);
    };
    write.then(forget, forget);
    return write;
  }

  /** Applies a touch (never an upsert); resolves false when no live session matched. */
  touch(collection: Coll, _id: string, touch: Touch): Promise<boolean> {
    return this.touches.run(collection, _id, touch);
  }

  remove(collection: Coll, _id: string): Promise<void> {
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
