// Retryable writes whose first attempt fails on the primary, as MongoDB's retryable-writes spec tests drive
// them (github.com/mongodb/specifications, source/retryable-writes/tests/unified/; each test names its file):
// mongod's onPrimaryTransactionalWrite failpoint drops the connection after a statement commits (or undoes it
// first), and failCommand's writeConcernError reports a write concern error after the write. A retry must
// never apply a committed statement twice. On MONGO_URL the failpoints need mongod with enableTestCommands=1.
import { afterEach, describe, expect, it } from 'vitest';
import { MongoBulkWriteError, MongoClient, MongoServerError, MongoWriteConcernError, type CommandStartedEvent, type Document } from 'mongodb';
import { uniqueDbName } from '../../test/support/mongo';
import { useReplicaSet } from '../../test/support/replica-set';

const rs = useReplicaSet();

/** The spec files' documents. */
interface Row {
  _id: number;
  x?: number;
}
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** The spec files' fixture: coll holding {_id: 1, x: 11} and {_id: 2, x: 22}, and the commands sent after it. */
async function setup() {
  const client = new MongoClient(rs.url, { monitorCommands: true });
  cleanups.push(() => client.close());
  const started: CommandStartedEvent[] = [];
  const replies: Array<{ name: string; reply: Document }> = [];
  client.on('commandStarted', (e) => started.push(e));
  client.on('commandSucceeded', (e) => replies.push({ name: e.commandName, reply: e.reply as Document }));
  const coll = client.db(uniqueDbName('rw')).collection<Row>('coll');
  await coll.insertMany([
    { _id: 1, x: 11 },
    { _id: 2, x: 22 },
  ]);
  started.length = 0;
  replies.length = 0;
  const configure = (name: string, mode: unknown, data?: Document) => client.db('admin').command({ configureFailPoint: name, mode, ...(data ? { data } : {}) });
  cleanups.push(() => configure('onPrimaryTransactionalWrite', 'off'), () => configure('failCommand', 'off'));
  return {
    coll,
    onPrimaryTransactionalWrite: (mode: unknown, data?: Document) => configure('onPrimaryTransactionalWrite', mode, data),
    failCommand: (mode: unknown, data: Document) => configure('failCommand', mode, data),
    sent: (name: string) => started.filter((e) => e.commandName === name).map((e) => e.command),
    replies: (name: string) => replies.filter((r) => r.name === name).map((r) => r.reply),
    contents: () => coll.find({}, { sort: { _id: 1 } }).toArray(),
  };
}

const rejection = (p: Promise<unknown>) => p.then(() => expect.unreachable('expected a rejection'), (e: unknown) => e as Error);

describe('onPrimaryTransactionalWrite: committed on the first attempt, the connection dropped', () => {
  it('insertOne.json: the retry finds the insert done and stores nothing twice; both attempts carry one txnNumber', async () => {
    const t = await setup();
    await t.onPrimaryTransactionalWrite({ times: 1 });
    expect(await t.coll.insertOne({ _id: 3, x: 33 })).toMatchObject({ insertedId: 3 });
    expect(await t.contents()).toEqual([{ _id: 1, x: 11 }, { _id: 2, x: 22 }, { _id: 3, x: 33 }]);
    const [first, retry] = t.sent('insert');
    expect(t.sent('insert')).toHaveLength(2);
    expect(first.txnNumber).toBeDefined();
    expect(retry.txnNumber).toEqual(first.txnNumber);
  });

  it('updateOne.json: an $inc committed before the connection dropped is applied once (x 12, never 13)', async () => {
    const t = await setup();
    await t.onPrimaryTransactionalWrite({ times: 1 });
    expect(await t.coll.updateOne({ _id: 1 }, { $inc: { x: 1 } })).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });
    expect(await t.contents()).toEqual([{ _id: 1, x: 12 }, { _id: 2, x: 22 }]);
    expect(t.sent('update')).toHaveLength(2);
  });

  it('deleteOne.json and findOneAndUpdate.json: the retry returns the first attempt\'s result', async () => {
    const t = await setup();
    await t.onPrimaryTransactionalWrite({ times: 1 });
    expect(await t.coll.deleteOne({ _id: 2 })).toMatchObject({ deletedCount: 1 });
    await t.onPrimaryTransactionalWrite({ times: 1 });
    expect(await t.coll.findOneAndUpdate({ _id: 1 }, { $inc: { x: 1 } }, { returnDocument: 'before', includeResultMetadata: false })).toEqual({ _id: 1, x: 11 });
    expect(await t.contents()).toEqual([{ _id: 1, x: 12 }]);
  });

  it('bulkWrite.json "Second command is retried after its second statement fails": {skip: 2} fires on the third statement', async () => {
    const t = await setup();
    await t.onPrimaryTransactionalWrite({ skip: 2 });
    const result = await t.coll.bulkWrite([
      { insertOne: { document: { _id: 2.5, x: 25 } } },
      { updateOne: { filter: { _id: 1 }, update: { $inc: { x: 1 } } } },
      { updateOne: { filter: { _id: 2 }, update: { $inc: { x: 1 } } } },
    ]);
    expect(result).toMatchObject({ insertedCount: 1, matchedCount: 2, modifiedCount: 2 });
    expect(await t.contents()).toEqual([{ _id: 1, x: 12 }, { _id: 2, x: 23 }, { _id: 2.5, x: 25 }]);
    // One insert; the update command twice, its retry answered from the statements already run.
    expect(t.sent('insert')).toHaveLength(1);
    expect(t.sent('update')).toHaveLength(2);
    expect(t.replies('update').at(-1)).toMatchObject({ n: 2, nModified: 2, retriedStmtIds: [0, 1] });
  });

  it('bulkWrite.json "Single-document write following deleteMany is retried": only retryable writes reach the failpoint', async () => {
    const t = await setup();
    await t.onPrimaryTransactionalWrite({ times: 1 }, { failBeforeCommitExceptionCode: 1 });
    const result = await t.coll.bulkWrite([{ deleteMany: { filter: { x: 11 } } }, { insertOne: { document: { _id: 3, x: 33 } } }]);
    expect(result).toMatchObject({ deletedCount: 1, insertedCount: 1 });
    expect(t.sent('delete')[0].txnNumber).toBeUndefined();
    expect(t.sent('insert')).toHaveLength(2);
    expect(await t.contents()).toEqual([{ _id: 2, x: 22 }, { _id: 3, x: 33 }]);
  });
});

describe('onPrimaryTransactionalWrite with failBeforeCommitExceptionCode: the statement is undone', () => {
  it('updateOne.json "UpdateOne is not committed on first attempt": the retry applies it, once', async () => {
    const t = await setup();
    await t.onPrimaryTransactionalWrite({ times: 1 }, { failBeforeCommitExceptionCode: 1 });
    expect(await t.coll.updateOne({ _id: 1 }, { $inc: { x: 1 } })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await t.contents()).toEqual([{ _id: 1, x: 12 }, { _id: 2, x: 22 }]);
  });

  it('updateOne.json "UpdateOne with upsert is never committed": both attempts fail and nothing is stored', async () => {
    const t = await setup();
    await t.onPrimaryTransactionalWrite({ times: 2 }, { failBeforeCommitExceptionCode: 1 });
    await rejection(t.coll.updateOne({ _id: 3, x: 33 }, { $inc: { x: 1 } }, { upsert: true }));
    expect(await t.contents()).toEqual([{ _id: 1, x: 11 }, { _id: 2, x: 22 }]);
  });

  it('bulkWrite.json "Third updateOne is never committed": the error carries what the earlier commands did', async () => {
    const t = await setup();
    await t.onPrimaryTransactionalWrite({ skip: 2 }, { failBeforeCommitExceptionCode: 1 });
    const err = await rejection(
      t.coll.bulkWrite([
        { updateOne: { filter: { _id: 1 }, update: { $inc: { x: 1 } } } },
        { insertOne: { document: { _id: 3, x: 33 } } },
        { updateOne: { filter: { _id: 2 }, update: { $inc: { x: 1 } } } },
      ]),
    );
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    expect((err as MongoBulkWriteError).result).toMatchObject({ insertedCount: 1, matchedCount: 1, modifiedCount: 1 });
    expect(await t.contents()).toEqual([{ _id: 1, x: 12 }, { _id: 2, x: 22 }, { _id: 3, x: 33 }]);
  });

  it('insertMany.json "InsertMany fails after multiple network errors": alwaysOn fails the first statement each time', async () => {
    const t = await setup();
    await t.onPrimaryTransactionalWrite('alwaysOn', { failBeforeCommitExceptionCode: 1 });
    await rejection(t.coll.insertMany([{ _id: 3 }, { _id: 4 }], { ordered: true }));
    await t.onPrimaryTransactionalWrite('off');
    expect(await t.contents()).toEqual([{ _id: 1, x: 11 }, { _id: 2, x: 22 }]);
  });

  it('with closeConnection: false the client gets the error code as a write error (mongod\'s data fields)', async () => {
    const t = await setup();
    await t.onPrimaryTransactionalWrite({ times: 1 }, { closeConnection: false, failBeforeCommitExceptionCode: 96 });
    const err = await rejection(t.coll.insertOne({ _id: 3 }));
    expect(err).toBeInstanceOf(MongoServerError);
    expect((err as MongoServerError).code).toBe(96);
    expect(err.message).toMatch(/due to failpoint\. The write must not be reflected\./);
    expect(t.sent('insert')).toHaveLength(1);
    expect(await t.contents()).toEqual([{ _id: 1, x: 11 }, { _id: 2, x: 22 }]);
  });
});

describe('failCommand writeConcernError: the write is performed, then the write concern is reported failed', () => {
  it('updateOne-errorLabels.json "UpdateOne succeeds after WriteConcernError ShutdownInProgress": retried, applied once', async () => {
    const t = await setup();
    const writeConcernError = { code: 91, errmsg: 'Replication is being shut down' };
    await t.failCommand({ times: 1 }, { failCommands: ['update'], errorLabels: ['RetryableWriteError'], writeConcernError });
    expect(await t.coll.updateOne({ _id: 1 }, { $inc: { x: 1 } })).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await t.contents()).toEqual([{ _id: 1, x: 12 }, { _id: 2, x: 22 }]);
    expect(t.replies('update')[0]).toMatchObject({ ok: 1, n: 1, writeConcernError, errorLabels: ['RetryableWriteError'] });
    expect(t.sent('update')).toHaveLength(2);
  });

  it('insertOne-serverErrors.json "InsertOne fails after WriteConcernError Interrupted": not retried, yet stored', async () => {
    const t = await setup();
    await t.failCommand({ times: 1 }, { failCommands: ['insert'], writeConcernError: { code: 11601, errmsg: 'operation was interrupted' } });
    const err = await rejection(t.coll.insertOne({ _id: 3, x: 33 }));
    expect(err).toBeInstanceOf(MongoWriteConcernError);
    expect((err as MongoWriteConcernError).hasErrorLabel('RetryableWriteError')).toBe(false);
    expect(t.sent('insert')).toHaveLength(1);
    expect(await t.contents()).toEqual([{ _id: 1, x: 11 }, { _id: 2, x: 22 }, { _id: 3, x: 33 }]);
  });

  it('insertOne-errorLabels.json "InsertOne fails after multiple retryable writeConcernErrors": stored once', async () => {
    const t = await setup();
    const data = { failCommands: ['insert'], errorLabels: ['RetryableWriteError'], writeConcernError: { code: 91, errmsg: 'Replication is being shut down' } };
    await t.failCommand({ times: 2 }, data);
    const err = await rejection(t.coll.insertOne({ _id: 3, x: 33 }));
    expect((err as MongoServerError).hasErrorLabel('RetryableWriteError')).toBe(true);
    expect(t.sent('insert')).toHaveLength(2);
    expect(await t.contents()).toEqual([{ _id: 1, x: 11 }, { _id: 2, x: 22 }, { _id: 3, x: 33 }]);
  });
});
