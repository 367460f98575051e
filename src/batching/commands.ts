// The commands behind get/set/touch/destroy: one session alone (findOne, updateOne, deleteOne) or a batch
// in one command (find {_id: {$in}}, an unordered bulkWrite). Retryable reads and writes stay: everything goes
// through the driver's own methods.
import type { AnyBulkWriteOperation, Document, Filter, MongoServerError, UpdateFilter, WriteConcernSettings } from 'mongodb';
import { debug } from '../debug';
import type { SessionCollection, SessionDocument } from '../document/types';
import type { Entry } from './command-batcher';
import { failedStatements, statementErrors } from './driver-errors';
import { decodeSlot } from '../document/decode-slots';
import { sessionWithId } from '../controls/tombstones';

export type OperatorUpdate = UpdateFilter<SessionDocument>;
/** An update as sent: operators, or a pipeline (maxLifetime's cap, see controls/max-lifetime.ts). */
export type SentUpdate = OperatorUpdate | Document[];
/** Options of every write command: the store's writeOperationOptions, as connect-mongo passes them. */
export type WriteOptions = { writeConcern?: WriteConcernSettings };

// The driver decodes replies with `fieldsAsRaw: {}`, and bson looks names up in it with a plain property
// read, so a field named like an Object.prototype member (`constructor`, `toString`...) holding an array of
// documents comes back as raw Buffers. A prototype-less object makes that lookup miss for every name.
export const READ_OPTIONS = { fieldsAsRaw: Object.create(null) as Record<string, never> };

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

/**
 * `plainId`: while hashSessionIds migrates, the plain id the session may still be stored under, asked in the
 * same command; the document under `_id` wins when both exist.
 */
export async function findOne(collection: SessionCollection, _id: string, plainId?: string): Promise<SessionDocument | null> {
  if (plainId === undefined) return collection.findOne({ _id }, READ_OPTIONS);
  const docs = await collection.find({ _id: { $in: [_id, plainId] } }, { ...READ_OPTIONS, limit: 2, batchSize: 2 }).toArray();
  return docs.find((d) => d._id === _id) ?? docs[0] ?? null;
}

/** `sliced`: callers resume a slice per event-loop turn (each decrypts its session as it resumes; see document/decode-slots.ts). */
export async function findBatch(collection: SessionCollection, entries: Entry<string | undefined, SessionDocument | null>[], sliced = false): Promise<void> {
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

export async function updateOneUpsert(collection: SessionCollection, _id: string, { update, guard }: GuardedUpsert, w: WriteOptions): Promise<boolean> {
  return (await collection.updateOne(upsertFilter(_id, guard), update, { ...w, upsert: true })).upsertedCount > 0;
}

export async function upsertBatch(collection: SessionCollection, entries: Entry<GuardedUpsert, boolean>[], w: WriteOptions): Promise<void> {
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
    // (a duplicate key is retried by the caller, see operations/writes.ts).
    const error = failed?.get(i);
    if (error) e.reject(error);
    else e.resolve(i in upserted);
  });
}

export async function touchOne(collection: SessionCollection, { filter, update }: Touch, w: WriteOptions): Promise<boolean> {
  const result = await collection.updateOne(filter, update, w);
  return !result.acknowledged || result.matchedCount > 0; // w: 0 cannot tell: counted as touched
}

export async function touchBatch(collection: SessionCollection, entries: Entry<Touch, boolean>[], w: WriteOptions): Promise<void> {
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


export async function deleteOne(collection: SessionCollection, _id: string, w: WriteOptions): Promise<void> {
  await collection.deleteOne(sessionWithId(_id), w);
}

export async function deleteBatch(collection: SessionCollection, entries: Entry<undefined, void>[], w: WriteOptions): Promise<void> {
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
