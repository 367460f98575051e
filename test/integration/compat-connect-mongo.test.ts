// Stored-data compatibility with connect-mongo 6.0.0, both ways, on the same collection: for every mode,
// one library writes, the other reads (and touches), and the sessions must be deeply equal, cookie included.
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as connectMongo from 'connect-mongo';
import { MongoStore, createWebCryptoAdapter } from '../../src/index';
import { asJson, makeSession, mongoUrl, rawCollection, sid, track, uniqueDbName } from '../support';
import { allowWarnings } from '../support/warnings';

allowWarnings('CONNECT_MONGO_WEAK_CIPHER', "connect-mongo 6 offers AES-CBC, and reading its data is what is checked here; test/store/tampering.test.ts asserts the warning");

type Options = Record<string, unknown>;

/** connect-mongo's store with promise-returning methods (it only takes callbacks). */
function theirs(options: Options) {
  const store = new connectMongo.MongoStore({ mongoUrl: mongoUrl(), ...options } as never);
  track({ close: () => store.close() });
  return {
    get: promisify(store.get.bind(store)) as (id: string) => Promise<unknown>,
    set: promisify(store.set.bind(store)) as (id: string, s: unknown) => Promise<void>,
    touch: promisify(store.touch.bind(store)) as (id: string, s: unknown) => Promise<void>,
    all: promisify(store.all.bind(store)) as () => Promise<unknown[]>,
    destroy: promisify(store.destroy.bind(store)) as (id: string) => Promise<void>,
  };
}

function ours(options: Options) {
  return track(MongoStore.create({ mongoUrl: mongoUrl(), ...options } as never));
}

interface Mode {
  name: string;
  /** Options for each side (usually the same; encryption gives each library its own adapter). */
  ours: () => Options;
  theirs: () => Options;
  /** How the session reads back. */
  expected: (s: object) => unknown;
  theirReadsAreBroken?: boolean;
}

const same = (name: string, options: Options, expected: Mode['expected'] = asJson): Mode => ({
  name,
  ours: () => options,
  theirs: () => options,
  expected,
});

/** BSON has no undefined: unset cookie attributes come back as null from either library. */
const asBson = (s: object) => {
  const json = JSON.parse(JSON.stringify(s));
  const cookie = (s as { cookie: { toJSON(): Record<string, unknown> } }).cookie.toJSON();
  json.cookie = Object.fromEntries(Object.entries(cookie).map(([k, v]) => [k, v === undefined ? null : v]));
  return json;
};

const SECRET = 'compat-secret, 32 bytes or more!';
const modes: Mode[] = [
  same('default (stringify: true)', {}),
  same('stringify: false', { stringify: false }, asBson),
  same('custom serializer returning an object', {
    serialize: (s: object) => ({ payload: JSON.parse(JSON.stringify(s)), v: 1 }),
    unserialize: (p: { payload: object }) => p.payload,
  }),
  same('custom serializer returning a string', {
    serialize: (s: object) => `v1|${JSON.stringify(s)}`,
    unserialize: (p: string) => JSON.parse(p.slice(3)),
  }),
  same('transformId', { transformId: (id: string) => `app:${id.split('').reverse().join('')}` }),
  same('touchAfter', { touchAfter: 3600 }),
  same('timestamps', { timestamps: true }),
  same('legacy kruptein crypto', { crypto: { secret: SECRET } }),
  same('legacy kruptein crypto, stringify: false', { crypto: { secret: SECRET }, stringify: false }),
  {
    // connect-mongo 6.0.0 cannot read these back itself (its kruptein adapter hands unserialize a string);
    // we read both libraries' documents, and connect-mongo reads ours exactly as it reads its own.
    ...same('legacy kruptein crypto, custom serializer returning an object', {
      crypto: { secret: SECRET },
      serialize: (s: object) => ({ payload: JSON.parse(JSON.stringify(s)) }),
      unserialize: (p: { payload: object }) => p.payload,
    }),
    theirReadsAreBroken: true,
  },
  same('legacy kruptein crypto, custom serializer returning a string', {
    crypto: { secret: SECRET },
    serialize: (s: object) => `v1|${JSON.stringify(s)}`,
    unserialize: (p: string) => JSON.parse(p.slice(3)),
  }),
];
for (const algorithm of ['AES-GCM', 'AES-CBC'] as const) {
  for (const encoding of ['base64', 'base64url', 'hex'] as const) {
    const adapterOptions = { secret: SECRET, algorithm, encoding, iterations: 20, salt: 'compat-salt' };
    modes.push({
      name: `WebCrypto ${algorithm} ${encoding}`,
      ours: () => ({ cryptoAdapter: createWebCryptoAdapter(adapterOptions) }),
      theirs: () => ({ cryptoAdapter: connectMongo.createWebCryptoAdapter(adapterOptions) }),
      expected: asJson,
    });
  }
}
modes.push({
  name: 'WebCrypto AES-GCM with stringify: false',
  ours: () => ({ stringify: false, cryptoAdapter: createWebCryptoAdapter({ secret: SECRET, iterations: 20 }) }),
  theirs: () => ({ stringify: false, cryptoAdapter: connectMongo.createWebCryptoAdapter({ secret: SECRET, iterations: 20 }) }),
  expected: asJson,
});
modes.push({
  name: "connect-mongo's kruptein adapter given to our store as cryptoAdapter",
  ours: () => ({ cryptoAdapter: connectMongo.createKrupteinAdapter({ secret: SECRET }) }),
  theirs: () => ({ crypto: { secret: SECRET } }),
  expected: asJson,
});

const withoutLastModified = (s: unknown) => {
  const { lastModified: _l, ...rest } = s as Record<string, unknown>;
  return rest;
};

describe('connect-mongo 6.0.0 ⇄ this store, same collection', () => {
  for (const mode of modes) {
    describe(mode.name, () => {
      it('connect-mongo writes, we read, touch and rewrite; connect-mongo reads it back', async () => {
        const dbName = uniqueDbName('compat');
        const cm = theirs({ dbName, ...mode.theirs() });
        const us = ours({ dbName, ...mode.ours() });
        const id = sid();
        const s = makeSession({ user: { id: 7, name: 'Zoë' }, list: [1, 'two', { three: 3 }], flag: true });
        await cm.set(id, s);

        const ourRead = await us.get(id);
        expect(withoutLastModified(ourRead)).toEqual(mode.expected(s));
        if (!mode.theirReadsAreBroken) {
          expect(ourRead).toEqual(await cm.get(id));
          expect(await us.all()).toEqual(await cm.all());
        }

        await us.touch(id, ourRead as never);
        await us.set(id, ourRead as never);
        if (mode.theirReadsAreBroken) {
          const own = sid();
          await cm.set(own, s);
          expect(await cm.get(id)).toEqual(await cm.get(own));
        } else {
          expect(withoutLastModified(await cm.get(id))).toEqual(mode.expected(s));
        }
        await us.destroy(id);
        expect(await cm.get(id)).toBeNull();
      });

      it('we write, connect-mongo reads, touches and rewrites; we read it back', async () => {
        const dbName = uniqueDbName('compat');
        const cm = theirs({ dbName, ...mode.theirs() });
        const us = ours({ dbName, ...mode.ours() });
        const id = sid();
        const s = makeSession({ user: { id: 8, name: 'Ångström' }, nested: { deep: { er: [null, 0, ''] } } });
        await us.set(id, s);

        const theirRead = await cm.get(id);
        const ourRead = await us.get(id);
        if (mode.theirReadsAreBroken) {
          const own = sid();
          await cm.set(own, s);
          expect(theirRead).toEqual(await cm.get(own));
          await cm.touch(id, s);
          await cm.set(id, s);
        } else {
          expect(withoutLastModified(theirRead)).toEqual(mode.expected(s));
          expect(theirRead).toEqual(ourRead);
          await cm.touch(id, theirRead);
          await cm.set(id, theirRead);
        }
        expect(withoutLastModified(await us.get(id))).toEqual(mode.expected(s));
        await cm.destroy(id);
        expect(await us.get(id)).toBeNull();
      });

      it('both libraries write documents with the same fields', async () => {
        const dbName = uniqueDbName('compat');
        const cm = theirs({ dbName, ...mode.theirs() });
        const us = ours({ dbName, ...mode.ours() });
        const s = makeSession({ a: 1 });
        const a = sid();
        const b = sid();
        await cm.set(a, s);
        await us.set(b, s);
        const coll = await rawCollection(dbName);
        const docs = await coll.find().toArray();
        expect(docs).toHaveLength(2);
        const [first, second] = docs.map((d) => Object.keys(d).sort());
        expect(second).toEqual(first);
        expect(typeof docs[1].session).toBe(typeof docs[0].session);
      });
    });
  }

  it('touchAfter: each library skips a touch within touchAfter of the other one’s write', async () => {
    const dbName = uniqueDbName('compat');
    const cm = theirs({ dbName, touchAfter: 3600 });
    const us = ours({ dbName, touchAfter: 3600 });
    const id = sid();
    await cm.set(id, makeSession({ t: 1 }, 60_000));
    const coll = await rawCollection(dbName);
    const before = await coll.findOne({ _id: id as never });
    const read = (await us.get(id)) as unknown as { cookie: unknown; lastModified: Date };
    read.cookie = makeSession({}, 30 * 60_000).cookie;
    await us.touch(id, read as never);
    expect(await coll.findOne({ _id: id as never })).toEqual(before);
  });

  it('the TTL index connect-mongo created is accepted as is (and the reverse)', async () => {
    const dbName = uniqueDbName('compat');
    const cm = theirs({ dbName });
    await cm.set(sid(), makeSession());
    const errors: Error[] = [];
    const us = ours({ dbName });
    us.on('error', (e: Error) => errors.push(e));
    await us.set(sid(), makeSession());
    expect(errors).toEqual([]);
    const indexes = await (await rawCollection(dbName)).indexes();
    expect(indexes.filter((i) => i.name === 'expires_1')).toHaveLength(1);
  });
});
