// How get(), set(), touch() and destroy() reach the collection: one coalescing queue per kind of operation,
// and writes to one session kept in call order. An operation alone goes out at once; operations of one kind
// that start while another of that kind is in flight wait until the end of the current event-loop turn and
// go out together. Under load most requests find earlier ones still in flight, so N round trips become
// one; a lone request never waits.
//
// The commands themselves are at the end: one session alone (findOne, updateOne, deleteOne) or a batch in
// one command (find {_id: {$in}}, an unordered bulkWrite). Retryable reads and writes stay: everything goes
// through the driver's own methods.
import type { AnyBulkWriteOperation, Filter, MongoServerError } from 'mongodb';
import { debug } from '../debug';
import { READ_OPTIONS, type SentUpdate, type SessionCollection, type SessionDocument, type WriteOptions } from '../document/types';
import { failedStatements, statementErrors } from './driver-errors';
import { decodeSlot } from '../document/decode-slots';
import { sessionWithId } from '../controls/tombstones';
import { StalledCommands } from './stalls';

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
  private batchCollection: SessionCollection | undefined;
  private scheduled = false;

  constructor(
    private readonly one: (collection: SessionCollection, _id: string, arg: A) => Promise<R>,
    /** Settles every entry itself and never rejects. */
    private readonly many: (collection: SessionCollection, entries: Entry<A, R>[]) => Promise<void>,
    /** Fails a command the driver leaves pending (see stalls.ts); the entries of a batch fail with it. */
    private readonly watch: <P>(command: Promise<P>) => Promise<P>,
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
      this.track(this.many(collection, entries)).catch((err: unknown) => {
        for (const e of entries) e.reject(err);
      });
    }
  }

  private readonly onImmediate = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private track<P>(command: Promise<P>): Promise<P> {
    const promise = this.watch(command);
    this.inFlight++;
    promise.then(this.settled, this.settled);
    return promise;
  }

  private readonly settled = (): void => {
    this.inFlight--;
  };
}

/** What set() sends: the whole-document update, and a filter that may refuse it (tombstones, maxLifetime). */
export interface GuardedUpsert {
  update: SentUpdate;
  guard?: Filter<SessionDocument>;
}

const upsertFilter = (_id: string, guard: Filter<SessionDocument> | undefined): Filter<SessionDocument> =>
  guard ? { _id, ...guard } : { _id };

/** What touch() sends: the live-session filter and the update extending expiry. */
export interface Touch {
  filter: Filter<SessionDocument>;
  update: SentUpdate;
}

export class CommandBatcher {
  private readonly reads: Coalescer<string | undefined, SessionDocument | null>;
  private readonly writes: Coalescer<GuardedUpsert, boolean>;
  private readonly touches: Coalescer<Touch, boolean>;
  private readonly deletes: Coalescer<undefined, void>;
  /** The last write of each session still in progress: writes to one session go out in call order. */
  private readonly writing = new Map<string, Promise<unknown>>();
  /** Commands the driver never settles; follow() the client once connected, stop() on close. */
  readonly stalls = new StalledCommands();

  /**
   * `w`: the options of every write command (the store's writeOperationOptions). `slicedReads`: the
   * callers of a shared read resume a slice per event-loop turn (see document/decode-slots.ts), for decrypted sessions.
   */
  constructor(w: WriteOptions, { slicedReads = false }: { slicedReads?: boolean } = {}) {
    const watch = <P>(command: Promise<P>) => this.stalls.watch(command);
    this.reads = new Coalescer((c, _id, plainId) => findOne(c, _id, plainId), (c, entries) => findBatch(c, entries, slicedReads), watch);
    this.writes = new Coalescer((c, _id, update) => updateOneUpsert(c, _id, update, w), (c, entries) => upsertBatch(c, entries, w), watch);
    this.touches = new Coalescer((c, _id, touch) => touchOne(c, touch, w), (c, entries) => touchBatch(c, entries, w), watch);
    this.deletes = new Coalescer((c, _id) => deleteOne(c, _id, w), (c, entries) => deleteBatch(c, entries, w), watch);
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
   * the server in either order, and the older session could overwrite the newer one. A write the driver
   * never settles ends when the store gives up on it (see stalls.ts).
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

  /**
   * Runs `remove` once the writes of this session called before it have finished, without holding later ones:
   * a save called before a logout cannot store the session again after it. (Joining the order would cost
   * every destroy() under load a third more CPU, and only protect a set() called after the logout, which
   * destroyGrace refuses.)
   */
  afterWrites<R>(_id: string, remove: () => Promise<R>): Promise<R> {
    const previous = this.writing.get(_id);
    return previous ? previous.then(remove, remove) : remove();
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

/**
 * `plainId`: while hashSessionIds migrates, the plain id the session may still be stored under, asked in the
 * same command; the document under `_id` wins when both exist.
 */
async function findOne(collection: SessionCollection, _id: string, plainId?: string): Promise<SessionDocument | null> {
  if (plainId === undefined) return collection.findOne({ _id }, READ_OPTIONS);
  const docs = await collection.find({ _id: { $in: [_id, plainId] } }, { ...READ_OPTIONS, limit: 2, batchSize: 2 }).toArray();
  return docs.find((d) => d._id === _id) ?? docs[0] ?? null;
}

/** `sliced`: callers resume a slice per event-loop turn (each decrypts its session as it resumes; see document/decode-slots.ts). */
async function findBatch(collection: SessionCollection, entries: Entry<string | undefined, SessionDocument | null>[], sliced = false): Promise<void> {
  const ids = entries.flatMap((e) => (e.arg === undefined ? [e._id] : [e._id, e.arg]));
  debug('get: %d sessions in one find', ids.length);
  let docs: SessionDocument[];
  try {
    // limit = batchSize = the ids: one reply, and the cursor is closed by the server.
    docs = await collection.find({ _id: { $in: ids } }, { ...READ_OPTIONS, limit: ids.length, batchSize: ids.length }).toArray();
  } catch (err) {
    for (const e of entries) e.reject(err);
    return;
  }
  const byId = new Map<unknown, SessionDocument>();
  for (const doc of docs) byId.set(doc._id, doc);
  for (const e of entries) {
    const wait = sliced ? decodeSlot() : undefined;
    if (wait) await wait;
    e.resolve(byId.get(e._id) ?? (e.arg === undefined ? undefined : byId.get(e.arg)) ?? null);
  }
}

async function updateOneUpsert(collection: SessionCollection, _id: string, { update, guard }: GuardedUpsert, w: WriteOptions): Promise<boolean> {
  return (await collection.updateOne(upsertFilter(_id, guard), update, { ...w, upsert: true })).upsertedCount > 0;
}

async function upsertBatch(collection: SessionCollection, entries: Entry<GuardedUpsert, boolean>[], w: WriteOptions): Promise<void> {
  debug('set: %d sessions in one update', entries.length);
  const ops: AnyBulkWriteOperation<SessionDocument>[] = entries.map((e) => ({
    updateOne: { filter: upsertFilter(e._id, e.arg.guard), update: e.arg.update, upsert: true },
  }));
  let upserted: Record<number, unknown>;
  let failed: Map<number, MongoServerError> | null = null;
  try {
    upserted = (await collection.bulkWrite(ops, { ...w, ordered: false })).upsertedIds ?? {};
  } catch (err) {
    failed = statementErrors(err);
    if (!failed) {
      // The command as a whole failed (network, write concern, refused): so did each write in it.
      for (const e of entries) e.reject(err);
      return;
    }
    upserted = (err as { result?: { upsertedIds?: Record<number, unknown> } }).result?.upsertedIds ?? {};
  }
  entries.forEach((e, i) => {
    // A statement with its own write error was not applied: its set fails with that error, as if sent alone
    // (a duplicate key is retried by the caller, see operations/session-ops.ts).
    const error = failed?.get(i);
    if (error) e.reject(error);
    else e.resolve(i in upserted);
  });
}

async function touchOne(collection: SessionCollection, { filter, update }: Touch, w: WriteOptions): Promise<boolean> {
  const result = await collection.updateOne(filter, update, w);
  return !result.acknowledged || result.matchedCount > 0; // w: 0 cannot tell: counted as touched
}

async function touchBatch(collection: SessionCollection, entries: Entry<Touch, boolean>[], w: WriteOptions): Promise<void> {
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

async function deleteOne(collection: SessionCollection, _id: string, w: WriteOptions): Promise<void> {
  await collection.deleteOne(sessionWithId(_id), w);
}

async function deleteBatch(collection: SessionCollection, entries: Entry<undefined, void>[], w: WriteOptions): Promise<void> {
  debug('destroy: %d sessions in one delete', entries.length);
  let failed: Set<number> | null = null;
  try {
    await collection.bulkWrite(
      entries.map((e) => ({ deleteOne: { filter: sessionWithId(e._id) } })),
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
