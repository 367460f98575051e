// Statements about MongoDB, checked through the official driver only (no server internals): they hold on
// the in-process test server and on a real mongod 4.4-8.0 (MONGO_URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BSON, Binary, MongoBulkWriteError, MongoClient, MongoServerError, ObjectId, type CommandStartedEvent, type Db, type Document } from 'mongodb';
import { mongoUrl, uniqueDbName } from '../../test/support/mongo';

let client: MongoClient;
let db: Db;

beforeAll(async () => {
  client = new MongoClient(mongoUrl());
  await client.connect();
  db = client.db(uniqueDbName('conf'));
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

/** Runs fn and returns the MongoServerError it must throw. */
async function serverError(fn: () => Promise<unknown>): Promise<MongoServerError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof MongoServerError) return e;
    throw e;
  }
  throw new Error('expected a MongoServerError, but the operation succeeded');
}

type Sess = { _id: string; v?: number; created?: number; lastModified?: Date; expires?: Date };

describe('handshake and server commands', () => {
  it('answers ping, hello (standalone, sessions) and buildInfo', async () => {
    expect((await db.command({ ping: 1 })).ok).toBe(1);
    const hello = await db.command({ hello: 1 });
    expect(hello.isWritablePrimary).toBe(true);
    expect(hello.setName).toBeUndefined();
    expect(hello.msg).toBeUndefined();
    expect(typeof hello.logicalSessionTimeoutMinutes).toBe('number');
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(9);
    expect(hello.maxBsonObjectSize).toBe(16 * 1024 * 1024);
    const info = await db.command({ buildInfo: 1 });
    expect(info.version).toMatch(/^\d+\.\d+/);
    expect(info.versionArray).toHaveLength(4);
  });

  it('reads ttlMonitorSleepSecs with getParameter (admin only)', async () => {
    const reply = await client.db('admin').command({ getParameter: 1, ttlMonitorSleepSecs: 1 });
    expect(typeof reply.ttlMonitorSleepSecs).toBe('number');
    expect(reply.ttlMonitorSleepSecs).toBeGreaterThanOrEqual(1);
    expect((await serverError(() => db.command({ getParameter: 1, ttlMonitorSleepSecs: 1 }))).code).toBe(13);
  });

  it('refuses an unknown command with 59 CommandNotFound', async () => {
    const err = await serverError(() => db.command({ noSuchCommandHere: 1 }));
    expect(err.code).toBe(59);
    expect(err.codeName).toBe('CommandNotFound');
    expect(err.message).toContain("no such command: 'noSuchCommandHere'");
  });

  it('refuses an unknown command field with 40415 and an unknown query operator with 2 BadValue', async () => {
    await db.collection('x').insertOne({ a: 1 });
    expect((await serverError(() => db.command({ find: 'x', bogusOption: 1 }))).code).toBe(40415);
    const bad = await serverError(() => db.collection('x').find({ a: { $noSuchOperator: 1 } }).toArray());
    expect(bad.code).toBe(2);
    expect(bad.codeName).toBe('BadValue');
    expect((await serverError(() => db.collection('x').find({ $noSuchTop: 1 }).toArray())).code).toBe(2);
  });

  it('refuses an unknown pipeline stage with 40324 and an unknown update modifier with 9', async () => {
    const c = db.collection('agg_errors');
    await c.insertOne({ a: 1 });
    expect((await serverError(() => c.aggregate([{ $noSuchStage: {} }]).toArray())).code).toBe(40324);
    expect((await serverError(() => c.updateOne({ a: 1 }, { $noSuchModifier: { a: 2 } } as Document))).code).toBe(9);
  });
});

describe('insert, find and cursors', () => {
  it('generates an ObjectId _id and round-trips BSON types', async () => {
    const c = db.collection('types');
    const when = new Date('2024-01-02T03:04:05.678Z');
    const { insertedId } = await c.insertOne({ s: 'x', n: 1.5, i: 42, d: when, b: new Binary(Buffer.from([1, 2, 3])), nested: { arr: [1, 'two', null] }, t: true });
    expect(insertedId).toBeInstanceOf(ObjectId);
    const doc = await c.findOne({ _id: insertedId });
    expect(doc).toMatchObject({ s: 'x', n: 1.5, i: 42, d: when, nested: { arr: [1, 'two', null] }, t: true });
    expect([...(doc!.b as Binary).buffer]).toEqual([1, 2, 3]);
    expect(Object.keys(doc!)[0]).toBe('_id');
  });

  it('applies filter, projection, sort, skip and limit', async () => {
    const c = db.collection('query');
    await c.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: `d${String(i).padStart(2, '0')}`, i, even: i % 2 === 0, tag: i < 10 ? 'low' : 'high' })) as Document[]);
    const docs = await c.find({ even: true }, { projection: { i: 1, _id: 0 }, sort: { i: -1 }, skip: 1, limit: 3 }).toArray();
    expect(docs).toEqual([{ i: 16 }, { i: 14 }, { i: 12 }]);
    const session = await c.findOne({ _id: 'd03', $or: [{ expires: { $exists: false } }, { expires: { $gt: new Date() } }] } as Document);
    expect(session?.i).toBe(3);
    expect(await c.findOne({ _id: 'nope' } as Document)).toBeNull();
  });

  it('serves a cursor over several batches with getMore, and kills cursors', async () => {
    const c = db.collection('batches');
    await c.insertMany(Array.from({ length: 250 }, (_, i) => ({ i })));
    const started: CommandStartedEvent[] = [];
    const monitored = new MongoClient(mongoUrl(), { monitorCommands: true });
    monitored.on('commandStarted', (e) => started.push(e));
    try {
      const mc = monitored.db(db.databaseName).collection('batches');
      const all = await mc.find({}, { sort: { i: 1 }, batchSize: 40 }).toArray();
      expect(all.map((d) => d.i)).toEqual(Array.from({ length: 250 }, (_, i) => i));
      expect(started.filter((e) => e.commandName === 'getMore').length).toBeGreaterThanOrEqual(6);

      // A cursor closed early is killed on the server; its id is then unknown (43 CursorNotFound).
      const cursor = mc.find({}, { batchSize: 10 });
      await cursor.next();
      const id = cursor.id;
      expect(id).toBeDefined();
      expect(id!.isZero()).toBe(false);
      await cursor.close();
      expect(started.some((e) => e.commandName === 'killCursors')).toBe(true);
      const gone = await serverError(() => monitored.db(db.databaseName).command({ getMore: id, collection: 'batches' }));
      expect(gone.code).toBe(43);
    } finally {
      await monitored.close();
    }
  });

  it('closes a singleBatch find cursor after its first batch (cursor id 0)', async () => {
    const c = db.collection('single');
    await c.insertMany([{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }]);
    const reply = await db.command({ find: 'single', filter: {}, sort: { i: 1 }, batchSize: 2, singleBatch: true }, { promoteLongs: false });
    expect(reply.cursor.id.isZero()).toBe(true);
    expect(reply.cursor.firstBatch.map((d: Document) => d.i)).toEqual([1, 2]);
    expect((await c.find({}).sort({ i: 1 }).limit(-3).toArray()).map((d) => d.i)).toEqual([1, 2, 3]);
    const open = await db.command({ find: 'single', filter: {}, batchSize: 2 }, { promoteLongs: false });
    expect(open.cursor.id.isZero()).toBe(false);
    const killed = await db.command({ killCursors: 'single', cursors: [open.cursor.id] }, { promoteLongs: false });
    expect(killed.cursorsKilled.map(String)).toEqual([String(open.cursor.id)]);
  });

  it('ends sessions', async () => {
    const session = client.startSession();
    await db.collection('sessions_used').insertOne({ a: 1 }, { session });
    const reply = await client.db('admin').command({ endSessions: [session.id] });
    expect(reply.ok).toBe(1);
    await session.endSession();
  });

  it('counts with countDocuments (aggregate), estimatedDocumentCount and distinct', async () => {
    const c = db.collection('counting');
    await c.insertMany([{ k: 'a' }, { k: 'b' }, { k: 'a' }, { k: ['c', 'a'] }, { other: 1 }]);
    expect(await c.countDocuments({})).toBe(5);
    expect(await c.countDocuments({ k: 'a' })).toBe(3);
    expect(await c.countDocuments({ k: 'a' }, { skip: 1, limit: 1 })).toBe(1);
    expect(await c.countDocuments({ nothing: 1 })).toBe(0);
    expect(await c.estimatedDocumentCount()).toBe(5);
    expect((await c.distinct('k')).sort()).toEqual(['a', 'b', 'c']);
    expect(await db.collection('never_created').countDocuments({})).toBe(0);
  });

  it('runs an aggregation pipeline', async () => {
    const c = db.collection('agg');
    await c.insertMany([{ g: 1, v: 2 }, { g: 1, v: 3 }, { g: 2, v: 10 }]);
    const out = await c.aggregate([{ $match: { v: { $gte: 2 } } }, { $group: { _id: '$g', total: { $sum: '$v' } } }, { $sort: { _id: 1 } }]).toArray();
    expect(out).toEqual([{ _id: 1, total: 5 }, { _id: 2, total: 10 }]);
  });
});

describe('updates and upserts', () => {
  it('reports upsertedCount, matchedCount and modifiedCount as MongoDB does', async () => {
    const c = db.collection<Sess>('upserts');
    const first = await c.updateOne({ _id: 's1' }, { $set: { v: 1 }, $setOnInsert: { created: 1 }, $currentDate: { lastModified: true } }, { upsert: true });
    expect(first).toMatchObject({ upsertedCount: 1, matchedCount: 0, modifiedCount: 0, upsertedId: 's1' });
    const same = await c.updateOne({ _id: 's1' }, { $set: { v: 1 } }, { upsert: true });
    expect(same).toMatchObject({ upsertedCount: 0, matchedCount: 1, modifiedCount: 0, upsertedId: null });
    const changed = await c.updateOne({ _id: 's1' }, { $set: { v: 2 }, $setOnInsert: { created: 2 } }, { upsert: true });
    expect(changed).toMatchObject({ upsertedCount: 0, matchedCount: 1, modifiedCount: 1 });
    const missing = await c.updateOne({ _id: 'absent' }, { $set: { v: 1 } });
    expect(missing).toMatchObject({ upsertedCount: 0, matchedCount: 0, modifiedCount: 0 });
    const doc = await c.findOne({ _id: 's1' });
    expect(doc).toMatchObject({ _id: 's1', v: 2, created: 1 });
    expect(doc?.lastModified).toBeInstanceOf(Date);
  });

  it('builds an upserted document from the query equality fields', async () => {
    const c = db.collection('upsert_seed');
    await c.updateOne({ _id: 'u1', 'a.b': 1, c: { $eq: 2 }, d: { $gt: 5 }, $and: [{ e: 'x' }] } as Document, { $set: { f: true } }, { upsert: true });
    expect(await c.findOne({ _id: 'u1' } as Document)).toEqual({ _id: 'u1', a: { b: 1 }, c: 2, e: 'x', f: true });
    const r = await c.replaceOne({ _id: 'u2', ignored: 1 } as Document, { whole: 'doc' }, { upsert: true });
    expect(r.upsertedId).toBe('u2');
    expect(await c.findOne({ _id: 'u2' } as Document)).toEqual({ _id: 'u2', whole: 'doc' });
    const generated = await c.updateOne({ name: 'no-id' }, { $set: { x: 1 } }, { upsert: true });
    expect(generated.upsertedId).toBeInstanceOf(ObjectId);
  });

  it('applies a pipeline update ($set/$unset stages, $literal, $ifNull, $min, $add, $$NOW), upserting too', async () => {
    const c = db.collection('pipeline_updates');
    const created = new Date('2026-01-01T00:00:00Z');
    const asked = new Date('2026-03-01T00:00:00Z');
    const pipeline = (createdAt: Date) => [
      { $set: { s: { $literal: { path: '$x', nested: { v: '$$NOW' } } }, gone: 1, createdAt: { $ifNull: ['$createdAt', { $literal: createdAt }] }, at: '$$NOW' } },
      { $unset: ['gone'] },
      { $set: { expires: { $min: [{ $literal: asked }, { $add: ['$createdAt', 86_400_000] }] } } },
    ];
    const before = Date.now();
    const upserted = await c.updateOne({ _id: 'p1', t: { $exists: false } } as Document, pipeline(created), { upsert: true });
    expect(upserted.upsertedId).toBe('p1');
    const doc = await c.findOne({ _id: 'p1' } as Document);
    expect(doc).toMatchObject({ _id: 'p1', s: { path: '$x', nested: { v: '$$NOW' } }, createdAt: created, expires: new Date('2026-01-02T00:00:00Z') });
    expect(doc).not.toHaveProperty('gone');
    expect((doc!.at as Date).getTime()).toBeGreaterThanOrEqual(before - 1000);
    // An existing createdAt wins over the one in the pipeline; the earlier date wins in $min.
    await c.updateOne({ _id: 'p1' } as Document, pipeline(new Date('2026-02-20T00:00:00Z')));
    expect(await c.findOne({ _id: 'p1' } as Document)).toMatchObject({ createdAt: created, expires: new Date('2026-01-02T00:00:00Z') });
  });

  it('applies $unset, $inc, replacement and multi updates', async () => {
    const c = db.collection('updates');
    await c.insertMany([{ _id: 1, a: 1, b: 1 }, { _id: 2, a: 1, b: 2 }, { _id: 3, a: 2 }] as Document[]);
    expect(await c.updateMany({ a: 1 }, { $unset: { b: '' }, $inc: { n: 1 } })).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    expect(await c.find({ a: 1 }).sort({ _id: 1 }).toArray()).toEqual([{ _id: 1, a: 1, n: 1 }, { _id: 2, a: 1, n: 1 }]);
    expect(await c.replaceOne({ _id: 3 } as Document, { replaced: true })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await c.findOne({ _id: 3 } as Document)).toEqual({ _id: 3, replaced: true });
  });

  it('allows $set of an unchanged _id and refuses changing it with 66 ImmutableField', async () => {
    const c = db.collection('immutable');
    await c.insertOne({ _id: 'keep', v: 1 } as Document);
    expect(await c.updateOne({ _id: 'keep' } as Document, { $set: { _id: 'keep', v: 2 } })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect((await serverError(() => c.updateOne({ _id: 'keep' } as Document, { $set: { _id: 'other' } }))).code).toBe(66);
    expect((await serverError(() => c.replaceOne({ _id: 'keep' } as Document, { _id: 'other', v: 3 }))).code).toBe(66);
    expect(await c.findOne({ _id: 'keep' } as Document)).toEqual({ _id: 'keep', v: 2 });
  });

  it('finds and modifies (findOneAndUpdate / findOneAndDelete)', async () => {
    const c = db.collection('fam');
    const upserted = await c.findOneAndUpdate({ _id: 'f1' } as Document, { $set: { v: 1 } }, { upsert: true, returnDocument: 'after', includeResultMetadata: true });
    expect(upserted.value).toEqual({ _id: 'f1', v: 1 });
    expect(upserted.lastErrorObject).toMatchObject({ n: 1, updatedExisting: false, upserted: 'f1' });
    const before = await c.findOneAndUpdate({ _id: 'f1' } as Document, { $inc: { v: 1 } }, { returnDocument: 'before', includeResultMetadata: true });
    expect(before.value).toEqual({ _id: 'f1', v: 1 });
    expect(before.lastErrorObject).toMatchObject({ n: 1, updatedExisting: true });
    const removed = await c.findOneAndDelete({ _id: 'f1' } as Document, { includeResultMetadata: true });
    expect(removed.value).toEqual({ _id: 'f1', v: 2 });
    expect((await c.findOneAndDelete({ _id: 'f1' } as Document, { includeResultMetadata: true })).value).toBeNull();
  });
});

describe('uniqueness, deletes and write concern', () => {
  it('rejects a duplicate _id with 11000 and keyPattern/keyValue', async () => {
    const c = db.collection('dups');
    await c.insertOne({ _id: 'same' } as Document);
    const err = await serverError(() => c.insertOne({ _id: 'same' } as Document));
    expect(err.code).toBe(11000);
    expect(err.keyPattern).toEqual({ _id: 1 });
    expect(err.keyValue).toEqual({ _id: 'same' });
    const bulk = await serverError(() => c.insertMany([{ _id: 'n1' }, { _id: 'same' }, { _id: 'n2' }] as Document[], { ordered: false }));
    expect(bulk).toBeInstanceOf(MongoBulkWriteError);
    expect((bulk as MongoBulkWriteError).insertedCount).toBe(2);
    expect((bulk as MongoBulkWriteError).writeErrors).toMatchObject([{ index: 1, code: 11000 }]);
  });

  it('enforces unique secondary indexes', async () => {
    const c = db.collection('unique_idx');
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertOne({ email: 'a@x' });
    const err = await serverError(() => c.insertOne({ email: 'a@x' }));
    expect(err.code).toBe(11000);
    expect(err.keyPattern).toEqual({ email: 1 });
    expect(err.keyValue).toEqual({ email: 'a@x' });
  });

  it('deletes one or many; a delete on a missing collection answers n: 0', async () => {
    const c = db.collection('deletes');
    await c.insertMany([{ k: 1 }, { k: 1 }, { k: 1 }, { k: 2 }]);
    expect((await c.deleteOne({ k: 1 })).deletedCount).toBe(1);
    expect((await c.deleteMany({ k: 1 })).deletedCount).toBe(2);
    expect(await c.countDocuments({})).toBe(1);
    expect((await db.collection('no_such_collection').deleteOne({ _id: 'x' } as Document)).deletedCount).toBe(0);
    expect((await db.collection('no_such_collection').deleteMany({})).deletedCount).toBe(0);
  });

  it('accepts unacknowledged (w: 0) writes and applies them in order on the connection', async () => {
    const single = new MongoClient(mongoUrl(), { maxPoolSize: 1 });
    try {
      const c = single.db(db.databaseName).collection('w0');
      const ins = await c.insertOne({ _id: 'w', v: 1 } as Document, { writeConcern: { w: 0 } });
      expect(ins.acknowledged).toBe(false);
      const upd = await c.updateOne({ _id: 'w' } as Document, { $set: { v: 2 } }, { writeConcern: { w: 0 } });
      expect(upd.acknowledged).toBe(false);
      await c.insertOne({ _id: 'gone' } as Document, { writeConcern: { w: 0 } });
      await c.deleteOne({ _id: 'gone' } as Document, { writeConcern: { w: 0 } });
      // The same single connection then answers an acknowledged command with its own reply.
      expect(await c.find({}).toArray()).toEqual([{ _id: 'w', v: 2 }]);
      expect((await single.db('admin').command({ ping: 1 })).ok).toBe(1);
    } finally {
      await single.close();
    }
  });
});

describe('collections, databases and indexes', () => {
  it('creates, lists and drops collections and databases', async () => {
    const other = client.db(uniqueDbName('conf_db'));
    await other.createCollection('made');
    expect((await serverError(() => other.createCollection('made'))).code).toBe(48);
    await other.collection('implicit').insertOne({ a: 1 });
    const names = (await other.listCollections().toArray()).map((c) => c.name).sort();
    expect(names).toEqual(['implicit', 'made']);
    expect((await other.listCollections({ name: 'made' }, { nameOnly: true }).toArray()).map((c) => c.name)).toEqual(['made']);
    const dbs = await client.db('admin').admin().listDatabases();
    expect(dbs.databases.map((d) => d.name)).toContain(other.databaseName);
    expect(await other.collection('made').drop()).toBe(true);
    expect((await other.listCollections().toArray()).map((c) => c.name)).toEqual(['implicit']);
    await other.dropDatabase();
    expect(await other.listCollections().toArray()).toEqual([]);
    expect((await client.db('admin').admin().listDatabases()).databases.map((d) => d.name)).not.toContain(other.databaseName);
  });

  it('creates and lists indexes; an identical index again is a no-op, a conflicting one is 85', async () => {
    const c = db.collection('indexes');
    expect(await c.createIndex({ expires: 1 }, { expireAfterSeconds: 0 })).toBe('expires_1');
    expect(await c.createIndex({ expires: 1 }, { expireAfterSeconds: 0 })).toBe('expires_1');
    const indexes = await c.listIndexes().toArray();
    expect(indexes.map((i) => i.name)).toEqual(['_id_', 'expires_1']);
    expect(indexes[1]).toMatchObject({ key: { expires: 1 }, expireAfterSeconds: 0 });
    expect((await serverError(() => c.createIndex({ expires: 1 }, { expireAfterSeconds: 60 }))).code).toBe(85);
    expect((await serverError(() => c.createIndex({ expires: 1 }, { name: 'another_name' }))).code).toBe(85);
    await c.dropIndex('expires_1');
    expect((await c.listIndexes().toArray()).map((i) => i.name)).toEqual(['_id_']);
    expect((await serverError(() => c.dropIndex('expires_1'))).code).toBe(27);
  });

  it('answers listIndexes on a missing collection with 26 NamespaceNotFound', async () => {
    const err = await serverError(() => db.collection('missing_for_indexes').listIndexes().toArray());
    expect(err.code).toBe(26);
    expect(err.codeName).toBe('NamespaceNotFound');
  });
});

describe('field names of Object.prototype members are ordinary fields', () => {
  // Read as raw BSON and compared byte for byte: exact values and key order, whatever JS does with such names.
  // (Not through the driver's default decoding: its `fieldsAsRaw: {}` default makes bson return the documents
  // of an array under such a name, e.g. `constructor: [{...}]`, as raw Buffers, with a real mongod too.)
  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
  const inner = (n: string) => `{"${n}":1,"x":[{"${n}":{"k":"v"}},{}]}`;
  const body = names.map((n) => `"${n}":[{},{"a":1},${inner(n)}]`).join(',');
  const nested = names.map((n) => `"${n}":{"${n}":${inner(n)}}`).join(',');
  /** JSON.parse, so that `__proto__` is an own key. */
  const doc = (json: string) => JSON.parse(json) as Document;
  const full = (id?: number, more = '') => doc(`{${id === undefined ? '' : `"_id":${id},`}${body},"n":{${nested}},"arr":[{${body}}]${more}}`);
  const rawOpts = { raw: true } as const;
  // Driver 5 hands `raw` aggregate results back as the whole server reply: its firstBatch holds the documents.
  const firstBatchAsRaw = Object.assign(Object.create(null) as Record<string, boolean>, { firstBatch: true });
  const unwrapReply = (b: Buffer): Buffer[] => {
    const top = BSON.deserialize(b, { fieldsAsRaw: firstBatchAsRaw });
    return top.cursor && 'ok' in top ? (top.cursor.firstBatch as Uint8Array[]).map((d) => Buffer.from(d)) : [b];
  };
  const asRaw = (docs: unknown[]) => docs.flatMap((d) => unwrapReply(Buffer.from(d as Uint8Array)));
  const expectSame = (got: Buffer[], want: Document[]) => {
    expect(got.map((b) => JSON.stringify(BSON.deserialize(b)))).toEqual(want.map((d) => JSON.stringify(d)));
    expect(got.map((b) => b.toString('hex'))).toEqual(want.map((d) => Buffer.from(BSON.serialize(d)).toString('hex')));
  };

  it('stores and returns them exactly: insert, $set upsert and update, replacement', async () => {
    const c = db.collection('proto_names');
    await c.insertOne(full(1));
    // The session store's write: updateOne({_id}, {$set: {session, expires}}, {upsert: true}).
    const session = doc(`{${body},"cookie":{"path":"/"}}`);
    const changed = doc(`{${nested},"last":[{"constructor":[{"b":2}]}]}`);
    const expires = new Date('2030-01-01T00:00:00Z');
    await c.updateOne({ _id: 2 } as Document, { $set: { session, expires } }, { upsert: true });
    await c.updateOne({ _id: 3 } as Document, { $set: { session, expires } }, { upsert: true });
    await c.updateOne({ _id: 3 } as Document, { $set: { session: changed, expires } }, { upsert: true });
    await c.insertOne({ _id: 4, old: true } as Document);
    await c.replaceOne({ _id: 4 } as Document, full());
    await c.replaceOne({ _id: 5 } as Document, doc(`{${body}}`), { upsert: true });
    const got = asRaw(await c.find({}, rawOpts).sort({ _id: 1 }).toArray());
    expectSame(got, [full(1), { _id: 2, session, expires }, { _id: 3, session: changed, expires }, full(4), doc(`{"_id":5,${body}}`)]);
  });

  it('filters, projects and aggregates on them, keeping the stored field order', async () => {
    const c = db.collection('proto_names_read');
    await c.insertMany([full(1, ',"tail":1'), full(2)]);
    // Paths through `__proto__` are left out: mingo refuses them, so the test server answers 2 BadValue.
    for (const n of names.filter((name) => name !== '__proto__')) {
      expect(await c.countDocuments({ [`${n}.a`]: 1, [`n.${n}.${n}.${n}`]: 1, [`arr.${n}.x.${n}.k`]: 'v' })).toBe(2);
    }
    const d1 = full(1, ',"tail":1');
    const field = (name: string) => `"${name}":${JSON.stringify(d1[name])}`;
    // An inclusion projection keeps the document's field order (_id first), not the projection's.
    const projected = asRaw(await c.find({ _id: 1 } as Document, { ...rawOpts, projection: { n: 1, tail: 1, constructor: 1 } }).toArray());
    expectSame(projected, [doc(`{"_id":1,${field('constructor')},${field('n')},"tail":1}`)]);
    const matched = asRaw(await c.aggregate([{ $match: { 'toString.a': 1, 'arr.valueOf.a': 1 } }, { $sort: { _id: -1 } }], rawOpts).toArray());
    expectSame(matched, [full(2), d1]);
    const pipeline = [{ $match: { _id: 1, 'hasOwnProperty.a': 1 } }, { $project: { tail: 1, toString: 1, 'n.valueOf': 1 } }];
    const aggregated = asRaw(await c.aggregate(pipeline, rawOpts).toArray());
    expectSame(aggregated, [doc(`{"_id":1,${field('toString')},"n":{"valueOf":${JSON.stringify(d1.n.valueOf)}},"tail":1}`)]);
  });
});
