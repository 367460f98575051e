// Fault injection with MongoDB's own failCommand failpoint. On MONGO_URL this needs a mongod started with
// --setParameter enableTestCommands=1; with the in-process backend each test uses its own server.
// Every failpoint is scoped to this file's clients by appName.
import { afterEach, describe, expect, it } from 'vitest';
import { MongoClient, MongoServerError, MongoWriteConcernError, type Document } from 'mongodb';
import { mongoBackend, mongoUrl, uniqueDbName } from '../../test/support/mongo';
import { TestMongoServer } from '..';

const ownServer = mongoBackend() === 'in-process';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(clientOptions: Record<string, unknown> = {}) {
  let url = mongoUrl();
  if (ownServer) {
    const server = new TestMongoServer();
    url = await server.start();
    cleanups.push(() => server.stop());
  }
  const appName = `fp_${uniqueDbName()}`;
  const client = new MongoClient(url, { appName, retryReads: false, retryWrites: false, ...clientOptions });
  const admin = new MongoClient(url);
  cleanups.push(() => admin.close(), () => client.close());
  const failPoint = (mode: unknown, data: Document = {}) =>
    admin.db('admin').command({ configureFailPoint: 'failCommand', mode, data: { appName, ...data } });
  cleanups.push(() => failPoint('off'));
  const coll = client.db(uniqueDbName('fp')).collection('c');
  cleanups.push(() => coll.drop().catch(() => undefined));
  await client.connect();
  return { client, coll, failPoint };
}

const caught = <T>(p: Promise<T>) => p.then(() => undefined, (e: unknown) => e as Error);

describe('failCommand failpoint (MONGO_URL: needs mongod with enableTestCommands=1)', () => {
  it('fails the listed command {times: n} with errorCode and errorLabels, then stops', async () => {
    const { coll, failPoint } = await setup();
    await coll.insertOne({ _id: 1 } as Document);
    await failPoint({ times: 2 }, { failCommands: ['find'], errorCode: 50, errorLabels: ['TestLabel'] });
    for (let i = 0; i < 2; i++) {
      const err = await caught(coll.findOne({}));
      expect(err).toBeInstanceOf(MongoServerError);
      expect((err as MongoServerError).code).toBe(50);
      expect((err as MongoServerError).hasErrorLabel('TestLabel')).toBe(true);
    }
    expect(await coll.findOne({})).toEqual({ _id: 1 });
  });

  it('alwaysOn fails until turned off; unlisted commands are untouched', async () => {
    const { coll, failPoint } = await setup();
    await failPoint('alwaysOn', { failCommands: ['insert'], errorCode: 2 });
    for (let i = 0; i < 3; i++) expect(((await caught(coll.insertOne({ i }))) as MongoServerError).code).toBe(2);
    expect(await coll.countDocuments({})).toBe(0);
    await failPoint('off');
    await coll.insertOne({ i: 'after' });
    expect(await coll.countDocuments({})).toBe(1);
  });

  it('{skip: n} lets n matching commands through, then fails each one until turned off', async () => {
    const { coll, failPoint } = await setup();
    await failPoint({ skip: 2 }, { failCommands: ['insert'], errorCode: 2 });
    await coll.insertOne({ i: 1 });
    await coll.insertOne({ i: 2 });
    for (let i = 0; i < 2; i++) expect(((await caught(coll.insertOne({ i: 3 }))) as MongoServerError).code).toBe(2);
    await failPoint('off');
    expect(await coll.countDocuments({})).toBe(2);
  });

  it('writeConcernError: the command runs, then its reply reports the write concern error', async () => {
    const { coll, failPoint } = await setup();
    const writeConcernError = { code: 64, errmsg: 'waiting for replication timed out', errInfo: { wtimeout: true } };
    await failPoint({ times: 1 }, { failCommands: ['insert'], writeConcernError });
    const err = await caught(coll.insertOne({ _id: 1 } as Document));
    expect(err).toBeInstanceOf(MongoWriteConcernError);
    expect((err as MongoWriteConcernError).code).toBe(64);
    expect(await coll.find().toArray()).toEqual([{ _id: 1 }]);
  });

  it('closeConnection drops the connection without a reply; the next operation reconnects', async () => {
    const { coll, failPoint } = await setup();
    await failPoint({ times: 1 }, { failCommands: ['insert'], closeConnection: true });
    const err = await caught(coll.insertOne({ a: 1 }));
    expect(err?.name).toMatch(/MongoNetworkError|MongoServerSelectionError/);
    await coll.insertOne({ a: 2 });
    expect(await coll.find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ a: 2 }]);
  });

  it('blockConnection delays the reply (a client socket timeout shorter than blockTimeMS trips)', async () => {
    const { coll, failPoint } = await setup({ socketTimeoutMS: 300 });
    await coll.insertOne({ a: 1 });
    await failPoint({ times: 1 }, { failCommands: ['find'], blockConnection: true, blockTimeMS: 2_000 });
    const err = await caught(coll.findOne({}));
    expect(err?.name).toBe('MongoNetworkTimeoutError');
    await failPoint({ times: 1 }, { failCommands: ['find'], blockConnection: true, blockTimeMS: 50 });
    expect(await coll.findOne({}, { projection: { _id: 0 } })).toEqual({ a: 1 });
  });
});
