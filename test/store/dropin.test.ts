// connect-mongo 6.0.0's observable behaviour where apps and its own test suite depend on it: the public
// `collectionP`, its error wording, odd `touch()` input, user serializers, the sweep timer, per-call write
// options and the arguments of the `touch` and `all` events.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MongoStore, type ConnectMongoOptions } from '../../src/index';
import { TestMongoServer } from '../../mongo-server';
import { CONNECT_FAILED_WARNING } from '../../src/connection/failure';
import { commandLog, deadPort, makeSession, makeStore, mongoUrl, sid, track, uniqueDbName } from '../support';
import { nextWarning } from '../support/warnings';

const MISSING_CONNECTION = /You must provide either mongoUrl\|clientPromise\|client in options/;

describe('collectionP', () => {
  it('resolves to the sessions collection, whose documents the store reads', async () => {
    const { store, dbName } = makeStore({ collectionName: 'my_sessions' });
    const collection = await store.collectionP;
    expect(collection.namespace).toBe(`${dbName}.my_sessions`);
    const id = sid();
    await collection.insertOne({ _id: id, session: JSON.stringify({ planted: true }), expires: new Date(Date.now() + 60_000) });
    expect(await store.get(id)).toEqual({ planted: true });
    const indexes = await collection.listIndexes().toArray();
    expect(indexes.some((index) => index.name === 'expires_1')).toBe(true);
  });

  it('is the same collection on every read, and resolves after a failed first connection once MongoDB is up', async () => {
    const port = await deadPort();
    const store = track(
      MongoStore.create({
        mongoUrl: `mongodb://127.0.0.1:${port}`,
        dbName: 'late',
        mongoOptions: { serverSelectionTimeoutMS: 150, connectTimeoutMS: 150 },
      }),
    );
    await expect(store.collectionP).rejects.toThrow();
    expect((await nextWarning(CONNECT_FAILED_WARNING)).message).toMatch(/could not connect/); // nobody listens for 'error'
    const server = new TestMongoServer({ port });
    await server.start();
    try {
      const collection = await store.collectionP;
      expect(collection.namespace).toBe('late.sessions');
      expect(await store.collectionP).toBe(collection);
      await store.close();
    } finally {
      await server.stop();
    }
  });
});

describe("connect-mongo's error wording", () => {
  const adapter = { encrypt: async (s: string) => s, decrypt: async (s: string) => s };
  const cases: Array<[string, () => Record<string, unknown>, RegExp]> = [
    ['no connection option', () => ({}), MISSING_CONNECTION],
    ['mongoUrl: undefined', () => ({ mongoUrl: undefined }), MISSING_CONNECTION],
    ['clientPromise: undefined', () => ({ clientPromise: undefined }), MISSING_CONNECTION],
    ['client: undefined', () => ({ client: undefined }), MISSING_CONNECTION],
    ['all three null', () => ({ mongoUrl: null, clientPromise: null, client: null }), MISSING_CONNECTION],
    [
      'crypto and cryptoAdapter',
      () => ({ mongoUrl: mongoUrl(), crypto: { secret: 'a' }, cryptoAdapter: adapter }),
      /Provide either the legacy crypto option or cryptoAdapter, not both/,
    ],
    [
      'createAutoRemoveIdx',
      () => ({ mongoUrl: mongoUrl(), createAutoRemoveIdx: true }),
      /options\.createAutoRemoveIdx has been reverted to autoRemove and autoRemoveInterval/,
    ],
    [
      'autoRemoveInterval over 71582 minutes',
      () => ({ mongoUrl: mongoUrl(), autoRemoveInterval: 71_583 }),
      /autoRemoveInterval is too large\. options\.autoRemoveInterval is in minutes but not seconds nor mills/,
    ],
  ];
  for (const [what, options, message] of cases) {
    it(`${what}: the message contains connect-mongo's text`, () => {
      expect(() => track(MongoStore.create(options() as ConnectMongoOptions))).toThrow(message);
    });
  }
});

describe('touch() with a session that is not an object', () => {
  it('accepts the stored JSON string and extends the expiry by ttl', async () => {
    const { store, collection } = makeStore({ ttl: 3600 });
    const id = sid();
    await store.set(id, makeSession({ n: 1 }, 60_000));
    const before = await (await collection()).findOne({ _id: id as never });
    const started = Date.now();
    await store.touch(id, before!.session as never);
    const after = await (await collection()).findOne({ _id: id as never });
    expect(after!.expires.getTime()).toBeGreaterThanOrEqual(started + 3600_000);
    expect(after!.expires.getTime()).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect(after!.session).toBe(before!.session);
  });

  it('through a callback, called once without an error', async () => {
    const { store } = makeStore();
    const id = sid();
    await store.set(id, makeSession());
    const calls: unknown[][] = [];
    await new Promise<void>((resolve) =>
      store.touch(id, 'not a session' as never, (...args: unknown[]) => {
        calls.push(args);
        resolve();
      }),
    );
    await store.length(); // a round trip to MongoDB after it: a second call, had there been one, came first
    expect(calls).toEqual([[null]]);
  });
});

describe('user serializers', () => {
  it('an error thrown by serialize reaches the caller as that same error', async () => {
    const thrown = new Error('my serializer refuses');
    const { store } = makeStore({
      serialize: () => {
        throw thrown;
      },
    });
    await expect(store.set(sid(), makeSession())).rejects.toBe(thrown);
    const viaCallback = await new Promise((resolve) => store.set(sid(), makeSession(), resolve));
    expect(viaCallback).toBe(thrown);
  });

  it('an error thrown by unserialize reaches the caller as that same error', async () => {
    const thrown = new Error('my unserializer refuses');
    const { store } = makeStore({
      unserialize: () => {
        throw thrown;
      },
    });
    const id = sid();
    await store.set(id, makeSession());
    await expect(store.get(id)).rejects.toBe(thrown);
  });

  it('serialize without unserialize: get() and all() return the stored value as it is', async () => {
    const { store } = makeStore({ serialize: (s) => JSON.stringify({ ...s, ice: 'serializer' }) });
    const id = sid();
    const session = makeSession({ n: 1 });
    await store.set(id, session);
    const expected = JSON.stringify({ ...session, ice: 'serializer' });
    expect(await store.get(id)).toBe(expected);
    expect(await store.all()).toEqual([expected]);
  });
});

describe("autoRemove: 'interval'", () => {
  afterEach(() => vi.restoreAllMocks());

  it('sweeps on a setInterval of autoRemoveInterval minutes, cleared by close()', async () => {
    const setSpy = vi.spyOn(globalThis, 'setInterval');
    const clearSpy = vi.spyOn(globalThis, 'clearInterval');
    const { store } = makeStore({ autoRemove: 'interval', autoRemoveInterval: 7 });
    await store.collectionP;
    const calls = setSpy.mock.calls.filter(([, ms]) => ms === 7 * 60_000);
    expect(calls).toHaveLength(1);
    const timer = setSpy.mock.results[setSpy.mock.calls.indexOf(calls[0])].value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    await store.close();
    expect(clearSpy).toHaveBeenCalledWith(timer);
  });
});

describe('writeOperationOptions', () => {
  it('go with each write command, and the collection itself keeps the client’s write concern', async () => {
    const { client, commands: started } = commandLog();
    const dbName = uniqueDbName('wopts');
    const store = track(MongoStore.create({ client, dbName, writeOperationOptions: { w: 1, wtimeoutMS: 4321 } }));
    const collection = await store.collectionP;
    expect(collection.writeConcern?.wtimeoutMS).toBeUndefined();
    const ids = [sid(), sid(), sid()];
    await store.set(ids[0], makeSession());
    await Promise.all(ids.map((id) => store.set(id, makeSession()))); // one shared bulk update
    await store.touch(ids[0], makeSession());
    await store.destroy(ids[0]);
    await Promise.all(ids.slice(1).map((id) => store.destroy(id)));
    await store.clear();
    const writes = started.filter((e) => ['update', 'delete'].includes(e.commandName));
    expect(writes.length).toBeGreaterThanOrEqual(6);
    for (const e of writes) expect(e.command.writeConcern).toMatchObject({ w: 1, wtimeout: 4321 });
    const createIndexes = started.find((e) => e.commandName === 'createIndexes');
    expect(createIndexes?.command.writeConcern).toBeUndefined();
  });
});

describe('events carry what connect-mongo passes', () => {
  it("'touch' gets (sid, session) and 'all' gets the sessions returned", async () => {
    const { store } = makeStore();
    const id = sid();
    await store.set(id, makeSession({ n: 1 }));
    const touched: unknown[][] = [];
    const listed: unknown[][] = [];
    store.on('touch', (...args: unknown[]) => touched.push(args));
    store.on('all', (...args: unknown[]) => listed.push(args));
    const session = makeSession({ n: 1 });
    await store.touch(id, session);
    const all = await store.all();
    expect(touched).toEqual([[id, session]]);
    expect(touched[0][1]).toBe(session);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toHaveLength(1);
    expect(listed[0][0]).toBe(all);
  });
});
