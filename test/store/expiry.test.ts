// ttl, cookie expiry, autoRemove ('native' | 'interval' | 'disabled'), autoRemoveInterval, and "never return
// an expired session" whether or not anything has removed it yet.
import { describe, expect, it, vi } from 'vitest';
import { MongoClient } from 'mongodb';
import { MongoStore } from '../../src/index';
import type { Sweeper } from '../../src/expiry/sweeper';
import { TestMongoServer } from '../../mongo-server';
import { makeSession, makeStore, mongoUrl, rawCollection, sid, track, uniqueDbName } from '../support';

const sweeperOf = (store: MongoStore) => (store as unknown as { sweeper: Sweeper }).sweeper;

describe('expires', () => {
  it('defaults to now + 14 days (ttl 1209600 s) when the cookie has no expiry', async () => {
    const { store, collection } = makeStore();
    const id = sid();
    const before = Date.now();
    await store.set(id, makeSession({}, null));
    const after = Date.now();
    const doc = await (await collection()).findOne({ _id: id as never });
    expect(doc!.expires.getTime()).toBeGreaterThanOrEqual(before + 1_209_600_000);
    expect(doc!.expires.getTime()).toBeLessThanOrEqual(after + 1_209_600_000);
  });

  it('uses ttl (seconds) when the cookie has no expiry', async () => {
    const { store, collection } = makeStore({ ttl: 30 });
    const id = sid();
    const before = Date.now();
    await store.set(id, makeSession({}, null));
    const after = Date.now();
    const doc = await (await collection()).findOne({ _id: id as never });
    expect(doc!.expires.getTime()).toBeGreaterThanOrEqual(before + 30_000);
    expect(doc!.expires.getTime()).toBeLessThanOrEqual(after + 30_000);
  });

  it("the cookie's expires wins over ttl (Cookie instance, or its JSON form with a string date)", async () => {
    const { store, collection } = makeStore({ ttl: 30 });
    const s = makeSession({}, 5 * 60_000);
    const a = sid();
    await store.set(a, s);
    const b = sid();
    await store.set(b, JSON.parse(JSON.stringify(s)));
    const docA = await (await collection()).findOne({ _id: a as never });
    const docB = await (await collection()).findOne({ _id: b as never });
    expect(docA!.expires.getTime()).toBe(s.cookie.expires!.getTime());
    expect(docB!.expires.getTime()).toBe(s.cookie.expires!.getTime());
  });

  it('a plain cookie with only maxAge wins over ttl', async () => {
    const { store, collection } = makeStore({ ttl: 30 });
    const id = sid();
    const before = Date.now();
    await store.set(id, { cookie: { maxAge: 120_000 } } as never);
    const after = Date.now();
    const doc = await (await collection()).findOne({ _id: id as never });
    expect(doc!.expires.getTime()).toBeGreaterThanOrEqual(before + 120_000);
    expect(doc!.expires.getTime()).toBeLessThanOrEqual(after + 120_000);
  });
});

describe('expired but not yet removed', () => {
  async function planted() {
    const { store, dbName } = makeStore({ autoRemove: 'disabled' });
    const coll = await rawCollection(dbName);
    const live = sid('live');
    const dead = sid('dead');
    const eternal = sid('eternal');
    await store.set(live, makeSession({ who: 'live' }));
    await coll.insertOne({
      _id: dead as never,
      session: JSON.stringify(makeSession({ who: 'dead' })),
      expires: new Date(Date.now() - 1000),
    });
    // connect-mongo treats a document without expires as live
    await coll.insertOne({ _id: eternal as never, session: JSON.stringify({ cookie: {}, who: 'eternal' }) });
    return { store, coll, live, dead, eternal };
  }

  it('get() returns null for an expired document', async () => {
    const { store, dead, live, eternal } = await planted();
    expect(await store.get(dead)).toBeNull();
    expect(await store.get(live)).toMatchObject({ who: 'live' });
    expect(await store.get(eternal)).toMatchObject({ who: 'eternal' });
  });

  it('all() and length() leave expired documents out', async () => {
    const { store } = await planted();
    const all = (await store.all()) as unknown as Array<{ who: string }>;
    expect(all.map((s) => s.who).sort()).toEqual(['eternal', 'live']);
    expect(await store.length()).toBe(2);
  });

  it('touch() does not revive an expired document', async () => {
    const { store, coll, dead } = await planted();
    await store.touch(dead, makeSession({}, 60 * 60_000));
    const doc = await coll.findOne({ _id: dead as never });
    expect(doc!.expires.getTime()).toBeLessThan(Date.now());
    expect(await store.get(dead)).toBeNull();
  });
});

describe("autoRemove 'native'", () => {
  it('creates the TTL index expires_1 { expires: 1 } with expireAfterSeconds 0', async () => {
    const { store, collection } = makeStore();
    await store.length(); // the index is created before the first call completes
    const index = (await (await collection()).indexes()).find((i) => i.name === 'expires_1');
    expect(index).toMatchObject({ key: { expires: 1 }, expireAfterSeconds: 0 });
  });

  it("lets MongoDB's TTL monitor remove expired sessions", async () => {
    const server = new TestMongoServer({ ttlMonitorSleepSecs: 1 });
    const url = await server.start();
    try {
      const store = MongoStore.create({ mongoUrl: url, dbName: 'ttl' });
      const id = sid();
      await store.set(id, { cookie: { expires: new Date(Date.now() + 200) } } as never);
      const client = await MongoClient.connect(url);
      try {
        await vi.waitFor(async () => expect(await client.db('ttl').collection('sessions').countDocuments()).toBe(0), {
          timeout: 10_000,
          interval: 100,
        });
      } finally {
        await client.close();
        await store.close();
      }
    } finally {
      await server.stop();
    }
  });

  it('a failing TTL index creation is reported through an error event and sessions keep working', async () => {
    const dbName = uniqueDbName();
    // An existing expires_1 with other options makes createIndex fail (IndexOptionsConflict), as on a
    // database where the index was made by hand, or where the user may not create indexes.
    await (await rawCollection(dbName)).createIndex({ expires: 1 }, { expireAfterSeconds: 3600 });
    const store = track(MongoStore.create({ mongoUrl: mongoUrl(), dbName }));
    const errors: Error[] = [];
    store.on('error', (e: Error) => errors.push(e));
    const id = sid();
    await store.set(id, makeSession({ still: 'works' }));
    expect(await store.get(id)).toMatchObject({ still: 'works' });
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/TTL index/);
  });

  it('a TTL index refused for lack of permission (Unauthorized, as on a restricted user or Cosmos DB): reported, sessions work', async () => {
    const server = new TestMongoServer();
    const url = await server.start();
    const admin = new MongoClient(url);
    try {
      const appName = 'no_index_permission';
      await admin.db('admin').command({
        configureFailPoint: 'failCommand',
        mode: 'alwaysOn',
        data: { failCommands: ['createIndexes'], errorCode: 13, appName },
      });
      const store = MongoStore.create({ mongoUrl: url, dbName: 'perm', mongoOptions: { appName } });
      const errors: Error[] = [];
      store.on('error', (e: Error) => errors.push(e));
      const id = sid();
      await store.set(id, makeSession({ ok: 1 }));
      expect(await store.get(id)).toMatchObject({ ok: 1 });
      expect(await store.length()).toBe(1);
      expect(errors).toHaveLength(1);
      expect((errors[0].cause as { code?: number }).code).toBe(13);
      await store.close();
    } finally {
      await admin.db('admin').command({ configureFailPoint: 'failCommand', mode: 'off' });
      await admin.close();
      await server.stop();
    }
  });

  it('without an error listener a failing index creation throws nothing', async () => {
    const dbName = uniqueDbName();
    await (await rawCollection(dbName)).createIndex({ expires: 1 }, { expireAfterSeconds: 3600 });
    const store = track(MongoStore.create({ mongoUrl: mongoUrl(), dbName }));
    const id = sid();
    await store.set(id, makeSession({ still: 'works' }));
    expect(await store.get(id)).toMatchObject({ still: 'works' });
  });
});

describe("autoRemove 'disabled' and 'interval'", () => {
  it("'disabled' creates no index and no timer", async () => {
    const { store, collection } = makeStore({ autoRemove: 'disabled' });
    await store.set(sid(), makeSession());
    const names = (await (await collection()).indexes()).map((i) => i.name);
    expect(names).toEqual(['_id_']);
    expect(sweeperOf(store).scheduledDelayMs).toBeUndefined();
  });

  it("'interval' creates no index and deletes expired sessions every autoRemoveInterval minutes", async () => {
    // 0.001 minutes = 60 ms, so that the sweep is observable within the test
    const { store, dbName, collection } = makeStore({ autoRemove: 'interval', autoRemoveInterval: 0.001 });
    expect(sweeperOf(store).scheduledDelayMs).toBe(60);
    const live = sid();
    await store.set(live, makeSession());
    const coll = await rawCollection(dbName);
    await coll.insertOne({ _id: 'expired' as never, session: '{}', expires: new Date(Date.now() - 1000) });
    await vi.waitFor(async () => expect(await coll.countDocuments({ _id: 'expired' as never })).toBe(0), { timeout: 10_000, interval: 50 });
    expect(await coll.countDocuments({ _id: live as never })).toBe(1);
    const names = (await (await collection()).indexes()).map((i) => i.name);
    expect(names).toEqual(['_id_']);
  });

  it('the default autoRemoveInterval is 10 minutes', () => {
    const { store } = makeStore({ autoRemove: 'interval' });
    expect(sweeperOf(store).scheduledDelayMs).toBe(10 * 60_000);
  });

  it("intervals beyond Node's timer limit (2^31-1 ms, ~35791 min) are chained, never overflowed", async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const { store } = makeStore({ autoRemove: 'interval', autoRemoveInterval: 71582 });
      expect(sweeperOf(store).options.intervalMs).toBe(71582 * 60_000);
      expect(sweeperOf(store).scheduledDelayMs).toBe(2 ** 31 - 1);
      // An overflowing delay is replaced by 1 ms with a TimeoutOverflowWarning when the timer is made, which
      // the next tick delivers.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([]);
      expect(sweeperOf(store).scheduledDelayMs).toBe(2 ** 31 - 1);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('close() stops the timer', async () => {
    const { store } = makeStore({ autoRemove: 'interval' });
    expect(sweeperOf(store).scheduledDelayMs).toBeDefined();
    await store.close();
    expect(sweeperOf(store).scheduledDelayMs).toBeUndefined();
  });
});
