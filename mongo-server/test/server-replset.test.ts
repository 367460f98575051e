// Replica set behaviour a driver (and the store) depends on, seen through the driver: hello, where writes and
// reads may go, write concern, elections and retryable writes. It runs on MONGO_URL when that names a replica
// set (the stopReplProducer failpoint needs enableTestCommands=1), otherwise on an in-process replica set; the
// last block uses what only the in-process set offers (raw wire commands, lag in ms, stopping a member).
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Long, MongoClient, ObjectId, type Document } from 'mongodb';
import { deserialize, serialize } from 'bson';
import { mongoIsReplicaSet, uniqueDbName } from '../../test/support/mongo';
import { useReplicaSet } from '../../test/support/replica-set';
import { TestMongoServer } from '..';
import { serverErrorOf } from './support';

const rs = useReplicaSet();
/** How long state reached over replication may take to show, polled often: never a timing claim. */
const SETTLE = { timeout: 10_000, interval: 20 };
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function track<T extends { close(): Promise<void> }>(x: T): T {
  cleanups.push(() => x.close());
  return x;
}

/** Replication paused on these members for the rest of the test. */
async function paused(hosts: string[]): Promise<void> {
  await rs.pauseReplication(hosts, true);
  cleanups.push(() => rs.pauseReplication(hosts, false));
}

describe('hello', () => {
  it('every member answers as part of one set: one writable primary with an electionId, secondaries naming it', async () => {
    const hellos = await rs.hellos();
    const primaries = hellos.filter((h) => h.isWritablePrimary);
    expect(primaries).toHaveLength(1);
    const [primary] = primaries;
    expect(primary).toMatchObject({ secondary: false, me: primary.primary });
    expect(primary.electionId).toBeInstanceOf(ObjectId);
    for (const h of hellos) {
      expect(h).toMatchObject({ setName: hellos[0].setName, hosts: rs.hosts, primary: primary.me, setVersion: expect.any(Number) });
      expect(rs.hosts).toContain(h.me);
      expect(h.topologyVersion.processId).toBeInstanceOf(ObjectId);
      expect(h.lastWrite.lastWriteDate).toBeInstanceOf(Date);
      if (h === primary) continue;
      expect(h).toMatchObject({ isWritablePrimary: false, secondary: true });
      expect(h.electionId).toBeUndefined();
    }
    const legacy = await rs.direct((await rs.secondaries())[0]).db('admin').command({ isMaster: 1 });
    expect(legacy).toMatchObject({ ismaster: false, secondary: true });
  });
});

describe('writes and reads on a secondary', () => {
  it('refuses writes with 10107 NotWritablePrimary, labelled retryable (no write performed) for a retryable write', async () => {
    const secondary = rs.direct((await rs.secondaries())[0]);
    const db = secondary.db(uniqueDbName('rs'));
    const coll = db.collection('c');
    const plain = await serverErrorOf(coll.insertOne({ a: 1 }));
    expect(plain).toMatchObject({ code: 10107, codeName: 'NotWritablePrimary' });
    expect(plain.errorLabels).toEqual(expect.arrayContaining(['RetryableWriteError', 'NoWritesPerformed']));
    const session = secondary.startSession();
    cleanups.push(() => session.endSession());
    const raw = await serverErrorOf(db.command({ insert: 'c', documents: [{ a: 2 }], txnNumber: Long.fromNumber(1) }, { session }));
    expect(raw).toMatchObject({ code: 10107, topologyVersion: { processId: expect.any(ObjectId) } });
  });

  it('serves reads to a client that accepts secondaries', async () => {
    const client = track(new MongoClient(rs.url));
    const db = client.db(uniqueDbName('rs'));
    await db.collection('c').insertOne({ _id: 'x' } as Document, { writeConcern: { w: rs.hosts.length } });
    const fromSecondary = await db.collection('c').findOne({ _id: 'x' } as Document, { readPreference: 'secondary' });
    expect(fromSecondary).toEqual({ _id: 'x' });
  });
});

describe('write concern', () => {
  it('majority (the default) waits for a secondary; wtimeout gives 64, more members than the set 100, an unknown mode 79', async () => {
    const client = track(new MongoClient(rs.url));
    const coll = client.db(uniqueDbName('wc')).collection('c');
    await coll.insertOne({ _id: 0 } as Document);
    await paused(await rs.secondaries());
    await coll.insertOne({ _id: 1 } as Document, { writeConcern: { w: 1 } });
    expect((await serverErrorOf(coll.insertOne({ _id: 2 } as Document, { writeConcern: { w: 'majority', wtimeout: 200 } }))).code).toBe(64);
    expect((await serverErrorOf(coll.insertOne({ _id: 3 } as Document, { writeConcern: { w: rs.hosts.length + 1 } }))).code).toBe(100);
    expect((await serverErrorOf(coll.insertOne({ _id: 4 } as Document, { writeConcern: { w: 'noSuchTag' as 'majority' } }))).code).toBe(79);

    let acknowledged = false;
    const pending = coll.insertOne({ _id: 5 } as Document).then(() => (acknowledged = true));
    const primary = rs.direct(await rs.primary()).db(coll.dbName).collection('c');
    await vi.waitFor(async () => expect(await primary.findOne({ _id: 5 } as Document)).not.toBeNull(), SETTLE);
    // Applied on the primary, but no secondary can have it: the default write concern (majority) still waits.
    expect(acknowledged).toBe(false);
    const [first] = await rs.secondaries();
    await rs.pauseReplication([first], false);
    await pending;
    const onSecondary = rs.direct(first).db(coll.dbName).collection('c');
    expect(await onSecondary.findOne({ _id: 5 } as Document)).toEqual({ _id: 5 });
  });
});

describe('elections', () => {
  it('replSetStepDown hands over to a caught-up secondary (a frozen one is passed over); a new electionId; the old primary is a secondary', async () => {
    const before = await rs.hellos();
    const oldPrimary = before.find((h) => h.isWritablePrimary)!;
    const admin = (host: string) => rs.direct(host).db('admin');
    expect(await serverErrorOf(admin(oldPrimary.me).command({ replSetFreeze: 30 }))).toMatchObject({ code: 95, codeName: 'NotSecondary' });
    expect((await serverErrorOf(admin(oldPrimary.me).command({ replSetStepDown: 5, secondaryCatchUpPeriodSecs: 10 }))).code).toBe(2);
    const [frozen, other] = before.filter((h) => h.secondary).map((h) => h.me as string);
    if (other) await admin(frozen).command({ replSetFreeze: 30 });
    cleanups.push(() => admin(frozen).command({ replSetFreeze: 0 }));

    const { from, to } = await rs.stepDown();
    expect(from).toBe(oldPrimary.me);
    if (other) expect(to).toBe(other);
    const after = await rs.hellos();
    const newPrimary = after.find((h) => h.isWritablePrimary)!;
    expect(newPrimary.electionId.toHexString() > oldPrimary.electionId.toHexString()).toBe(true);
    expect(after.find((h) => h.me === from)).toMatchObject({ secondary: true, primary: to });
    const notPrimary = await serverErrorOf(admin(from).command({ replSetStepDown: 30 }));
    expect(notPrimary).toMatchObject({ code: 10107, codeName: 'NotWritablePrimary' });
  });

  it('without a caught-up secondary replSetStepDown fails (262) and the primary stays; force steps down and rolls back what was not replicated', async () => {
    const client = track(new MongoClient(rs.url));
    const dbName = uniqueDbName('force');
    const coll = client.db(dbName).collection('c');
    await coll.insertOne({ _id: 'kept' } as Document);
    const oldPrimary = await rs.primary();
    await paused(await rs.secondaries());
    await coll.insertOne({ _id: 'lost' } as Document, { writeConcern: { w: 1 } });
    const admin = rs.direct(oldPrimary).db('admin');
    expect(await serverErrorOf(admin.command({ replSetStepDown: 10, secondaryCatchUpPeriodSecs: 1 }))).toMatchObject({ code: 262, codeName: 'ExceededTimeLimit' });
    expect(await rs.primary()).toBe(oldPrimary);

    const { to } = await rs.stepDown({ force: true, secondaryCatchUpPeriodSecs: 0 });
    expect((await coll.find().toArray()).map((d) => d._id)).toEqual(['kept']);
    const onOldPrimary = rs.direct(oldPrimary).db(dbName).collection('c');
    await vi.waitFor(async () => expect(await onOldPrimary.findOne({ _id: 'lost' } as Document)).toBeNull(), { timeout: 15_000 });
    expect(to).not.toBe(oldPrimary);
  });
});

describe('retryable writes', () => {
  it('a statement retried with the same lsid and txnNumber is not applied again, before or after an election', async () => {
    const client = track(new MongoClient(rs.url));
    const db = client.db(uniqueDbName('retry'));
    const session = client.startSession();
    cleanups.push(() => session.endSession());
    const run = (cmd: Document, txnNumber: number) => db.command({ ...cmd, txnNumber: Long.fromNumber(txnNumber) }, { session });
    const inc = { update: 'c', updates: [{ q: { _id: 'n' }, u: { $inc: { n: 1 } }, upsert: true }] };
    expect(await run(inc, 5)).toMatchObject({ n: 1, upserted: [{ index: 0, _id: 'n' }] });
    expect(await run(inc, 5)).toMatchObject({ n: 1, upserted: [{ index: 0, _id: 'n' }], retriedStmtIds: [0] });
    const twoInserts = { insert: 'c', documents: [{ _id: 'a' }, { _id: 'n' }], ordered: false };
    expect(await run(twoInserts, 6)).toMatchObject({ n: 1, writeErrors: [{ index: 1, code: 11000 }] });
    // The statement that failed was not recorded: the retry runs it again (and it fails again).
    expect(await run(twoInserts, 6)).toMatchObject({ n: 1, retriedStmtIds: [0], writeErrors: [{ index: 1, code: 11000 }] });

    await rs.stepDown();
    // runCommand is never retried by the driver: sent again (same txnNumber) until this client knows the new primary.
    expect(await vi.waitFor(() => run(twoInserts, 6), { timeout: 10_000 })).toMatchObject({ n: 1, retriedStmtIds: [0] });
    expect(await db.collection('c').findOne({ _id: 'n' } as Document)).toEqual({ _id: 'n', n: 1 });
    expect(await serverErrorOf(run(inc, 4))).toMatchObject({ code: 225, codeName: 'TransactionTooOld' });
    expect((await serverErrorOf(run({ find: 'c' }, 7))).code).toBe(50768);
  });

  it('a write whose write concern failed because the primary stepped down is retried by the driver and found applied', async () => {
    const client = track(new MongoClient(rs.url, { monitorCommands: true }));
    const updates: Array<{ txnNumber: string; reply?: Document }> = [];
    client.on('commandStarted', (e) => e.commandName === 'update' && updates.push({ txnNumber: String(e.command.txnNumber) }));
    client.on('commandSucceeded', (e) => e.commandName === 'update' && (updates[updates.length - 1].reply = e.reply as Document));
    const dbName = uniqueDbName('wcretry');
    const coll = client.db(dbName).collection<{ _id: string; n?: number }>('c');
    await coll.insertOne({ _id: 'w' }, { writeConcern: { w: rs.hosts.length } });
    const [caughtUp, lagging] = await rs.secondaries();
    await paused([lagging]);
    // Settled into a value, so that a failure here cannot also surface as an unhandled rejection.
    const update = coll.updateOne({ _id: 'w' }, { $inc: { n: 1 } }, { writeConcern: { w: rs.hosts.length } }).catch((e: Error) => e);
    const onCaughtUp = rs.direct(caughtUp).db(dbName).collection('c');
    await vi.waitFor(async () => expect(await onCaughtUp.findOne({ _id: 'w' } as Document)).toEqual({ _id: 'w', n: 1 }), SETTLE);
    await rs.stepDown();
    await rs.pauseReplication([lagging], false);
    expect(await update).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    expect(await coll.findOne({ _id: 'w' })).toEqual({ _id: 'w', n: 1 });
    // Two attempts with one txnNumber: the first answered with the stepdown, the second found the statement done.
    const attempts = updates.slice(-2);
    expect(attempts[0].txnNumber).toBe(attempts[1].txnNumber);
    expect(attempts[0].reply).toMatchObject({ writeConcernError: { code: 189 }, errorLabels: ['RetryableWriteError'] });
  });
});

describe('a standalone server (own TestMongoServer: a mongod without --replSet)', () => {
  it('refuses txnNumber (20 IllegalOperation) and replica set commands (76 NoReplicationEnabled)', async () => {
    const server = new TestMongoServer();
    const client = new MongoClient(await server.start());
    cleanups.push(() => server.stop(), () => client.close());
    const session = client.startSession();
    cleanups.push(() => session.endSession());
    const insert = { insert: 'c', documents: [{}], txnNumber: Long.fromNumber(1) };
    expect((await serverErrorOf(client.db('t').command(insert, { session }))).code).toBe(20);
    expect((await serverErrorOf(client.db('admin').command({ replSetGetStatus: 1 }))).code).toBe(76);
  });
});

/** One OP_MSG command on a raw connection to host, as a client that sends no $readPreference. */
async function rawCommand(host: string, body: Document): Promise<Document> {
  const [hostname, port] = host.split(':');
  const socket = net.connect(Number(port), hostname);
  cleanups.push(async () => void socket.destroy());
  const doc = serialize(body);
  const head = Buffer.alloc(21);
  head.writeInt32LE(21 + doc.length, 0);
  head.writeInt32LE(1, 4);
  head.writeInt32LE(2013, 12);
  socket.write(Buffer.concat([head, doc]));
  let buf = Buffer.alloc(0);
  for await (const chunk of socket) {
    buf = Buffer.concat([buf, chunk as Buffer]);
    if (buf.length >= 4 && buf.length >= buf.readInt32LE(0)) break;
  }
  return deserialize(buf.subarray(21));
}

describe.runIf(!mongoIsReplicaSet())('in-process replica set only: raw wire commands, lag in ms, a member that dies', () => {
  it('a secondary refuses a read without a secondary read preference (13435) and serves one with it', async () => {
    const host = (await rs.secondaries())[0];
    expect(await rawCommand(host, { find: 'c', $db: 'rawdb' })).toMatchObject({ ok: 0, code: 13435, codeName: 'NotPrimaryNoSecondaryOk' });
    const served = await rawCommand(host, { find: 'c', $db: 'rawdb', $readPreference: { mode: 'secondaryPreferred' } });
    expect(served).toMatchObject({ ok: 1, cursor: { firstBatch: [] } });
  });

  it('a secondary lagging by a minute has not applied a w:1 write yet; without lag it catches up', async () => {
    const set = rs.set!;
    const client = track(new MongoClient(rs.url));
    const dbName = uniqueDbName('lag');
    await client.db(dbName).collection('c').insertOne({ _id: 'before' } as Document, { writeConcern: { w: rs.hosts.length } });
    const [lagging] = await rs.secondaries();
    set.setLag(60_000, rs.hosts.indexOf(lagging));
    cleanups.push(async () => set.setLag(0));
    await client.db(dbName).collection('c').insertOne({ _id: 'after' } as Document, { writeConcern: { w: rs.hosts.length - 1 } });
    const onLagging = rs.direct(lagging).db(dbName).collection('c');
    expect(await onLagging.find().toArray()).toEqual([{ _id: 'before' }]);
    set.setLag(0);
    await vi.waitFor(async () => expect(await onLagging.countDocuments()).toBe(2), SETTLE);
  });

  it('a primary that dies is replaced by an election; back, it rejoins as a secondary', async () => {
    const set = rs.set!;
    const client = track(new MongoClient(rs.url, { serverSelectionTimeoutMS: 10_000 }));
    const coll = client.db(uniqueDbName('crash')).collection('c');
    await coll.insertOne({ _id: 1 } as Document);
    const index = rs.hosts.indexOf(await rs.primary());
    await set.stopMember(index);
    await coll.insertOne({ _id: 2 } as Document);
    expect(set.primary?.index).not.toBe(index);
    await set.startMember(index);
    const back = rs.direct(rs.hosts[index]);
    await vi.waitFor(async () => expect(await back.db(coll.dbName).collection('c').countDocuments()).toBe(2), SETTLE);
    expect(await back.db('admin').command({ hello: 1 })).toMatchObject({ secondary: true, isWritablePrimary: false });
  });
});
