// The unmodified third-party store connect-mongo@6.0.0 against the backend: a full round trip, and the
// TTL index it creates, seen through listIndexes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promisify } from 'node:util';
import type { SessionData } from 'express-session';
import ConnectMongo from 'connect-mongo';
import { MongoClient } from 'mongodb';
import { mongoUrl, uniqueDbName } from '../../test/support/mongo';

const dbName = uniqueDbName('cm');
let store: InstanceType<typeof ConnectMongo>;
let client: MongoClient;

const session = (maxAgeMs: number, data: Record<string, unknown> = {}): SessionData & { lastModified?: Date } =>
  ({ cookie: { originalMaxAge: maxAgeMs, expires: new Date(Date.now() + maxAgeMs), httpOnly: true, path: '/' }, ...data }) as unknown as SessionData & { lastModified?: Date };

beforeAll(async () => {
  store = ConnectMongo.create({ mongoUrl: mongoUrl(), dbName, collectionName: 'sessions', timestamps: true });
  client = new MongoClient(mongoUrl());
  await client.connect();
});

afterAll(async () => {
  await store?.close();
  await client?.db(dbName).dropDatabase();
  await client?.close();
});

describe('connect-mongo@6.0.0 on this server', () => {
  it('creates its expires_1 TTL index, visible through listIndexes', async () => {
    await store.collectionP;
    const indexes = await client.db(dbName).collection('sessions').listIndexes().toArray();
    expect(indexes.find((i) => i.name === 'expires_1')).toMatchObject({ key: { expires: 1 }, expireAfterSeconds: 0 });
  });

  it('completes set/get/touch/destroy/length/clear/all', async () => {
    const set = promisify(store.set.bind(store));
    const get = promisify(store.get.bind(store));
    const touch = promisify(store.touch.bind(store));
    const destroy = promisify(store.destroy.bind(store));
    const length = promisify(store.length.bind(store));
    const clear = promisify(store.clear.bind(store));
    const all = promisify(store.all.bind(store));
    const events: string[] = [];
    for (const name of ['create', 'update', 'touch', 'destroy']) store.on(name, (sid: string) => events.push(`${name}:${sid}`));

    await set('a', session(60_000, { user: 'ann' }));
    await set('b', session(60_000, { user: 'bob' }));
    await set('a', session(60_000, { user: 'ann', visits: 2 }));
    expect(events).toEqual(['create:a', 'create:b', 'update:a']);
    expect(await get('a')).toMatchObject({ user: 'ann', visits: 2 });
    expect(await get('missing')).toBeNull();

    const stored = await client.db(dbName).collection('sessions').findOne({ _id: 'a' as never });
    expect(stored?.createdAt).toBeInstanceOf(Date);
    expect(stored?.updatedAt).toBeInstanceOf(Date);
    const expiresBefore = stored!.expires as Date;

    await touch('a', session(120_000, { user: 'ann', visits: 2 }));
    const touched = await client.db(dbName).collection('sessions').findOne({ _id: 'a' as never });
    expect((touched!.expires as Date).getTime()).toBeGreaterThan(expiresBefore.getTime());
    await expect(touch('nobody', session(1000))).rejects.toThrow('Unable to find the session to touch');

    // An expired session is neither returned by get nor by all.
    await set('old', session(-1000, { user: 'gone' }));
    expect(await get('old')).toBeNull();
    expect(await length()).toBe(3);
    const everyone = (await all()) as SessionData[];
    expect(everyone.map((s) => (s as unknown as { user: string }).user).sort()).toEqual(['ann', 'bob']);

    await destroy('b');
    expect(await get('b')).toBeNull();
    expect(await length()).toBe(2);
    await clear();
    expect(await length()).toBe(0);
    expect(await all()).toEqual([]);
    expect(events).toContain('touch:a');
    expect(events).toContain('destroy:b');
  });
});
