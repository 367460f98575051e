// Failover on a replica set: the primary steps down and another is elected while an Express app serves many
// users. Runs on MONGO_URL when it names a replica set (failpoints need enableTestCommands=1), otherwise on an
// in-process replica set. The store coalesces concurrent calls into one find / one bulkWrite (src/batching/):
// these tests also check that such shared commands are retried by the driver as retryable reads and writes,
// and (with mongod's onPrimaryTransactionalWrite failpoint) that a retried write whose first attempt committed
// is answered from the server's record instead of being applied again.
import { describe, expect, it, vi } from 'vitest';
import { MongoClient, type Document } from 'mongodb';
import { MongoStore } from '../../src/index';
import { countCallbacks, makeSession, onCleanup, pool, runTraffic, startTrafficApp, trafficUser, uniqueDbName, useReplicaSet, watchProcess } from '../support';

const rs = useReplicaSet();
/** A request unanswered after this is a hang (status 0); far above any election here. */
const HANG_MS = 15_000;
/** How long state reached over replication may take to show, polled often: never a timing claim. */
const SETTLE = { timeout: 10_000, interval: 20 };

interface Sent {
  name: string;
  address: string;
  lsid: string;
  txnNumber?: string;
  /** Statements in one update command, or ids in one find's $in: more than 1 is a shared command. */
  shared: number;
  filter?: string;
  outcome?: { ok: true; reply: Document } | { ok: false; code?: number };
}

/** Every find, update and delete the store's client sends, with how each ended. */
function commandLog(client: MongoClient): Sent[] {
  const sent: Sent[] = [];
  const byRequest = new Map<number, Sent>();
  client.on('commandStarted', (e) => {
    if (e.commandName !== 'find' && e.commandName !== 'update' && e.commandName !== 'delete') return;
    const c = e.command;
    const shared = e.commandName === 'update' ? c.updates.length : e.commandName === 'delete' ? c.deletes.length : (c.filter?._id?.$in?.length ?? 1);
    const entry: Sent = { name: e.commandName, address: e.address, lsid: c.lsid?.id?.toString('hex'), txnNumber: c.txnNumber?.toString(), shared, filter: JSON.stringify(c.filter) };
    sent.push(entry);
    byRequest.set(e.requestId, entry);
  });
  client.on('commandSucceeded', (e) => {
    const entry = byRequest.get(e.requestId);
    if (entry) entry.outcome = { ok: true, reply: e.reply as Document };
  });
  client.on('commandFailed', (e) => {
    const entry = byRequest.get(e.requestId);
    if (entry) entry.outcome = { ok: false, code: (e.failure as { code?: number }).code };
  });
  return sent;
}

/** The attempt that retried `first`: same session and, for a write, the same txnNumber; for a read, the same filter. */
const retryOf = (sent: Sent[], first: Sent) =>
  sent.find((s) => s !== first && s.name === first.name && s.lsid === first.lsid && s.txnNumber === first.txnNumber && s.filter === first.filter && sent.indexOf(s) > sent.indexOf(first));

function storeOn(dbName: string) {
  const client = new MongoClient(rs.url, { monitorCommands: true, appName: `failover_${dbName}` });
  const sent = commandLog(client);
  const store = MongoStore.create({ client, dbName });
  onCleanup(() => store.close());
  return { client, sent, store };
}

describe('stepping the primary down while an Express app serves many users', () => {
  it('no request fails or hangs, no acknowledged session is lost, nobody sees another user, shared commands go on', async () => {
    const watch = watchProcess();
    const dbName = uniqueDbName('failover');
    const { client, sent, store } = storeOn(dbName);
    const counted = countCallbacks(store);
    const app = await startTrafficApp(store);
    onCleanup(() => app.close());
    const users = Array.from({ length: 24 }, (_, i) => ({ name: `user${i}`, http: trafficUser(app.base, HANG_MS), lastAck: -1 }));
    await Promise.all(users.map(async (u) => expect((await u.http.request('POST', `/login/${u.name}`)).status).toBe(200)));

    let phase = 0; // 0 before, 1 stepping down, 2 a new primary elected
    const traffic = runTraffic(users, () => phase, {
      route: (i) => (i % 2 ? ['GET', '/whoami'] : ['POST', '/bump']),
      check: (u, reply) => {
        // Nobody ever sees another user's session.
        if (reply.status === 200) expect(reply.body?.user).toBe(u.name);
      },
    });
    const { log } = traffic;
    onCleanup(() => traffic.stop());

    await vi.waitFor(() => expect(users.every((u) => u.lastAck >= 2)).toBe(true), { timeout: 15_000, interval: 20 });
    phase = 1;
    const { from, to } = await rs.stepDown();
    phase = 2;
    await vi.waitFor(() => expect(users.filter((u) => !log.some((e) => e.user === u.name && e.from === 2 && e.reply.status === 200))).toEqual([]), {
      timeout: 20_000,
      interval: 50,
    });
    await traffic.stop();
    expect(traffic.failures).toEqual([]);

    // Every request was answered, and answered 200: operations caught by the election were retried by the driver.
    expect(log.filter((e) => e.reply.status !== 200)).toEqual([]);
    expect(log.filter((e) => e.from === 1).length).toBeGreaterThan(0);
    // Shared finds and shared updates were sent to the old primary and to the new one.
    for (const address of [from, to]) {
      expect(sent.some((s) => s.address === address && s.name === 'find' && s.shared > 1)).toBe(true);
      expect(sent.some((s) => s.address === address && s.name === 'update' && s.shared > 1)).toBe(true);
    }
    // Every attempt that failed was retried, and the retry succeeded.
    for (const failed of sent.filter((s) => s.outcome && !s.outcome.ok)) expect(retryOf(sent, failed)?.outcome?.ok).toBe(true);

    // Each session is stored (read on the new primary) at least at its last acknowledged state.
    const docs = await client.db(dbName).collection<{ _id: string; session: string }>('sessions').find().toArray();
    for (const u of users) {
      const stored = JSON.parse(docs.find((d) => d._id === u.http.sid)!.session) as { user: string; n: number };
      expect(stored.user).toBe(u.name);
      expect(stored.n).toBeGreaterThanOrEqual(u.lastAck);
    }
    await vi.waitFor(() => expect(counted.pending()).toEqual([]), SETTLE);
    expect(counted.repeated()).toEqual([]);
    await watch.expectQuiet();
  });
});

describe('shared commands caught by a failover are retried', () => {
  it('forced stepdown while a shared update waits for a majority: retried on the new primary with its txnNumber, every set() resolves', async () => {
    const dbName = uniqueDbName('forced');
    const { sent, store } = storeOn(dbName);
    const ids = Array.from({ length: 40 }, (_, i) => `s${i}`);
    await Promise.all(ids.map((id) => store.set(id, makeSession({ v: 1 }))));
    await rs.pauseReplication(rs.hosts, true);
    onCleanup(() => rs.pauseReplication(rs.hosts, false));
    const sentBefore = sent.length;
    const sets = Promise.allSettled(ids.map((id) => store.set(id, makeSession({ v: 2 }))));
    // Every set() is on the wire: applied by the primary, waiting for a secondary that does not replicate.
    await vi.waitFor(() => expect(sent.slice(sentBefore).reduce((n, s) => n + (s.name === 'update' ? s.shared : 0), 0)).toBe(ids.length), SETTLE);
    const { from, to } = await rs.stepDown({ force: true, secondaryCatchUpPeriodSecs: 0 });
    await rs.pauseReplication(rs.hosts, false);
    expect((await sets).filter((r) => r.status !== 'fulfilled')).toEqual([]);
    for (const id of ids) expect(await store.get(id)).toMatchObject({ v: 2 });

    const shared = sent.slice(sentBefore).find((s) => s.name === 'update' && s.shared > 1 && s.address === from)!;
    expect(shared.outcome).toMatchObject({ ok: true, reply: { writeConcernError: { code: 189 }, errorLabels: ['RetryableWriteError'] } });
    const retry = retryOf(sent, shared)!;
    expect(retry.address).toBe(to);
    expect(retry.outcome).toMatchObject({ ok: true });
    expect((retry.outcome as { reply: Document }).reply.writeConcernError).toBeUndefined();
  });

  it('a shared find and a shared update refused as not primary (failCommand) are retried once, each caller getting its own result', async () => {
    const dbName = uniqueDbName('refused');
    const { client, sent, store } = storeOn(dbName);
    const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
    await Promise.all(ids.map((id, i) => store.set(id, makeSession({ i }))));
    const admin = rs.direct(await rs.primary()).db('admin');
    const appName = client.options.appName;
    const failOnce = (command: string, errorCode: number) =>
      admin.command({ configureFailPoint: 'failCommand', mode: { times: 2 }, data: { failCommands: [command], errorCode, appName } });
    onCleanup(() => admin.command({ configureFailPoint: 'failCommand', mode: 'off' }));

    const cases: Array<[string, number, () => Promise<unknown>]> = [
      ['find', 13435, () => pool(ids.map((id, i) => async () => expect(await store.get(id)).toMatchObject({ i })), ids.length)],
      ['update', 10107, () => Promise.all(ids.map((id, i) => store.set(id, makeSession({ i, again: true }))))],
    ];
    for (const [command, code, run] of cases) {
      const sentBefore = sent.length;
      await failOnce(command, code);
      await run();
      const failedShared = sent.slice(sentBefore).filter((s) => s.name === command && s.shared > 1 && s.outcome && !s.outcome.ok);
      expect(failedShared.map((s) => s.outcome)).toEqual([{ ok: false, code }]);
      expect(retryOf(sent, failedShared[0])?.outcome?.ok).toBe(true);
    }
    for (const [i, id] of ids.entries()) expect(await store.get(id)).toMatchObject({ i, again: true });
  });
});

describe("a retried write is not applied twice (mongod's onPrimaryTransactionalWrite failpoint)", () => {
  /** Fails the primary's next retryable write statements as mongod does: by default, committed, then the connection closed. */
  async function failTransactionalWrites(mode: unknown, data?: Document) {
    const admin = rs.direct(await rs.primary()).db('admin');
    onCleanup(() => admin.command({ configureFailPoint: 'onPrimaryTransactionalWrite', mode: 'off' }));
    await admin.command({ configureFailPoint: 'onPrimaryTransactionalWrite', mode, ...(data ? { data } : {}) });
  }

  /** The one command of `name` sent since `from`, which failed on the wire, and its retry. */
  function attempts(sent: Sent[], from: number, name: string) {
    const failed = sent.slice(from).filter((s) => s.name === name && s.outcome && !s.outcome.ok);
    expect(failed).toHaveLength(1);
    const retry = retryOf(sent, failed[0]);
    expect(retry?.outcome?.ok).toBe(true);
    return { failed: failed[0], reply: (retry!.outcome as { reply: Document }).reply };
  }

  it("set() creating a session and destroy() deleting it: committed, connection dropped, the retry returns the first attempt's result", async () => {
    const dbName = uniqueDbName('committed');
    const { client, sent, store } = storeOn(dbName);
    const sessions = client.db(dbName).collection<{ _id: string; session: string }>('sessions');

    let from = sent.length;
    await failTransactionalWrites({ times: 1 });
    await store.set('created', makeSession({ v: 1 }));
    const upsert = attempts(sent, from, 'update');
    // Run again, the upsert would match the stored document and upsert nothing: this is the recorded result.
    expect(upsert.reply).toMatchObject({ n: 1, upserted: [{ index: 0, _id: 'created' }], retriedStmtIds: [0] });
    expect(JSON.parse((await sessions.findOne({ _id: 'created' }))!.session)).toMatchObject({ v: 1 });

    from = sent.length;
    await failTransactionalWrites({ times: 1 });
    await store.destroy('created');
    // Run again, the delete would find nothing (n: 0).
    expect(attempts(sent, from, 'delete').reply).toMatchObject({ n: 1, retriedStmtIds: [0] });
    expect(await sessions.countDocuments({ _id: 'created' })).toBe(0);
  });

  it('set() whose first attempt was undone (failBeforeCommitExceptionCode) is applied by the retry', async () => {
    const dbName = uniqueDbName('undone');
    const { sent, store } = storeOn(dbName);
    const from = sent.length;
    await failTransactionalWrites({ times: 1 }, { failBeforeCommitExceptionCode: 1 });
    await store.set('undone', makeSession({ v: 1 }));
    const { reply } = attempts(sent, from, 'update');
    expect(reply).toMatchObject({ n: 1, upserted: [{ index: 0, _id: 'undone' }] });
    expect(reply.retriedStmtIds).toBeUndefined();
    expect(await store.get('undone')).toMatchObject({ v: 1 });
  });

  it('a shared bulk update dropped after its first statement committed: retried whole, that statement answered from the record', async () => {
    const dbName = uniqueDbName('shared');
    const { client, sent, store } = storeOn(dbName);
    const ids = Array.from({ length: 12 }, (_, i) => `b${i}`);
    await Promise.all(ids.map((id) => store.set(id, makeSession({ v: 1 }))));
    // A lone set() held in flight (its write waits for a majority that does not replicate), so that the next
    // set() calls go out together as one shared command, the first retryable write the failpoint sees.
    await rs.pauseReplication(rs.hosts, true);
    onCleanup(() => rs.pauseReplication(rs.hosts, false));
    const lone = store.set('lone', makeSession({ v: 0 }));
    const onPrimary = rs.direct(await rs.primary()).db(dbName).collection('sessions');
    await vi.waitFor(async () => expect(await onPrimary.countDocuments({ _id: 'lone' } as Document)).toBe(1), SETTLE);
    const from = sent.length;
    await failTransactionalWrites({ times: 1 });
    const sets = Promise.all(ids.map((id) => store.set(id, makeSession({ v: 2 }))));
    await vi.waitFor(() => expect(sent.slice(from).filter((s) => s.name === 'update')).toHaveLength(2), SETTLE);
    await rs.pauseReplication(rs.hosts, false);
    await Promise.all([lone, sets]);

    const { failed, reply } = attempts(sent, from, 'update');
    expect(failed.shared).toBe(ids.length);
    expect(reply).toMatchObject({ n: ids.length, nModified: ids.length, retriedStmtIds: [0] });
    for (const id of ids) expect(await store.get(id)).toMatchObject({ v: 2 });
    expect(await client.db(dbName).collection('sessions').countDocuments()).toBe(ids.length + 1);
  });


});
