// How get(), set(), touch() and destroy() reach the collection: one coalescing queue per kind of operation,
// and writes to one session kept in call order. An operation alone goes out at once; operations of one kind
// that start while another of that kind is in flight wait until the end of the current event-loop turn and
// go out together. Under load most requests find earlier ones still in flight, so N round trips become
// one; a lone request never waits.
import type { SessionCollection, SessionDocument } from '../document/types';
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

// Sessions per shared command: keeps a find's `$in` (and a reply) far below MongoDB's 16 MiB; the driver
// splits larger bulk writes itself, but one failure would then cover more callers than it needs to.
export const MAX_BATCH = 1000;

export interface Entry<A, R> {
  _id: string;
  arg: A;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/** One queue per kind of operation: decides whether an operation goes out now or with the next batch. */
export class Coalescer<A, R> {
  private inFlight = 0;
  private batch: Entry<A, R>[] = [];
  private ids = new Set<string>();
  private batchCollection: SessionCollection | undefined;
  private scheduled = false;

  constructor(
    private readonly one: (collection: SessionCollection, _id: string, arg: A) => Promise<R>,
    /** Settles every entry itself and never rejects. */
    private readonly many: (collection: SessionCollection, entries: Entry<A, R>[]) => Promise<void>,
  ) {}

  run(collection: SessionCollection, _id: string, arg: A): Promise<R> {
    if (this.inFlight === 0 && this.batch.length === 0) return this.track(this.one(collection, _id, arg));
    // The same _id twice in one find would share one decoded reply between two callers (writes never get
    // here twice: see upsert()); a full batch, or another collection (after a reconnect), cannot take one
    // more. Either way the waiting batch goes first.
    if (this.ids.has(_id) || this.batch.length >= MAX_BATCH || (this.batchCollection !== undefined && this.batchCollection !== collection)) {
      this.flush();
    }
    return new Promise<R>((resolve, reject) => {
      this.batch.push({ _id, arg, resolve, reject });
      this.ids.add(_id);
      this.batchCollection = collection;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.onImmediate);
      }
    });
  }

  /** Sends what is waiting now (also called by close(), so nothing queued is left behind). */
  flush(): void {
    const entries = this.batch;
    const collection = this.batchCollection;
    if (entries.length === 0 || collection === undefined) return;
    this.batch = [];
    this.ids = new Set();
    this.batchCollection = undefined;
    if (entries.length === 1) {
      const { _id, arg, resolve, reject } = entries[0];
      this.track(this.one(collection, _id, arg)).then(resolve, reject);
    } else {
      this.track(this.many(collection, entries));
    }
  }

  private readonly onImmediate = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private track<P>(promise: Promise<P>): Promise<P> {
    this.inFlight++;
    promise.then(this.settled, this.settled);
    return promise;
  }

  private readonly settled = (): void => {
    this.inFlight--;
  };
}

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
