// MongoDB going away and coming back while an Express app keeps serving: requests fail fast instead of hanging,
// no acknowledged write is lost, and the app recovers without a restart, also when MongoDB was down as the
// store was created. These tests ALWAYS run on their own TestMongoServer, whatever the run's backend: they
// stop and restart MongoDB, which the shared backend cannot allow (other files use it at the same time), and
// TestMongoServer keeps its data across stop()/start() like a restarted mongod. The fault under test is the
// store's and driver's, not the server's.
import { describe, expect, it, vi } from 'vitest';
import { MongoClient } from 'mongodb';
import { MongoStore } from '../../src/index';
import { CONNECT_FAILED_WARNING } from '../../src/connection/failure';
import { TestMongoServer } from '../../mongo-server';
import { countCallbacks, onCleanup, runTraffic, startTrafficApp, trafficUser, uniqueDbName, watchProcess } from '../support';
import { nextWarning } from '../support/warnings';

/** The bound on how long any request may take while MongoDB is down. */
const SERVER_SELECTION_MS = 1000;
/** A request still unanswered after this is a hang (status 0): far above the bound, so never a flaky timing check. */
const HANG_MS = SERVER_SELECTION_MS * 8;
const mongoOptions = { serverSelectionTimeoutMS: SERVER_SELECTION_MS, heartbeatFrequencyMS: 500 };

async function ownServer(): Promise<TestMongoServer> {
  const server = new TestMongoServer();
  await server.start();
  onCleanup(() => server.stop());
  return server;
}

async function rawSessions(url: string, dbName: string) {
  const client = await MongoClient.connect(url);
  try {
    return await client.db(dbName).collection<{ _id: string; session: string }>('sessions').find().toArray();
  } finally {
    await client.close();
  }
}

describe('outage under steady Express traffic (own TestMongoServer, stopped until every user has been refused, then started again)', () => {
  it('answers every request (errors during the outage, never a hang), recovers without restarting the app, loses no acknowledged session', async () => {
    const watch = watchProcess();
    const server = await ownServer();
    const url = server.url;
    const dbName = uniqueDbName('outage');
    const store = MongoStore.create({ mongoUrl: url, dbName, mongoOptions });
    onCleanup(() => store.close());
    const counted = countCallbacks(store);
    let setEvents = 0;
    store.on('set', () => (setEvents += 1));
    const app = await startTrafficApp(store);
    onCleanup(() => app.close());

    const users = Array.from({ length: 6 }, (_, i) => ({ name: `user${i}`, http: trafficUser(app.base, HANG_MS), lastAck: -1 }));
    for (const u of users) {
      const r = await u.http.request('POST', `/login/${u.name}`);
      expect(r.status).toBe(200);
      u.lastAck = 0;
    }

    // Phases are numbered so a request is attributed to the outage only if it started after stop()
    // finished and ended before start() began.
    let phase = 0; // 0 before, 1 stopping, 2 down, 3 starting, 4 up again
    const traffic = runTraffic(users, () => phase, { pauseMs: 25 });
    const { log } = traffic;
    onCleanup(() => traffic.stop());

    await vi.waitFor(() => expect(users.every((u) => u.lastAck >= 2)).toBe(true), { timeout: 10_000, interval: 20 });
    const ackedBeforeOutage = new Map(users.map((u) => [u.name, u.lastAck]));
    phase = 1;
    await server.stop();
    phase = 2;
    // Down until every user has sent a request and had its answer while MongoDB was away.
    const refusedWhileDown = (u: { name: string }) => log.some((e) => e.user === u.name && e.from === 2 && e.to === 2);
    await vi.waitFor(() => expect(users.filter((u) => !refusedWhileDown(u))).toEqual([]), { timeout: HANG_MS * 2, interval: 20 });
    phase = 3;
    await server.start();
    phase = 4;
    // Recovery: every user gets a 200 for a request started after the restart, with no app restart.
    await vi.waitFor(
      () => {
        expect(traffic.failures).toEqual([]);
        expect(users.filter((u) => !log.some((e) => e.user === u.name && e.from === 4 && e.reply.status === 200))).toEqual([]);
      },
      { timeout: 20_000, interval: 50 },
    ).catch((err: Error) => {
      // What each user saw since the restart: makes a slow or failed recovery diagnosable from CI logs.
      const seen = log.filter((e) => e.from >= 3).map((e) => `${e.user}:${e.reply.status}:${String(e.reply.body?.error ?? '')}`);
      throw new Error(`no recovery after restart; replies since: ${seen.slice(-30).join(' | ')}`, { cause: err });
    });
    await traffic.stop();
    expect(traffic.failures).toEqual([]);

    // Every request got an answer (no hang), and only 200 or 500.
    expect(log.filter((e) => e.reply.status !== 200 && e.reply.status !== 500)).toEqual([]);
    // While MongoDB was down, every request failed with an error response.
    const duringOutage = log.filter((e) => e.from === 2 && e.to === 2);
    expect(duringOutage.length).toBeGreaterThanOrEqual(users.length);
    expect(duringOutage.filter((e) => e.reply.status !== 500)).toEqual([]);

    // Every session acknowledged before (and after) the outage is still there, at least at its last acknowledged state.
    const docs = await rawSessions(url, dbName);
    expect(docs).toHaveLength(users.length);
    for (const u of users) {
      const doc = docs.find((d) => d._id === u.http.sid);
      expect(doc, u.name).toBeDefined();
      const stored = JSON.parse(doc!.session) as { user: string; n: number };
      expect(stored.user).toBe(u.name);
      expect(stored.n).toBeGreaterThanOrEqual(ackedBeforeOutage.get(u.name)!);
      // A write whose reply was lost to the outage may have been applied: stored n can exceed the last ack.
      expect(stored.n).toBeGreaterThanOrEqual(u.lastAck);
      const me = await u.http.request('GET', '/whoami');
      expect(me).toEqual({ status: 200, body: { user: u.name, n: stored.n } });
    }

    // Every store callback ran exactly once; 'set' was emitted once per acknowledged write, never for a failed one.
    await vi.waitFor(() => expect(counted.pending()).toEqual([]), { timeout: HANG_MS });
    expect(counted.repeated()).toEqual([]);
    const setOk = counted.records.filter((r) => r.method === 'set' && r.args[0][0] == null).length;
    expect(setEvents).toBe(setOk);

    await store.close();
    await watch.expectQuiet();
  });
});

describe('MongoDB down when the store is created, up later (own TestMongoServer)', () => {
  const variants: Array<[string, (url: string, dbName: string) => MongoStore]> = [
    ['a store made from mongoUrl', (url, dbName) => MongoStore.create({ mongoUrl: url, dbName, mongoOptions })],
    [
      'a store given an unconnected client (its failed first connect is retried with connect())',
      (url, dbName) => MongoStore.create({ client: new MongoClient(url, mongoOptions), dbName }),
    ],
  ];
  for (const [name, makeStore] of variants) {
    it(`${name}: errors while down, then works and creates its TTL index without an app restart`, async () => {
      const watch = watchProcess();
      const server = await ownServer();
      const url = server.url;
      await server.stop();
      const dbName = uniqueDbName('late');
      const store = makeStore(url, dbName);
      onCleanup(() => store.close());
      const counted = countCallbacks(store);
      const events: string[] = [];
      for (const e of ['set', 'create', 'update']) store.on(e, () => events.push(e));
      const app = await startTrafficApp(store);
      onCleanup(() => app.close());
      const alice = trafficUser(app.base, HANG_MS);

      for (let i = 0; i < 2; i++) expect((await alice.request('POST', '/login/alice')).status).toBe(500);
      expect(events).toEqual([]);
      // The app has no 'error' listener on the store: its failed first connection is one process warning.
      expect((await nextWarning(CONNECT_FAILED_WARNING)).message).toMatch(/could not connect to MongoDB at /);

      await server.start();
      await vi.waitFor(async () => expect((await alice.request('POST', '/login/alice')).status).toBe(200), {
        timeout: 15_000,
        interval: 100,
      });
      expect(await alice.request('POST', '/bump')).toEqual({ status: 200, body: { user: 'alice', n: 1 } });
      expect(await alice.request('GET', '/whoami')).toEqual({ status: 200, body: { user: 'alice', n: 1 } });
      expect(events).toEqual(['create', 'set', 'update', 'set']);

      const check = await MongoClient.connect(url);
      try {
        const indexes = await check.db(dbName).collection('sessions').indexes();
        expect(indexes.find((ix) => ix.name === 'expires_1')).toMatchObject({ key: { expires: 1 }, expireAfterSeconds: 0 });
      } finally {
        await check.close();
      }

      await vi.waitFor(() => expect(counted.pending()).toEqual([]), { timeout: HANG_MS });
      expect(counted.repeated()).toEqual([]);
      await store.close();
      await watch.expectQuiet();
    });
  }
});
