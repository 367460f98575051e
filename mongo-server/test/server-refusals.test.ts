// What the in-process test server does not implement, it refuses with MongoDB's own error codes rather
// than pretending (a real mongod implements these, so this file is about the test server only).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, MongoServerError, type Db } from 'mongodb';
import { mongoBackend, mongoUrl, uniqueDbName } from '../../test/support/mongo';

const testServer = mongoBackend() === 'in-process';
let client: MongoClient;
let db: Db;

beforeAll(async () => {
  client = new MongoClient(mongoUrl());
  db = client.db(uniqueDbName('refuse'));
  await db.collection('c').insertOne({ a: 1 });
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

async function code(fn: () => Promise<unknown>): Promise<number | undefined> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof MongoServerError) return e.code as number;
    throw e;
  }
  return undefined;
}

describe.runIf(testServer)('refusals (in-process test server only: a real mongod implements these)', () => {
  it('refuses known but unimplemented options and stages with 2 BadValue', async () => {
    expect(await code(() => db.collection('c').find({}, { hint: { a: 1 } }).toArray())).toBe(2);
    expect(await code(() => db.collection('c').find({}, { collation: { locale: 'fr' } }).toArray())).toBe(2);
    expect(await code(() => db.collection('c').aggregate([{ $out: 'elsewhere' }]).toArray())).toBe(2);
    expect(await code(() => db.createCollection('capped', { capped: true, size: 4096 }))).toBe(2);
    expect(await code(() => db.collection('c').createIndex({ t: 'text' }))).toBe(2);
    expect(await code(() => client.db('admin').command({ configureFailPoint: 'someOtherFailPoint', mode: 'alwaysOn' }))).toBe(2);
    expect(await code(() => client.db('admin').command({ setParameter: 1, notAParameter: 1 }))).toBe(72);
  });

  it('refuses commands it does not know with 59 CommandNotFound', async () => {
    for (const cmd of ['serverStatus', 'collStats', 'dbStats', 'createUser', 'mapReduce']) {
      expect(await code(() => db.command({ [cmd]: 'c' }))).toBe(59);
    }
  });

  it('lost nothing while refusing', async () => {
    expect(await db.collection('c').find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ a: 1 }]);
  });
});
