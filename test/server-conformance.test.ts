// Statements about MongoDB, checked through the official driver only: they must hold on the in-process
// test server and on a real mongod (MONGO_URL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type Db } from 'mongodb';
import { mongoUrl, uniqueDbName } from './helpers/mongo';

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

describe('CRUD', () => {
  it('answers ping', async () => {
    expect((await db.command({ ping: 1 })).ok).toBe(1);
  });

  it('upserts, matches and modifies with the counts MongoDB reports', async () => {
    const c = db.collection<{ _id: string; v?: number; created?: number; lastModified?: Date }>('upserts');
    const first = await c.updateOne(
      { _id: 's1' },
      { $set: { v: 1 }, $setOnInsert: { created: 1 }, $currentDate: { lastModified: true } },
      { upsert: true },
    );
    expect(first).toMatchObject({ upsertedCount: 1, matchedCount: 0, modifiedCount: 0, upsertedId: 's1' });
    const same = await c.updateOne({ _id: 's1' }, { $set: { v: 1 } }, { upsert: true });
    expect(same).toMatchObject({ upsertedCount: 0, matchedCount: 1, modifiedCount: 0 });
    const changed = await c.updateOne({ _id: 's1' }, { $set: { v: 2 }, $setOnInsert: { created: 2 } }, { upsert: true });
    expect(changed).toMatchObject({ upsertedCount: 0, matchedCount: 1, modifiedCount: 1 });
    const doc = await c.findOne({ _id: 's1', $or: [{ expires: { $exists: false } }, { expires: { $gt: new Date() } }] });
    expect(doc).toMatchObject({ _id: 's1', v: 2, created: 1 });
    expect(doc?.lastModified).toBeInstanceOf(Date);
  });
});
