// What a new user meets in the first hour: an unreachable MongoDB says where and why (on 'error', or once as
// a process warning when nobody listens), a Mongoose object in the wrong place says what to pass, an option
// typo names the option it resembles, and a Mongoose client bundling another driver version just works.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import mongoose from 'mongoose';
import { MongoStore, type MongoClientLike } from '../../src/index';
import { CONNECT_FAILED_WARNING } from '../../src/connection/failure';
import { closestName } from '../../src/option-checks';
import { KNOWN_OPTIONS, UNKNOWN_OPTION_WARNING, unknownOptionMessage } from '../../src/unknown-options';
import { captureUnhandled, makeSession, mongoUrl, sid, track, uniqueDbName } from '../support';
import { takeWarnings } from '../support/warnings';

const quickFail = { serverSelectionTimeoutMS: 300, connectTimeoutMS: 300 };
const settle = () => new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on the next tick
const withCode = (code: string) => takeWarnings(code);

/** Resolves the first 'error' the store emits. */
const nextError = (store: MongoStore) => new Promise<Error>((resolve) => store.once('error', resolve));

describe('an unreachable MongoDB', () => {
  it("the 'error' event says where and why (host, reason), never the password", async () => {
    const store = MongoStore.create({ mongoUrl: 'mongodb://admin:s3cr3t-pw@127.0.0.1:1/app', mongoOptions: quickFail });
    track(store);
    const error = await nextError(store);
    expect(error.message).toMatch(/^connect-mongo: could not connect to MongoDB at 127\.0\.0\.1:1 \(connect ECONNREFUSED 127\.0\.0\.1:1\)$/);
    expect(error.message).not.toContain('s3cr3t-pw');
    expect((error.cause as Error).name).toBe('MongoNetworkError');
    await settle();
    expect(withCode(CONNECT_FAILED_WARNING)).toEqual([]); // heard, so no warning
  });

  it('says so as soon as the first check of every host fails, not when server selection gives up', async () => {
    // Server selection would wait a minute; the first check of a closed port fails at once.
    const store = track(MongoStore.create({ mongoUrl: 'mongodb://127.0.0.1:1/app', mongoOptions: { serverSelectionTimeoutMS: 60_000 } }));
    const pending = store.get(sid()).catch((err: Error) => err);
    const error = await nextError(store);
    expect(error.message).toBe('connect-mongo: could not connect to MongoDB at 127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1)');
    expect((error.cause as Error).name).toBe('MongoNetworkError');
    await store.close(); // aborts the attempt still waiting for a server
    expect(await pending).toBeInstanceOf(Error);
  });

  it('names each host of a seed list with its own reason', async () => {
    const store = track(MongoStore.create({ mongoUrl: 'mongodb://127.0.0.1:1,127.0.0.1:2/app', mongoOptions: quickFail }));
    const { message } = await nextError(store);
    expect(message).toContain('127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1)');
    expect(message).toContain('127.0.0.1:2 (connect ECONNREFUSED 127.0.0.1:2)');
  });

  it('with no error listener: one process warning with a code, however many calls fail, and no unhandled rejection', async () => {
    const unhandled = await captureUnhandled(async () => {
      const store = track(MongoStore.create({ mongoUrl: 'mongodb://user:hunter2@127.0.0.1:1/app', mongoOptions: quickFail }));
      await expect(store.get(sid())).rejects.toThrow(/ECONNREFUSED/);
      await expect(store.set(sid(), makeSession())).rejects.toThrow(/ECONNREFUSED/);
      await settle();
    });
    expect(unhandled).toEqual([]);
    const said = withCode(CONNECT_FAILED_WARNING);
    expect(said).toHaveLength(1);
    expect(said[0].message).toBe('connect-mongo: could not connect to MongoDB at 127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1)');
    expect(String((said[0] as { detail?: string }).detail)).toMatch(/'error' event.*serverSelectionTimeoutMS/);
    expect(JSON.stringify(said[0])).not.toContain('hunter2');
  });

  it('a `client` that cannot connect is named by its hosts too', async () => {
    const { MongoClient } = await import('mongodb');
    const store = track(MongoStore.create({ client: new MongoClient('mongodb://127.0.0.1:1', quickFail) }));
    expect((await nextError(store)).message).toMatch(/at 127\.0\.0\.1:1 \(connect ECONNREFUSED/);
  });

  it('a store closed before its connection fails reports nothing', async () => {
    const store = MongoStore.create({ mongoUrl: 'mongodb://127.0.0.1:1/app', mongoOptions: quickFail });
    await store.close(); // aborts the connection attempt, and resolves only once it has failed
    await settle();
    expect(withCode(CONNECT_FAILED_WARNING)).toEqual([]);
  });
});

describe('Mongoose objects where a MongoClient belongs', () => {
  it("a Mongoose Connection through `clientPromise`: the 'error' event and every call say to resolve getClient()", async () => {
    const connection = mongoose.createConnection(`${mongoUrl()}/${uniqueDbName()}`);
    try {
      const store = track(MongoStore.create({ clientPromise: connection.asPromise() as never }));
      const error = await nextError(store);
      const expected = /^connect-mongo: option `clientPromise` resolved to a Mongoose Connection, not a MongoClient: resolve it to `connection\.getClient\(\)`/;
      expect(error.message).toMatch(expected);
      await expect(store.get(sid())).rejects.toThrow(expected);
      // Through `client`, the same object gets the same diagnosis, at once.
      expect(() => MongoStore.create({ client: connection as never })).toThrow(/`client` is a Mongoose Connection, not a MongoClient: pass `connection\.getClient\(\)`/);
    } finally {
      await connection.close();
    }
  });

  it('the Mongoose instance through `clientPromise` (`clientPromise: mongoose.connect(url)`) says how to get its client', async () => {
    const store = track(MongoStore.create({ clientPromise: Promise.resolve(mongoose) as never }));
    const { message } = await nextError(store);
    expect(message).toContain('option `clientPromise` resolved to a Mongoose instance, not a MongoClient');
    expect(message).toContain('mongoose.connect(url).then((m) => m.connection.getClient())');
  });
});

describe('a Mongoose client carrying another driver version', () => {
  it('Mongoose 8 (its own mongodb 6) serves sessions through `clientPromise`, and closeClient: false leaves it open', async () => {
    // Loaded at run time: Mongoose's declarations are global (`declare module 'mongoose'`), so two copies
    // cannot be type-checked in one program; the package smoke tests compile each one on its own.
    const require = createRequire(import.meta.url);
    const mongoose8 = require('mongoose8') as {
      version: string;
      createConnection(url: string): { asPromise(): Promise<{ getClient(): MongoClientLike }>; close(): Promise<void> };
    };
    expect(mongoose8.version).toMatch(/^8\./);
    const connection = mongoose8.createConnection(`${mongoUrl()}/${uniqueDbName('m8')}`);
    try {
      const clientPromise = connection.asPromise().then((c) => c.getClient());
      const driver = (await clientPromise) as unknown as { db(): { command(c: object): Promise<unknown> } };
      expect(createRequire(require.resolve('mongoose8'))('mongodb/package.json').version).toMatch(/^6\./);
      const store = MongoStore.create({ clientPromise, closeClient: false });
      const id = sid();
      await store.set(id, makeSession({ user: 'ada' }));
      expect(await store.get(id)).toMatchObject({ user: 'ada' });
      expect(await store.length()).toBe(1);
      await store.close();
      await expect(driver.db().command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
    } finally {
      await connection.close();
    }
  });
});

describe('an unknown option', () => {
  it('gets one warning per key, naming the option it most likely meant; the store still works', async () => {
    const dbName = uniqueDbName();
    const options = { mongoUrl: mongoUrl(), dbName, ttL: 60, stringfy: false, autoremove: 'interval' };
    track(MongoStore.create(options as never));
    track(MongoStore.create(options as never)); // same keys again: no second warning
    await settle();
    expect(withCode(UNKNOWN_OPTION_WARNING).map((w) => w.message)).toEqual([
      'connect-mongo: unknown option `ttL` is ignored: did you mean `ttl`?',
      'connect-mongo: unknown option `stringfy` is ignored: did you mean `stringify`?',
      'connect-mongo: unknown option `autoremove` is ignored: did you mean `autoRemove`?',
    ]);
  });

  it('a mistyped connection option is named in the missing-connection error too (a warning may never print)', () => {
    expect(() => MongoStore.create({ mongourl: 'mongodb://127.0.0.1/app' } as never)).toThrow(
      /^connect-mongo: You must provide either mongoUrl\|clientPromise\|client in options \(.*; option `mongourl` looks like a typo of `mongoUrl`\)$/,
    );
  });

  it("connect-mongo 3's connection options get their replacement named in the thrown error", () => {
    const missing = /^connect-mongo: You must provide either mongoUrl\|clientPromise\|client in options \(/;
    const create = (options: object) => () => MongoStore.create(options as never);
    expect(create({ url: 'mongodb://127.0.0.1/app' })).toThrow(missing);
    expect(create({ url: 'mongodb://127.0.0.1/app' })).toThrow('option `url` is a connect-mongo 3 option: use `mongoUrl`)');
    expect(create({ mongooseConnection: {} })).toThrow('option `mongooseConnection` is a connect-mongo 3 option: use `client: mongoose.connection.getClient()`)');
    expect(create({ db: {}, collection: 'sessions' })).toThrow('option `db` is a connect-mongo 3 option: use `client` (or `clientPromise`) and `dbName`)');
  });

  it("connect-mongo 3's options point at their replacement; unrelated keys are only called unknown", () => {
    expect(unknownOptionMessage('url')).toBe('connect-mongo: unknown option `url` is ignored: a connect-mongo 3 option; use `mongoUrl`');
    expect(unknownOptionMessage('mongooseConnection')).toContain('`client: mongoose.connection.getClient()`');
    expect(unknownOptionMessage('somethingElse')).toBe('connect-mongo: unknown option `somethingElse` is ignored');
  });

  it('every option of ConnectMongoOptions, and the ones being added, is known', () => {
    for (const key of ['mongoUrl', 'clientPromise', 'client', 'userId', 'destroyGrace', 'maxLifetime', 'disableTouch', 'closeClient', 'hashSessionIds']) {
      expect(unknownOptionMessage(key)).toBeNull();
    }
    for (const key of ['onDecryptError', 'reencryptOnRead', 'bindToId', 'createAutoRemoveIdx']) expect(KNOWN_OPTIONS).toContain(key);
  });

  it('typo matching: case slips, one edit per four characters, swapped neighbours; nothing far-fetched', () => {
    expect(closestName('MONGOURL', KNOWN_OPTIONS)).toBe('mongoUrl');
    expect(closestName('tll', KNOWN_OPTIONS)).toBe('ttl');
    expect(closestName('colectionName', KNOWN_OPTIONS)).toBe('collectionName');
    expect(closestName('touchAftre', KNOWN_OPTIONS)).toBe('touchAfter');
    expect(closestName('url', KNOWN_OPTIONS)).toBeUndefined();
    expect(closestName('session', KNOWN_OPTIONS)).toBeUndefined();
  });
});
