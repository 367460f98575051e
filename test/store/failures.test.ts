// What goes wrong, and what the store does about it: connection failures (and retries), close(), data that
// cannot be stored, stored data that cannot be read, and concurrent first writes.
import { describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { MongoStore } from '../../src/index';
import type { Sweeper } from '../../src/expiry/sweeper';
import { TestMongoServer } from '../../mongo-server';
import { CONNECT_FAILED_WARNING } from '../../src/connection/failure';
import { asJson, captureUnhandled, commandLog, deadPort, makeSession, makeStore, mongoUrl, rawCollection, sid, track, uniqueDbName } from '../support';
import { nextWarning, warningsFrom } from '../support/warnings';

/** Long enough that no weak-secret warning is printed. */
const LONG_SECRET = 'a failures test secret, 32 bytes or more';

const quickFail = { serverSelectionTimeoutMS: 150, connectTimeoutMS: 150 };

describe('connection failures', () => {
  it('a failed first connection is retried by the next call (not cached forever)', async () => {
    const port = await deadPort();
    const store = track(MongoStore.create({ mongoUrl: `mongodb://127.0.0.1:${port}`, dbName: 'retry', mongoOptions: quickFail }));
    await expect(store.get('a')).rejects.toThrow();
    await expect(store.length()).rejects.toThrow();
    // Nobody listens for 'error': one process warning, however many calls fail.
    expect(await warningsFrom(() => undefined, CONNECT_FAILED_WARNING)).toEqual([expect.objectContaining({ message: expect.stringMatching(/could not connect/) })]);
    const server = new TestMongoServer({ port });
    await server.start();
    try {
      const id = sid();
      await store.set(id, makeSession({ back: 'online' }));
      expect(await store.get(id)).toMatchObject({ back: 'online' });
      await store.close();
    } finally {
      await server.stop();
    }
  });

  it('a connection that fails before any method runs is no unhandled rejection; error listeners hear it', async () => {
    const port = await deadPort();
    const errors: Error[] = [];
    const unhandled = await captureUnhandled(async () => {
      const silent = MongoStore.create({ mongoUrl: `mongodb://127.0.0.1:${port}`, mongoOptions: quickFail });
      const heard = MongoStore.create({ mongoUrl: `mongodb://127.0.0.1:${port}`, mongoOptions: quickFail });
      const reported = new Promise<void>((resolve) =>
        heard.on('error', (e: Error) => {
          errors.push(e);
          resolve();
        }),
      );
      await reported;
      // The silent store's attempt fails too: with nobody listening, as a process warning.
      expect((await nextWarning(CONNECT_FAILED_WARNING)).message).toMatch(/could not connect/);
      await silent.close();
      await heard.close();
    });
    expect(unhandled).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/could not connect/);
  });

  it('a rejecting clientPromise is no unhandled rejection and fails each call with its error', async () => {
    const unhandled = await captureUnhandled(async () => {
      const store = MongoStore.create({ clientPromise: Promise.reject(new Error('mongoose refused')) });
      await new Promise((r) => setImmediate(r));
      await expect(store.get('x')).rejects.toThrow('mongoose refused');
      await expect(store.close()).resolves.toBeUndefined();
    });
    expect(unhandled).toEqual([]);
    expect(await warningsFrom(() => undefined, CONNECT_FAILED_WARNING)).toEqual([
      expect.objectContaining({ message: 'connect-mongo: could not connect to MongoDB (mongoose refused)' }),
    ]);
  });
});

describe('close()', () => {
  it('is idempotent, and later calls fail with a clear error instead of hanging', async () => {
    const { store } = makeStore();
    await store.set(sid(), makeSession());
    const first = store.close();
    const second = store.close();
    await expect(first).resolves.toBeUndefined();
    await expect(second).resolves.toBeUndefined();
    await expect(store.close()).resolves.toBeUndefined();
    for (const call of [
      () => store.get('a'),
      () => store.set('a', makeSession()),
      () => store.touch('a', makeSession()),
      () => store.destroy('a'),
      () => store.all(),
      () => store.length(),
      () => store.clear(),
    ]) {
      await expect(call()).rejects.toThrow(/store is closed/);
    }
    const cbErr = await new Promise<unknown>((resolve) => store.get('a', (e: unknown) => resolve(e)));
    expect(String(cbErr)).toMatch(/store is closed/);
  });

  it('takes an optional callback', async () => {
    const { store } = makeStore();
    const args = await new Promise<unknown[]>((resolve) => store.close((...a: unknown[]) => resolve(a)));
    expect(args).toEqual([null]);
  });

  it('right after create() (connection and index still pending): no timer, no unhandled rejection', async () => {
    const unhandled = await captureUnhandled(async () => {
      for (const autoRemove of ['native', 'interval', 'disabled'] as const) {
        const store = MongoStore.create({ mongoUrl: mongoUrl(), dbName: uniqueDbName(), autoRemove });
        await store.close();
        expect((store as unknown as { sweeper: Sweeper }).sweeper.scheduledDelayMs).toBeUndefined();
      }
      const port = await deadPort();
      const failing = MongoStore.create({ mongoUrl: `mongodb://127.0.0.1:${port}`, mongoOptions: quickFail });
      await failing.close();
    });
    expect(unhandled).toEqual([]);
  });

  it('aborts a connection attempt in flight instead of waiting out server selection', async () => {
    const port = await deadPort();
    const unhandled = await captureUnhandled(async () => {
      // Server selection would take 10 minutes, far beyond the test timeout: close() must not wait for it.
      const slow = { serverSelectionTimeoutMS: 600_000 };
      const own = MongoStore.create({ mongoUrl: `mongodb://127.0.0.1:${port}`, mongoOptions: slow });
      const pendingGet = own.get('x').then(
        () => 'resolved',
        () => 'rejected',
      );
      await own.close();
      expect(await pendingGet).toBe('rejected');
      const given = MongoStore.create({ client: new MongoClient(`mongodb://127.0.0.1:${port}`, slow) });
      await given.close();
    });
    expect(unhandled).toEqual([]);
  });

  it('closes the client the store opened (no pooled connection stays open)', async () => {
    const client = new MongoClient(mongoUrl());
    const closed: string[] = [];
    client.on('topologyClosed', () => closed.push('topology'));
    const store = MongoStore.create({ client, dbName: uniqueDbName() });
    await store.set(sid(), makeSession());
    await store.close();
    expect(closed).toEqual(['topology']);
  });
});

describe('sessions that cannot be stored: a clear error, nothing written', () => {
  async function withExisting(options = {}) {
    const ctx = makeStore(options);
    const id = sid();
    const original = makeSession({ v: 'original' });
    await ctx.store.set(id, original);
    const coll = await ctx.collection();
    const before = await coll.findOne({ _id: id as never });
    return { ...ctx, id, coll, before, original };
  }

  it('a circular reference', async () => {
    const { store, id, coll, before } = await withExisting();
    const s = makeSession({ v: 'new' }) as unknown as Record<string, unknown>;
    s.self = s;
    await expect(store.set(id, s as never)).rejects.toThrow(/could not be serialized/);
    expect(await coll.findOne({ _id: id as never })).toEqual(before);
  });

  it('a BigInt (JSON and BSON modes)', async () => {
    for (const stringify of [true, false]) {
      const { store, id, coll, before } = await withExisting({ stringify });
      await expect(store.set(id, makeSession({ n: 10n }))).rejects.toThrow(TypeError);
      expect(await coll.findOne({ _id: id as never })).toEqual(before);
    }
  });

  it('a serialize that throws', async () => {
    let fail = false;
    const { store, id, coll, before } = await withExisting({
      serialize: (s: object) => {
        if (fail) throw new Error('serializer exploded');
        return { ...s };
      },
    });
    fail = true;
    const err = await store.set(id, makeSession()).catch((e: Error) => e);
    expect((err as Error).message).toBe('serializer exploded'); // the user's own error, as connect-mongo passes it
    expect(await coll.findOne({ _id: id as never })).toEqual(before);
  });

  it('a serialize returning neither a string nor an object', async () => {
    const { store } = makeStore({ serialize: () => 42 as never });
    await expect(store.set(sid(), makeSession())).rejects.toThrow(/`serialize` must return a string or an object/);
  });

  it("a session over MongoDB's 16 MiB document limit", async () => {
    const { store, id, coll, before } = await withExisting();
    await expect(store.set(id, makeSession({ blob: 'x'.repeat(17 * 1024 * 1024) }))).rejects.toThrow(/16 MiB/);
    expect(await coll.findOne({ _id: id as never })).toEqual(before);
  });

  for (const [what, key] of [
    ["a key starting with '$'", '$where'],
    ["a key containing '.'", 'a.b'],
    ['a key containing NUL', 'a\0b'],
  ] as const) {
    it(`stringify: false and ${what}: a clear error (never a lost or changed key)`, async () => {
      const { store, id, coll, before } = await withExisting({ stringify: false });
      const s = makeSession({ nested: { [key]: 1 } });
      await expect(store.set(id, s)).rejects.toThrow(/MongoDB cannot store it with stringify: false/);
      expect(await coll.findOne({ _id: id as never })).toEqual(before);
      // the default JSON mode stores the same key as it is
      const { store: json } = makeStore();
      await json.set(id, s);
      expect(await json.get(id)).toEqual(asJson(s));
    });
  }

  it('stringify: false round-trips ordinary keys, dates and nested arrays', async () => {
    const { store } = makeStore({ stringify: false });
    const id = sid();
    const s = makeSession({ 'key with spaces': 1, ünïcode: 'ok', list: [{ a: [1, 2] }], at: new Date('2031-02-03T04:05:06Z') });
    await store.set(id, s);
    expect(await store.get(id)).toMatchObject({ 'key with spaces': 1, ünïcode: 'ok', list: [{ a: [1, 2] }], at: new Date('2031-02-03T04:05:06Z') });
  });
});

describe('stored data that cannot be read: an error, once, never a session', () => {
  const corrupt: Array<[string, unknown, object?]> = [
    ['invalid JSON', '{"cookie": {"path": "/"'],
    ['a number', 42],
    ['null', null],
    ['JSON of a number', '42'],
    ['JSON of an array', '[1,2]'],
    ['a string in BSON mode', 'just text', { stringify: false }],
    ['an array in BSON mode', [1, 2], { stringify: false }],
    ['undecryptable ciphertext', 'bm90IHJlYWxseSBjaXBoZXJ0ZXh0', { crypto: { secret: LONG_SECRET } }],
    ['an unencrypted JSON string when encryption is on', '{"cookie":{}}', { crypto: { secret: LONG_SECRET } }],
  ];
  for (const [what, value, options] of corrupt) {
    it(`${what}`, async () => {
      const { store, dbName } = makeStore({ autoRemove: 'disabled', ...(options ?? {}) });
      const id = sid();
      await (await rawCollection(dbName)).insertOne({ _id: id as never, session: value, expires: new Date(Date.now() + 60_000) });
      const err = await store.get(id).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/stored session is unreadable/);
      // the error never quotes the stored data
      expect(String((err as Error).message) + String((err as Error).cause ?? '')).not.toContain('cookie');
      let calls = 0;
      const cbErr = await new Promise<unknown>((resolve) =>
        store.get(id, (e: unknown, s?: unknown) => {
          calls += 1;
          expect(s).toBeUndefined();
          setImmediate(() => resolve(e));
        }),
      );
      expect(cbErr).toBeInstanceOf(Error);
      expect(calls).toBe(1);
      await expect(store.all()).rejects.toThrow(/unreadable/);
    });
  }

  it('an unserialize that throws', async () => {
    const { store } = makeStore({
      serialize: (s: object) => JSON.stringify(s),
      unserialize: () => {
        throw new Error('nope');
      },
    });
    const id = sid();
    await store.set(id, makeSession());
    await expect(store.get(id)).rejects.toThrow(/^nope$/);
  });
});

describe('concurrent first writes of one session', () => {
  it('all succeed and leave one document', async () => {
    const { store, collection } = makeStore();
    const id = sid();
    const sessions = Array.from({ length: 25 }, (_, i) => makeSession({ i }));
    await Promise.all(sessions.map((s) => store.set(id, s)));
    expect(await (await collection()).countDocuments({ _id: id as never })).toBe(1);
  });

  it('an upsert answered with duplicate key (11000) once is retried and succeeds (failCommand failpoint)', async () => {
    const server = new TestMongoServer();
    const url = await server.start();
    const admin = new MongoClient(url);
    try {
      const appName = 'dupkey_retry';
      const client = new MongoClient(url, { appName, monitorCommands: true, retryWrites: false });
      let updates = 0;
      client.on('commandStarted', (e) => e.commandName === 'update' && (updates += 1));
      const store = MongoStore.create({ client, dbName: 'dup', autoRemove: 'disabled' });
      await store.length(); // connected before the failpoint is armed
      await admin.db('admin').command({
        configureFailPoint: 'failCommand',
        mode: { times: 1 },
        data: { failCommands: ['update'], errorCode: 11000, appName },
      });
      const created: string[] = [];
      store.on('create', (id: string) => created.push(id));
      const s = makeSession({ won: true });
      await store.set('racer', s);
      expect(updates).toBe(2);
      expect(created).toEqual(['racer']);
      expect(await store.get('racer')).toEqual(asJson(s));
      await store.close();
    } finally {
      await admin.close();
      await server.stop();
    }
  });

  it('a duplicate key error (11000) on the upsert is retried exactly once', async () => {
    const { client, commands: updates } = commandLog({ keep: (e) => e.commandName === 'update' });
    const dbName = uniqueDbName();
    // A unique index on expires makes the insert half of an upsert collide deterministically.
    await client.db(dbName).collection('sessions').createIndex({ expires: 1 }, { unique: true, name: 'unique_expires' });
    const store = MongoStore.create({ client, dbName, autoRemove: 'disabled' });
    const expires = new Date(Date.now() + 60_000);
    await store.set('first', { cookie: { expires } } as never);
    const err = await store.set('second', { cookie: { expires } } as never).catch((e: { code?: number }) => e);
    expect((err as { code?: number }).code).toBe(11000);
    expect(updates.map((u) => u.command.updates[0].q._id)).toEqual(['first', 'second', 'second']);
    await store.close();
  });
});
