// Option validation (table-driven, at create() time) and the effect of every option that is not about
// expiry or encryption (see expiry.test.ts and crypto.test.ts).
import { describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import mongoose from 'mongoose';
import { MongoStore, createWebCryptoAdapter, type ConnectMongoOptions } from '../../src/index';
import { TestMongoServer } from '../../mongo-server';
import { CONNECT_FAILED_WARNING } from '../../src/connection/failure';
import { asJson, clockPast, commandLog, makeSession, makeStore, mongoUrl, rawCollection, sid, track, uniqueDbName } from '../support';
import { nextWarning } from '../support/warnings';

describe('validation at create()', () => {
  const url = () => mongoUrl();
  // [description, options (besides mongoUrl), error class, message pattern]
  const cases: Array<[string, Record<string, unknown>, ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor, RegExp]> = [
    ['mongoUrl not a string', { mongoUrl: 42 }, TypeError, /`mongoUrl` must be a non-empty string/],
    ['mongoUrl empty', { mongoUrl: '' }, TypeError, /`mongoUrl`/],
    ['mongoUrl malformed', { mongoUrl: 'http://nope' }, TypeError, /`mongoUrl`/],
    ['mongoOptions not an object', { mongoOptions: 'x' }, TypeError, /`mongoOptions` must be an object/],
    ['mongoOptions rejected by the driver', { mongoOptions: { maxPoolSize: -1 } }, TypeError, /`mongoOptions`/],
    ['clientPromise not a promise', { mongoUrl: undefined, clientPromise: {} }, TypeError, /`clientPromise` must be a Promise/],
    ['client not a client', { mongoUrl: undefined, client: {} }, TypeError, /`client` must be a MongoClient/],
    ['client a string', { mongoUrl: undefined, client: 'mongodb://x' }, TypeError, /`client` must be a MongoClient/],
    ['dbName not a string', { dbName: 3 }, TypeError, /`dbName`/],
    ['collectionName empty', { collectionName: '' }, TypeError, /`collectionName`/],
    ['collectionName with $', { collectionName: 'a$b' }, TypeError, /`collectionName`/],
    ['writeOperationOptions not an object', { writeOperationOptions: 1 }, TypeError, /`writeOperationOptions`/],
    ['readPreference not a mode', { readPreference: 'fastest' }, TypeError, /`readPreference` must be a ReadPreference or one of 'primary'/],
    ['readPreference an object without a mode', { readPreference: { tags: [] } }, TypeError, /`readPreference`/],
    ['ttl a string', { ttl: '3600' }, TypeError, /`ttl` must be a number/],
    ['ttl zero', { ttl: 0 }, RangeError, /`ttl` must be greater than 0/],
    ['ttl negative', { ttl: -5 }, RangeError, /`ttl`/],
    ['ttl NaN', { ttl: NaN }, TypeError, /`ttl`/],
    ['ttl Infinity', { ttl: Infinity }, RangeError, /`ttl`/],
    ['autoRemove unknown', { autoRemove: 'sometimes' }, TypeError, /`autoRemove` must be one of 'native', 'interval', 'disabled'/],
    ['autoRemoveInterval a string', { autoRemoveInterval: '10' }, TypeError, /`autoRemoveInterval`/],
    ['autoRemoveInterval zero', { autoRemove: 'interval', autoRemoveInterval: 0 }, RangeError, /`autoRemoveInterval`/],
    ['autoRemoveInterval over 71582 minutes', { autoRemoveInterval: 71583 }, RangeError, /`autoRemoveInterval` .*at most 71582/],
    ['createAutoRemoveIdx (removed)', { createAutoRemoveIdx: true }, TypeError, /`createAutoRemoveIdx` was removed/],
    ['createAutoRemoveIdx false (removed)', { createAutoRemoveIdx: false }, TypeError, /`createAutoRemoveIdx`/],
    ['touchAfter negative', { touchAfter: -1 }, RangeError, /`touchAfter`/],
    ['touchAfter a string', { touchAfter: '60' }, TypeError, /`touchAfter`/],
    ['stringify not a boolean', { stringify: 'false' }, TypeError, /`stringify` must be a boolean/],
    ['timestamps not a boolean', { timestamps: 1 }, TypeError, /`timestamps` must be a boolean/],
    ['serialize not a function', { serialize: 'JSON' }, TypeError, /`serialize` must be a function/],
    ['unserialize not a function', { unserialize: {} }, TypeError, /`unserialize` must be a function/],
    ['transformId not a function', { transformId: 'md5' }, TypeError, /`transformId` must be a function/],
    ['crypto not an object', { crypto: 'secret' }, TypeError, /`crypto` must be an object/],
    ['crypto without a secret', { crypto: {} }, TypeError, /`crypto`.*secret/],
    ['crypto with an empty secret', { crypto: { secret: '' } }, TypeError, /`crypto`.*secret/],
    ['cryptoAdapter without methods', { cryptoAdapter: { encrypt: () => '' } }, TypeError, /`cryptoAdapter` must be an object/],
    ['crypto and cryptoAdapter together', { crypto: { secret: 'a' }, cryptoAdapter: { encrypt: async () => '', decrypt: async () => '' } }, TypeError, /`crypto` and `cryptoAdapter`/],
  ];

  for (const [name, extra, ErrorClass, pattern] of cases) {
    it(`${name}: ${ErrorClass.name} naming the option`, () => {
      const create = () => MongoStore.create({ mongoUrl: url(), ...extra } as ConnectMongoOptions);
      expect(create).toThrow(ErrorClass);
      expect(create).toThrow(pattern);
    });
  }

  it('no connection option: an error naming mongoUrl, clientPromise and client', () => {
    expect(() => MongoStore.create({} as ConnectMongoOptions)).toThrow(/`mongoUrl`, `clientPromise` or `client` is required/);
    expect(() => new MongoStore({ dbName: 'x' })).toThrow(TypeError);
    expect(() => new MongoStore(undefined as never)).toThrow(/options must be an object/);
  });

  it('an adapter without a secret fails when it is created', () => {
    expect(() => createWebCryptoAdapter({ secret: '' })).toThrow(/secret/);
    expect(() => createWebCryptoAdapter({} as never)).toThrow(/secret/);
  });

  it('crypto with secret: false means no encryption', async () => {
    const { store, collection } = makeStore({ crypto: { secret: false } });
    const s = makeSession({ plain: 'yes' });
    const id = sid();
    await store.set(id, s);
    const doc = await (await collection()).findOne({ _id: id as never });
    expect(JSON.parse(doc!.session)).toEqual(asJson(s));
  });

  it('autoRemoveInterval 71582 (the maximum) is accepted', () => {
    const store = track(MongoStore.create({ mongoUrl: mongoUrl(), autoRemove: 'interval', autoRemoveInterval: 71582, dbName: uniqueDbName() }));
    expect(store).toBeInstanceOf(MongoStore);
  });

  it('a Mongoose Connection passed as client fails with a message saying to pass getClient()', async () => {
    const conn = mongoose.createConnection(`${mongoUrl()}/${uniqueDbName()}`);
    try {
      expect(() => MongoStore.create({ client: conn as never })).toThrow(/Mongoose Connection.*connection\.getClient\(\)/);
      expect(() => MongoStore.create({ client: mongoose as never })).toThrow(/mongoose\.connection\.getClient\(\)/);
    } finally {
      await conn.close();
    }
  });

  it('a clientPromise that resolves to something other than a MongoClient fails every call clearly', async () => {
    const store = track(MongoStore.create({ clientPromise: Promise.resolve({ not: 'a client' }) as never }));
    await expect(store.get('x')).rejects.toThrow(/`clientPromise` resolved to .*MongoClient/);
    // Nobody listens for 'error': the same words as a process warning.
    expect((await nextWarning(CONNECT_FAILED_WARNING)).message).toMatch(/`clientPromise` resolved to .*MongoClient/);
  });
});

describe('connection options', () => {
  it('mongoUrl: dbName defaults to the database in the URL; collectionName defaults to sessions', async () => {
    const dbName = uniqueDbName();
    const store = track(MongoStore.create({ mongoUrl: `${mongoUrl()}/${dbName}` }));
    const id = sid();
    await store.set(id, makeSession());
    expect(await (await rawCollection(dbName, 'sessions')).countDocuments({ _id: id as never })).toBe(1);
  });

  it('dbName and collectionName choose where documents go', async () => {
    const { store, dbName } = makeStore({ collectionName: 'my_sessions' });
    const id = sid();
    await store.set(id, makeSession());
    expect(await (await rawCollection(dbName, 'my_sessions')).countDocuments({ _id: id as never })).toBe(1);
    expect(await (await rawCollection(dbName, 'sessions')).countDocuments()).toBe(0);
  });

  it('mongoOptions reach the client the store opens (credentials)', async () => {
    const server = new TestMongoServer({ users: [{ user: 'app', password: 'pw-123' }] });
    const url = await server.start();
    try {
      const withAuth = MongoStore.create({ mongoUrl: url, dbName: 'd', mongoOptions: { auth: { username: 'app', password: 'pw-123' } } });
      const id = sid();
      await withAuth.set(id, makeSession({ ok: 1 }));
      expect(await withAuth.get(id)).toMatchObject({ ok: 1 });
      await withAuth.close();
      const without = MongoStore.create({ mongoUrl: url, dbName: 'd', autoRemove: 'disabled' });
      await expect(without.get(id)).rejects.toThrow();
      await without.close();
    } finally {
      await server.stop();
    }
  });

  it('client: a connected MongoClient; close() closes it too (as connect-mongo does)', async () => {
    const client = await MongoClient.connect(mongoUrl());
    const dbName = uniqueDbName();
    const store = MongoStore.create({ client, dbName });
    const id = sid();
    await store.set(id, makeSession({ via: 'client' }));
    expect(await client.db(dbName).collection('sessions').countDocuments()).toBe(1);
    await store.close();
    // the driver refuses, or transparently reconnects; either way the store closed its pool
    await client.close();
  });

  it('client: an unconnected MongoClient works (the driver connects on first use)', async () => {
    const client = new MongoClient(mongoUrl());
    const store = track(MongoStore.create({ client, dbName: uniqueDbName() }));
    const id = sid();
    await store.set(id, makeSession({ lazy: true }));
    expect(await store.get(id)).toMatchObject({ lazy: true });
  });

  it('clientPromise: e.g. from Mongoose (its own bundled driver copy)', async () => {
    const dbName = uniqueDbName();
    const conn = mongoose.createConnection(`${mongoUrl()}/${dbName}`);
    const store = MongoStore.create({ clientPromise: conn.asPromise().then((c) => c.getClient()) as never });
    const id = sid();
    await store.set(id, makeSession({ via: 'mongoose' }));
    expect(await store.get(id)).toMatchObject({ via: 'mongoose' });
    expect(await (await rawCollection(dbName)).countDocuments()).toBe(1);
    await store.close();
    await conn.close();
  });

  it('mongoUrl wins over clientPromise and client', async () => {
    const dbName = uniqueDbName();
    const store = track(
      MongoStore.create({
        mongoUrl: `${mongoUrl()}/${dbName}`,
        clientPromise: Promise.reject(new Error('not used')),
        client: new MongoClient('mongodb://127.0.0.1:1'),
      } as ConnectMongoOptions),
    );
    const id = sid();
    await store.set(id, makeSession());
    expect(await (await rawCollection(dbName)).countDocuments()).toBe(1);
  });

  it('writeOperationOptions is the write concern of every write', async () => {
    const { client, commands: seen } = commandLog();
    const store = MongoStore.create({ client, dbName: uniqueDbName(), writeOperationOptions: { w: 1, wtimeoutMS: 1234 } as never });
    const id = sid();
    const s = makeSession();
    await store.set(id, s);
    await store.touch(id, s);
    await store.destroy(id);
    await store.clear();
    await store.get(id);
    await store.close();
    const writes = seen.filter((e) => ['update', 'delete'].includes(e.commandName));
    expect(writes.map((e) => e.commandName)).toEqual(['update', 'update', 'delete', 'delete']);
    for (const w of writes) expect(w.command.writeConcern).toMatchObject({ w: 1, wtimeout: 1234 });
  });
});

describe('serialization options', () => {
  it('stringify: false stores a BSON object, the cookie through toJSON (expires as a Date)', async () => {
    const { store, collection } = makeStore({ stringify: false });
    const id = sid();
    const s = makeSession({ nested: { list: [1, 2], when: new Date('2030-01-01T00:00:00Z') } });
    await store.set(id, s);
    const doc = await (await collection()).findOne({ _id: id as never });
    expect(typeof doc!.session).toBe('object');
    expect(doc!.session.cookie.expires).toBeInstanceOf(Date);
    // BSON has no undefined: the driver stores the cookie's unset attributes as null, as with connect-mongo
    const cookieAsBson = Object.fromEntries(Object.entries(s.cookie.toJSON()).map(([k, v]) => [k, v === undefined ? null : v]));
    expect(doc!.session.cookie).toEqual(cookieAsBson);
    const got = (await store.get(id)) as unknown as typeof s;
    expect(got).toEqual({ cookie: cookieAsBson, nested: s.nested });
  });

  it('serialize / unserialize replace the stored form', async () => {
    const { store, collection } = makeStore({
      serialize: (s) => ({ wrapped: JSON.stringify(s) }) as never,
      unserialize: (p) => JSON.parse((p as unknown as { wrapped: string }).wrapped),
    });
    const id = sid();
    const s = makeSession({ x: 1 });
    await store.set(id, s);
    const doc = await (await collection()).findOne({ _id: id as never });
    expect(doc!.session).toEqual({ wrapped: JSON.stringify(s) });
    expect(await store.get(id)).toEqual(asJson(s));
  });

  it('serialize alone falls back to the identity unserialize; a string result is stored as is', async () => {
    const { store, collection } = makeStore({ serialize: (s) => JSON.stringify(s), unserialize: (p) => JSON.parse(p as string) });
    const id = sid();
    const s = makeSession({ y: 'z' });
    await store.set(id, s);
    const doc = await (await collection()).findOne({ _id: id as never });
    expect(doc!.session).toBe(JSON.stringify(s));
    expect(await store.get(id)).toEqual(asJson(s));
  });

  it('transformId maps the sid to the stored _id, for every method', async () => {
    const { store, collection } = makeStore({ transformId: (s) => `t:${s}` });
    const id = sid();
    const s = makeSession();
    await store.set(id, s);
    expect(await (await collection()).findOne({ _id: `t:${id}` as never })).not.toBeNull();
    expect(await store.get(id)).toEqual(asJson(s));
    await store.touch(id, s);
    await store.destroy(id);
    expect(await (await collection()).countDocuments()).toBe(0);
  });

  it('timestamps: createdAt on insert only, updatedAt on every write and touch', async () => {
    const { store, collection } = makeStore({ timestamps: true });
    const id = sid();
    const s = makeSession();
    await store.set(id, s);
    const first = await (await collection()).findOne({ _id: id as never });
    expect(first!.createdAt).toBeInstanceOf(Date);
    expect(first!.updatedAt).toBeInstanceOf(Date);
    await clockPast(first!.updatedAt.getTime()); // so that a new date differs
    await store.set(id, s);
    const second = await (await collection()).findOne({ _id: id as never });
    expect(second!.createdAt).toEqual(first!.createdAt);
    expect(second!.updatedAt.getTime()).toBeGreaterThan(first!.updatedAt.getTime());
    await clockPast(second!.updatedAt.getTime());
    await store.touch(id, s);
    const third = await (await collection()).findOne({ _id: id as never });
    expect(third!.createdAt).toEqual(first!.createdAt);
    expect(third!.updatedAt.getTime()).toBeGreaterThan(second!.updatedAt.getTime());
    // and the session itself carries neither field
    expect(await store.get(id)).toEqual(asJson(s));
  });

  it('without timestamps, no createdAt/updatedAt fields', async () => {
    const { store, collection } = makeStore();
    const id = sid();
    await store.set(id, makeSession());
    await store.touch(id, makeSession());
    const doc = await (await collection()).findOne({ _id: id as never });
    expect(doc).not.toHaveProperty('createdAt');
    expect(doc).not.toHaveProperty('updatedAt');
  });
});

describe('touchAfter', () => {
  it('set() stores lastModified; get() returns it on the session; set() never mutates the caller session', async () => {
    const { store, collection } = makeStore({ touchAfter: 3600 });
    const id = sid();
    const s = makeSession({ a: 1 });
    await store.set(id, s);
    const doc = await (await collection()).findOne({ _id: id as never });
    expect(doc!.lastModified).toBeInstanceOf(Date);
    const got = (await store.get(id)) as typeof s & { lastModified?: Date };
    expect(got.lastModified).toEqual(doc!.lastModified);
    // writing back what get() returned does not store lastModified inside the session, nor delete it from the caller's object
    await store.set(id, got);
    expect(got.lastModified).toEqual(doc!.lastModified);
    const after = await (await collection()).findOne({ _id: id as never });
    expect(JSON.parse(after!.session)).not.toHaveProperty('lastModified');
  });

  it('touch() within touchAfter skips the write; after it, writes expires and lastModified', async () => {
    const { store, collection } = makeStore({ touchAfter: 3600 });
    const id = sid();
    const s = makeSession({ a: 1 }, 60_000);
    await store.set(id, s);
    const stored = (await store.get(id)) as typeof s & { lastModified: Date };
    const before = await (await collection()).findOne({ _id: id as never });
    stored.cookie = makeSession({}, 10 * 60_000).cookie; // a later expiry the touch would write
    await store.touch(id, stored);
    expect(await (await collection()).findOne({ _id: id as never })).toEqual(before);
    // a lastModified older than touchAfter: the touch writes
    stored.lastModified = new Date(Date.now() - 3601_000);
    await store.touch(id, stored);
    const after = await (await collection()).findOne({ _id: id as never });
    expect(after!.expires.getTime()).toBe(new Date(stored.cookie.expires!).getTime());
    expect(after!.lastModified.getTime()).toBeGreaterThan(before!.lastModified.getTime() - 1);
    expect(after!.session).toBe(before!.session);
  });

  it('touchAfter 0 (default): no lastModified anywhere', async () => {
    const { store, collection } = makeStore();
    const id = sid();
    await store.set(id, makeSession());
    expect(await (await collection()).findOne({ _id: id as never })).not.toHaveProperty('lastModified');
    expect(await store.get(id)).not.toHaveProperty('lastModified');
  });
});
