// Unique indexes on paths inside arrays (multikey), as MongoDB's manual describes them ("Unique Indexes":
// the constraint holds across separate documents, so one document may repeat a value in its own array; a
// missing field is indexed as null). Runs on any backend: a real mongod behaves the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, MongoServerError, type Db } from 'mongodb';
import { mongoUrl, uniqueDbName } from '../../test/support/mongo';

let client: MongoClient;
let db: Db;

beforeAll(async () => {
  client = new MongoClient(mongoUrl());
  db = client.db(uniqueDbName('unique'));
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

async function duplicate(p: Promise<unknown>): Promise<MongoServerError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(MongoServerError);
  expect((e as MongoServerError).code).toBe(11000);
  return e as MongoServerError;
}

describe('a unique index on a field of array elements', () => {
  it("refuses a second document holding a value already in another document's array, with mongod's E11000", async () => {
    const users = db.collection<{ _id: string; credentials: Array<{ id: string }> }>('users');
    await users.createIndex({ 'credentials.id': 1 }, { unique: true });
    await users.insertOne({ _id: 'ann', credentials: [{ id: 'key-a' }, { id: 'key-b' }] });
    const err = await duplicate(users.insertOne({ _id: 'bob', credentials: [{ id: 'key-c' }, { id: 'key-b' }] }));
    expect(err.message).toBe(`E11000 duplicate key error collection: ${db.databaseName}.users index: credentials.id_1 dup key: { credentials.id: "key-b" }`);
    expect(err).toMatchObject({ keyPattern: { 'credentials.id': 1 }, keyValue: { 'credentials.id': 'key-b' } });
    // An update that pushes another document's value is refused too, and changes nothing.
    await users.insertOne({ _id: 'cy', credentials: [{ id: 'key-d' }] });
    await duplicate(users.updateOne({ _id: 'cy' }, { $push: { credentials: { id: 'key-a' } } }));
    expect(await users.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: 'ann', credentials: [{ id: 'key-a' }, { id: 'key-b' }] },
      { _id: 'cy', credentials: [{ id: 'key-d' }] },
    ]);
  });

  it('lets one document repeat a value within its own array', async () => {
    const tags = db.collection<{ _id: number; tags: string[] }>('tags');
    await tags.createIndex({ tags: 1 }, { unique: true });
    await tags.insertOne({ _id: 1, tags: ['red', 'red', 'blue'] });
    await tags.updateOne({ _id: 1 }, { $push: { tags: 'blue' } });
    await duplicate(tags.insertOne({ _id: 2, tags: ['green', 'blue'] }));
    expect(await tags.find().toArray()).toEqual([{ _id: 1, tags: ['red', 'red', 'blue', 'blue'] }]);
  });

  it("compound: the manual's { 'a.loc': 1, 'a.qty': 1 } example, each key taken from one array element", async () => {
    const coll = db.collection<{ _id: number; a: Array<{ loc?: string; qty?: number }> }>('compound');
    await coll.insertOne({ _id: 1, a: [{ loc: 'A', qty: 5 }, { qty: 10 }] });
    await coll.createIndex({ 'a.loc': 1, 'a.qty': 1 }, { unique: true });
    // Allowed: their keys ({A, null}, {null, 5}, {A, 10}) are not those of _id 1 ({A, 5}, {null, 10}).
    await coll.insertMany([
      { _id: 2, a: [{ loc: 'A' }, { qty: 5 }] },
      { _id: 3, a: [{ loc: 'A', qty: 10 }] },
    ]);
    await duplicate(coll.insertOne({ _id: 4, a: [{ loc: 'A', qty: 5 }] }));
    expect(await coll.countDocuments()).toBe(3);
  });

  it('indexes a missing field as null: only one document may lack it', async () => {
    const coll = db.collection<{ _id: number; emails?: string[] }>('missing');
    await coll.createIndex({ emails: 1 }, { unique: true });
    await coll.insertOne({ _id: 1 });
    const err = await duplicate(coll.insertOne({ _id: 2 }));
    expect(err.message).toMatch(/index: emails_1 dup key: \{ emails: null \}$/);
  });

  it('is built over documents whose arrays hold distinct values, and not over ones that share a value', async () => {
    const coll = db.collection<{ _id: number; credentials: Array<{ id: string }> }>('build');
    await coll.insertMany([
      { _id: 1, credentials: [{ id: 'x' }] },
      { _id: 2, credentials: [{ id: 'y' }, { id: 'z' }] },
    ]);
    await coll.createIndex({ 'credentials.id': 1 }, { unique: true, name: 'distinct' });
    await coll.dropIndex('distinct');
    await coll.insertOne({ _id: 3, credentials: [{ id: 'z' }] });
    await duplicate(coll.createIndex({ 'credentials.id': 1 }, { unique: true }));
    expect((await coll.indexes()).map((i) => i.name)).toEqual(['_id_']);
  });
});
