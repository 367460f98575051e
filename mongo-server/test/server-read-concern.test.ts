// Read concern levels as MongoDB's manual lists them for each deployment ("Read Concern"): local, available and
// majority everywhere; linearizable on a replica set's primary only; snapshot (5.0+) outside transactions on a
// replica set for find, aggregate and distinct only. What a node refuses, it refuses with mongod's code and
// message. The standalone block runs on the default backend unless MONGO_URL names a replica set.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, type Collection } from 'mongodb';
import { mongoIsReplicaSet, mongoUrl, uniqueDbName } from '../../test/support/mongo';
import { useReplicaSet } from '../../test/support/replica-set';
import { serverErrorOf } from './support';

interface Row {
  _id: number;
  v: string;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** `?readConcernLevel=…` (or another option) added to a connection string that may already have a query. */
const withOption = (url: string, option: string) => `${url}${url.includes('?') ? '&' : url.endsWith('/') ? '?' : '/?'}${option}`;

function connect(url: string): MongoClient {
  const client = new MongoClient(url);
  cleanups.push(() => client.close());
  return client;
}

/** Every read the store and apps make, with the client's default read concern. */
async function readsSee(coll: Collection<Row>): Promise<void> {
  expect(await coll.findOne({ _id: 1 })).toEqual({ _id: 1, v: 'one' });
  expect(await coll.countDocuments({})).toBe(1);
  expect(await coll.aggregate([{ $match: { _id: 1 } }]).toArray()).toEqual([{ _id: 1, v: 'one' }]);
  expect(await coll.distinct('v')).toEqual(['one']);
}

async function seeded(url: string, dbName: string): Promise<{ client: MongoClient; coll: Collection<Row> }> {
  const client = connect(url);
  const coll = client.db(dbName).collection<Row>('c');
  await coll.insertOne({ _id: 1, v: 'one' }, { writeConcern: { w: 'majority' } });
  cleanups.push(() => client.db(dbName).dropDatabase());
  return { client, coll };
}

describe.runIf(!mongoIsReplicaSet())('on a standalone', () => {
  it('local, available and majority are served (readConcernLevel in the URI or per operation)', async () => {
    const dbName = uniqueDbName('rc');
    await seeded(mongoUrl(), dbName);
    for (const level of ['local', 'available', 'majority']) {
      await readsSee(connect(withOption(mongoUrl(), `readConcernLevel=${level}`)).db(dbName).collection<Row>('c'));
    }
  });

  it('linearizable and snapshot are refused with NotAReplicaSet (123), as mongod 5.0+', async () => {
    const dbName = uniqueDbName('rc');
    const { client, coll } = await seeded(mongoUrl(), dbName);
    const linearizable = await serverErrorOf(coll.findOne({}, { readConcern: { level: 'linearizable' } }));
    expect(linearizable).toMatchObject({ code: 123, codeName: 'NotAReplicaSet', message: 'node needs to be a replica set member to use read concern' });
    const snapshot = await serverErrorOf(coll.find({}, { readConcern: { level: 'snapshot' } }).toArray());
    expect(snapshot).toMatchObject({ code: 123, message: 'node needs to be a replica set member to use readConcern: snapshot' });
    // A driver's snapshot session sends the same read concern.
    const session = client.startSession({ snapshot: true });
    cleanups.push(() => session.endSession());
    expect((await serverErrorOf(coll.find({}, { session }).toArray())).code).toBe(123);
  });
});

describe('on a replica set', () => {
  const rs = useReplicaSet();
  const dbName = uniqueDbName('rc');
  let client: MongoClient;
  let coll: Collection<Row>;

  beforeAll(async () => {
    client = new MongoClient(rs.url);
    coll = client.db(dbName).collection<Row>('c');
    await coll.insertOne({ _id: 1, v: 'one' }, { writeConcern: { w: 'majority' } });
  });

  afterAll(async () => {
    await client?.db(dbName).dropDatabase();
    await client?.close();
  });

  it('majority (readConcernLevel=majority in the URI) serves every read a majority-acknowledged write', async () => {
    await readsSee(connect(withOption(rs.url, 'readConcernLevel=majority')).db(dbName).collection<Row>('c'));
    await readsSee(connect(withOption(rs.url, 'readConcernLevel=local')).db(dbName).collection<Row>('c'));
  });

  it('linearizable is served by the primary; a secondary refuses it with NotWritablePrimary (10107)', async () => {
    expect(await coll.findOne({ _id: 1 }, { readConcern: { level: 'linearizable' } })).toEqual({ _id: 1, v: 'one' });
    const [secondary] = await rs.secondaries();
    const onSecondary = rs.direct(secondary).db(dbName).collection<Row>('c');
    const err = await serverErrorOf(onSecondary.findOne({ _id: 1 }, { readConcern: { level: 'linearizable' } }));
    expect(err).toMatchObject({ code: 10107, message: 'cannot satisfy linearizable read concern on non-primary node' });
  });

  it('snapshot serves find, aggregate and distinct (a snapshot session too) and is refused (72) for other commands', async () => {
    const snapshot = { level: 'snapshot' } as const;
    expect(await coll.find({}, { readConcern: snapshot }).toArray()).toEqual([{ _id: 1, v: 'one' }]);
    expect(await coll.aggregate([], { readConcern: snapshot }).toArray()).toEqual([{ _id: 1, v: 'one' }]);
    expect(await client.db(dbName).command({ distinct: 'c', key: 'v', readConcern: snapshot })).toMatchObject({ values: ['one'] });
    const session = client.startSession({ snapshot: true });
    cleanups.push(() => session.endSession());
    expect(await coll.find({}, { session }).toArray()).toEqual([{ _id: 1, v: 'one' }]);
    const err = await serverErrorOf(client.db(dbName).command({ count: 'c', readConcern: snapshot }));
    expect(err.code).toBe(72);
    expect(err.message).toBe('Command count does not support { readConcern: { level: "snapshot", provenance: "clientSupplied" } } :: caused by :: read concern not supported');
  });
});
