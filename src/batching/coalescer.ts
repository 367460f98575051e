// One queue per kind of operation. An operation alone goes out at once; operations of one kind that start
// while another of that kind is in flight wait until the end of the current event-loop turn and go out
// together. Under load most requests find earlier ones still in flight, so N round trips become one; a lone
// request never waits.
import type { SessionCollection } from '../document/types';

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
