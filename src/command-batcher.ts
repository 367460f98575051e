// How get(), set(), touch() and destroy() reach the collection. One operation alone goes out at once, as
// findOne / updateOne / deleteOne. Operations of one kind that start while another of that kind is in flight
// wait until the end of the current event-loop turn and go out as one command: find {_id: {$in: [...]}}, or
// one unordered update (delete) command. Under load most requests find earlier ones still in flight, so N
// round trips become one, for the client, the network and the server alike; a lone request never waits.
// Retryable reads and writes stay: every command goes through the driver's find() and bulkWrite().
import Debug from 'debug';
import type { AnyBulkWriteOperation, Collection, Filter, UpdateFilter, WriteConcernSettings } from 'mongodb';
import type { SessionDocument } from './serializer';

const debug = Debug('connect-mongo');

type Coll = Collection<SessionDocument>;
type Update = UpdateFilter<SessionDocument>;
/** Options of every write command: the store's writeOperationOptions, as connect-mongo passes them. */
type WriteOptions = { writeConcern?: WriteConcernSettings };

// The driver decodes replies with `fieldsAsRaw: {}`, and bson looks names up in it with a plain property
// read, so a field named like an Object.prototype member (`constructor`, `toString`...) holding an array of
// documents comes back as raw Buffers. A prototype-less object makes that lookup miss for every name.
export const READ_OPTIONS = { fieldsAsRaw: Object.create(null) as Record<string, never> };

const isDuplicateKey = (err: unknown) => (err as { code?: unknown } | null)?.code === 11000;

// Sessions per shared command: keeps a find's `$in` (and a reply) far below MongoDB's 16 MiB; the driver
// splits larger bulk writes itself, but one failure would then cover more callers than it needs to.
const MAX_BATCH = 1000;

interface Entry<A, R> {
  _id: string;
  arg: A;
  resolve: (result: R) => void;
  reject: (err: unknown) => void;
}

/** One queue per kind of operation: decides whether an operation goes out now or with the next batch. */
class Coalescer<A, R> {
  private inFlight = 0;
  private batch: Entry<A, R>[] = [];
  private ids = new Set<string>();
  private batchCollection: Coll | undefined;
  private scheduled = false;

  constructor(
    private readonly one: (collection: Coll, _id: string, arg: A) => Promise<R>,
    /** Settles every entry itself and never rejects. */
    private readonly many: (collection: Coll, entries: Entry<A, R>[]) => Promise<void>,
  ) {}

  run(collection: Coll, _id: string, arg: A): Promise<R> {
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

/** What touch() sends: the live-session filter and the update extending expiry. */
export interface Touch {
  filter: Filter<SessionDocument>;
  update: Update;
}

export class CommandBatcher {
  private readonly reads = new Coalescer<undefined, SessionDocument | null>(findOne, findBatch);
  private readonly writes: Coalescer<Update, boolean>;
  private readonly touches: Coalescer<Touch, boolean>;
  private readonly deletes: Coalescer<undefined, void>;
  /** The last write of each session still in progress: writes to one session go out in call order. */
  private readonly writing = new Map<string, Promise<boolean>>();

  constructor(writeConcern: WriteConcernSettings | undefined) {
    const w: WriteOptions = writeConcern ? { writeConcern } : {};
    this.writes = new Coalescer(
      (c, _id, update) => upsertOne(c, _id, update, w),
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
  upsert(collection: Coll, _id: string, update: Update): Promise<boolean> {
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

async function findOne(collection: Coll, _id: string): Promise<SessionDocument | null> {
  return collection.findOne({ _id }, READ_OPTIONS);
}

async function findBatch(collection: Coll, entries: Entry<undefined, SessionDocument | null>[]): Promise<void> {
  const ids = entries.map((e) => e._id);
  debug('get: %d sessions in one find', ids.length);
  try {
    // limit = batchSize = the ids: one reply, and the cursor is closed by the server.
    const docs = await collection.find({ _id: { $in: ids } }, { ...READ_OPTIONS, limit: ids.length, batchSize: ids.length }).toArray();
    const byId = new Map<unknown, SessionDocument>();
    for (const doc of docs) byId.set(doc._id, doc);
    for (const e of entries) e.resolve(byId.get(e._id) ?? null);
  } catch (err) {
    for (const e of entries) e.reject(err);
  }
}

async function upsertAlone(collection: Coll, _id: string, update: Update, w: WriteOptions): Promise<boolean> {
  return (await collection.updateOne({ _id }, update, { ...w, upsert: true })).upsertedCount > 0;
}

async function upsertOne(collection: Coll, _id: string, update: Update, w: WriteOptions): Promise<boolean> {
  try {
    return await upsertAlone(collection, _id, update, w);
  } catch (err) {
    // Two first writes of one session can both miss and both insert; the loser's retry finds the document.
    if (!isDuplicateKey(err)) throw err;
    debug('set %s: duplicate key on upsert, retrying once', _id);
    return upsertAlone(collection, _id, update, w);
  }
}

async function upsertBatch(collection: Coll, entries: Entry<Update, boolean>[], w: WriteOptions): Promise<void> {
  debug('set: %d sessions in one update', entries.length);
  const ops: AnyBulkWriteOperation<SessionDocument>[] = entries.map((e) => ({
    updateOne: { filter: { _id: e._id }, update: e.arg, upsert: true },
  }));
  let upserted: Record<number, unknown>;
  let failed: Set<number> | null = null;
  try {
    upserted = (await collection.bulkWrite(ops, { ...w, ordered: false })).upsertedIds ?? {};
  } catch (err) {
    failed = failedStatements(err);
    if (!failed) {
      // The command as a whole failed (network, write concern, refused): so did each write in it.
      for (const e of entries) e.reject(err);
      return;
    }
    upserted = (err as { result?: { upsertedIds?: Record<number, unknown> } }).result?.upsertedIds ?? {};
  }
  entries.forEach((e, i) => {
    // A statement with its own write error was not applied. It is sent once more, alone: that is the one
    // duplicate-key retry, and any other error comes back as the driver's own error for that write.
    if (failed?.has(i)) upsertAlone(collection, e._id, e.arg, w).then(e.resolve, e.reject);
    else e.resolve(i in upserted);
  });
}

async function touchOne(collection: Coll, { filter, update }: Touch, w: WriteOptions): Promise<boolean> {
  const result = await collection.updateOne(filter, update, w);
  return !result.acknowledged || result.matchedCount > 0; // w: 0 cannot tell: counted as touched
}

async function touchBatch(collection: Coll, entries: Entry<Touch, boolean>[], w: WriteOptions): Promise<void> {
  debug('touch: %d sessions in one update', entries.length);
  try {
    const result = await collection.bulkWrite(
      entries.map((e) => ({ updateOne: { filter: e.arg.filter, update: e.arg.update } })),
      { ...w, ordered: false },
    );
    if (result.matchedCount === entries.length || (w.writeConcern ?? collection.writeConcern)?.w === 0) {
      for (const e of entries) e.resolve(true);
      return;
    }
  } catch (err) {
    if (!failedStatements(err)) {
      for (const e of entries) e.reject(err);
      return;
    }
  }
  // Some session was gone (destroyed, expired) or one statement failed, and the reply does not say which
  // touched what: each is asked alone. A touch sets the same expiry again, so running it twice is harmless.
  for (const e of entries) touchOne(collection, e.arg, w).then(e.resolve, e.reject);
}

async function deleteOne(collection: Coll, _id: string, w: WriteOptions): Promise<void> {
  await collection.deleteOne({ _id }, w);
}

async function deleteBatch(collection: Coll, entries: Entry<undefined, void>[], w: WriteOptions): Promise<void> {
  debug('destroy: %d sessions in one delete', entries.length);
  let failed: Set<number> | null = null;
  try {
    await collection.bulkWrite(
      entries.map((e) => ({ deleteOne: { filter: { _id: e._id } } })),
      { ...w, ordered: false },
    );
  } catch (err) {
    failed = failedStatements(err);
    if (!failed) {
      for (const e of entries) e.reject(err);
      return;
    }
  }
  entries.forEach((e, i) => {
    if (failed?.has(i)) deleteOne(collection, e._id, w).then(e.resolve, e.reject);
    else e.resolve();
  });
}

/**
 * The indexes of the statements that failed on their own, when that is all that went wrong: a bulk error
 * with write errors and no write concern error (drivers 5–7 shape it alike; 5 may give one error, not a list).
 */
function failedStatements(err: unknown): Set<number> | null {
  const e = err as { name?: unknown; writeErrors?: unknown; result?: { getWriteConcernError?: () => unknown } } | null;
  if (e?.name !== 'MongoBulkWriteError' || !e.writeErrors) return null;
  const list = (Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors]) as { index?: unknown }[];
  if (list.length === 0 || e.result?.getWriteConcernError?.()) return null;
  const indexes = new Set<number>();
  for (const w of list) {
    if (typeof w?.index !== 'number') return null;
    indexes.add(w.index);
  }
  return indexes;
}
