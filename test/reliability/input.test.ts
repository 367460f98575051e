// Hostile and broken input gets a clear error naming the problem, delivered once, with nothing stored or lost:
// every bad option, hostile session ids (compared with connect-mongo 6.0.0 on the same data), sessions that
// cannot be stored in every serializer x crypto mode, and stored documents that cannot be read (corrupt, wrong
// type, tampered/truncated/foreign ciphertext), including through an Express app.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Document } from 'mongodb';
import ConnectMongo from 'connect-mongo';
import { MongoStore, createWebCryptoAdapter, type ConnectMongoOptions } from '../../src/index';
import { makeSession, mongoUrl, onceCallback, rawCollection, startTrafficApp, trafficUser, uniqueDbName, watchProcess } from '../support';

const opened: Array<{ close(): unknown }> = [];
afterAll(async () => {
  for (const s of opened) await Promise.resolve(s.close()).catch(() => undefined);
});

function store(options: Partial<ConnectMongoOptions> = {}) {
  const dbName = uniqueDbName('input');
  const s = MongoStore.create({ mongoUrl: mongoUrl(), dbName, ...options } as ConnectMongoOptions);
  opened.push(s);
  const events: string[] = [];
  for (const e of ['create', 'update', 'set', 'get', 'touch', 'destroy', 'all']) s.on(e, () => events.push(e));
  return { store: s, dbName, events, coll: () => rawCollection(dbName) };
}

/** Runs a store call in callback style; resolves with its single outcome after checking it stays single. */
async function viaCallback(run: (cb: (...a: unknown[]) => void) => void, settle: () => Promise<unknown>) {
  const call = onceCallback();
  run(call.cb);
  const args = await call.first;
  await settle(); // one more round trip through the store before counting
  expect(call.calls).toBe(1);
  return args;
}

describe('every option, wrong type or out of range: a TypeError/RangeError naming it, nothing opened', () => {
  const adapter = { encrypt: async (s: string) => s, decrypt: async (s: string) => s };
  const bad: Record<string, unknown[]> = {
    mongoUrl: [42, '', {}, 'http://not-mongo'],
    mongoOptions: ['x', 42, [], null],
    clientPromise: [{}, 42, 'promise', null],
    client: [{}, 'mongodb://x', 42, null, { db: 1, close: 1 }],
    collectionName: ['', 'a$b', 'a\0b', 5, null],
    dbName: ['', 3, {}, null],
    ttl: ['3600', 0, -1, NaN, Infinity, 9e12, null],
    touchAfter: ['60', -1, NaN, Infinity, null],
    stringify: ['false', 0, 1, null],
    createAutoRemoveIdx: [true, false],
    autoRemove: ['sometimes', true, 1, null],
    autoRemoveInterval: ['10', 0, -1, 71_583, NaN, Infinity, null],
    serialize: ['JSON', {}, 1, null],
    unserialize: ['JSON', {}, 1, null],
    writeOperationOptions: [1, 'majority', [], null],
    transformId: ['md5', 1, null],
    crypto: [
      'secret',
      1,
      null,
      {},
      { secret: '' },
      { secret: 42 },
      { secret: 'a bad-option secret, 32 bytes or more', algorithm: 'rot13' },
      { secret: 'a bad-option secret, 32 bytes or more', algorithm: 'aes-256-ecb' },
      { secret: 'a bad-option secret, 32 bytes or more', hashing: 'no-such-digest' },
      { secret: 'a bad-option secret, 32 bytes or more', encodeas: 'klingon' },
    ],
    cryptoAdapter: [{}, { encrypt: adapter.encrypt }, 'adapter', null],
    timestamps: [1, 'yes', null],
  };

  it("the table covers every option of connect-mongo 6.0.0's ConnectMongoOptions", () => {
    const dts = readFileSync(new URL('../../node_modules/connect-mongo/dist/index.d.mts', import.meta.url), 'utf8');
    const body = /type ConnectMongoOptions<[^>]*> = \{([^}]*)\}/.exec(dts)![1];
    const names = [...body.matchAll(/^\s*(\w+)\??:/gm)].map((m) => m[1]).sort();
    expect(names.length).toBeGreaterThan(15);
    expect(Object.keys(bad).sort()).toEqual(names);
  });

  for (const [option, values] of Object.entries(bad)) {
    it(`${option}`, () => {
      const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').sort();
      for (const value of values) {
        // The other connection options stay out of the way when the one under test is one of them.
        const base: Record<string, unknown> = ['clientPromise', 'client'].includes(option) ? {} : { mongoUrl: mongoUrl() };
        let error: unknown;
        try {
          MongoStore.create({ ...base, [option]: value } as ConnectMongoOptions);
        } catch (e) {
          error = e;
        }
        const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
        expect(error, `${option} = ${shown}`).toBeInstanceOf(Error);
        expect([TypeError, RangeError].some((C) => error instanceof C), `${option} = ${shown}: ${String(error)}`).toBe(true);
        expect((error as Error).message, `${option} = ${shown}`).toContain(`\`${option}\``);
      }
      // Validation happens before anything is opened: no socket, no timer left behind.
      expect(process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').sort()).toEqual(before);
    });
  }
});

describe('session ids are exact, non-empty strings in every method', () => {
  const hostile: Array<[string, unknown]> = [
    ['{$gt: ""}', { $gt: '' }],
    ['{$ne: null}', { $ne: null }],
    ['{$regex: "."}', { $regex: '.' }],
    ['""', ''],
    ['42', 42],
    ['null', null],
    ['undefined', undefined],
    ["['x']", ['x']],
    ["new String('x')", new String('x')],
  ];

  it('connect-mongo 6.0.0 leaks and deletes other users\' sessions with {$gt: ""}; ours rejects it, changing nothing', async () => {
    const { store: ours, dbName, coll } = store();
    const theirs = ConnectMongo.create({ mongoUrl: mongoUrl(), dbName });
    opened.push(theirs);
    await ours.set('alice-sid', makeSession({ user: 'alice' }));
    await ours.set('bob-sid', makeSession({ user: 'bob' }));
    const before = await (await coll()).find({}, { sort: { _id: 1 } }).toArray();

    // What this guards against: connect-mongo passes the object into the query.
    const leaked = await new Promise<unknown>((resolve, reject) =>
      theirs.get({ $gt: '' } as never, (err: unknown, s: unknown) => (err ? reject(err) : resolve(s))),
    );
    expect(['alice', 'bob']).toContain((leaked as { user?: string }).user);

    for (const m of ['get', 'set', 'touch', 'destroy'] as const) {
      const args = m === 'get' || m === 'destroy' ? [{ $gt: '' }] : [{ $gt: '' }, makeSession({ user: 'mallory' })];
      const fn = (ours[m] as (...a: unknown[]) => unknown).bind(ours);
      await expect(fn(...args)).rejects.toThrow(/`sid` must be a non-empty string/);
      const [err, result] = await viaCallback(
        (cb) => fn(...args, cb),
        () => ours.length(),
      );
      expect(err).toBeInstanceOf(TypeError);
      expect(result).toBeUndefined();
    }
    expect(await (await coll()).find({}, { sort: { _id: 1 } }).toArray()).toEqual(before);

    await new Promise<void>((resolve, reject) => theirs.destroy({ $gt: '' } as never, (err: unknown) => (err ? reject(err) : resolve())));
    expect(await (await coll()).countDocuments()).toBe(1); // connect-mongo deleted a session it was never asked about
    await theirs.close();
  });

  for (const [name, value] of hostile) {
    it(`${name}: rejected by get, set, touch and destroy (promise and callback), nothing changed, no event`, async () => {
      const { store: s, coll, events } = store({ stringify: false });
      await s.set('victim', makeSession({ owner: 'victim' }));
      events.length = 0;
      const before = await (await coll()).find().toArray();
      for (const m of ['get', 'set', 'touch', 'destroy'] as const) {
        const args = m === 'get' || m === 'destroy' ? [value] : [value, makeSession({ owner: 'mallory' })];
        const fn = (s[m] as (...a: unknown[]) => unknown).bind(s);
        const err = await (fn(...args) as Promise<unknown>).then(() => undefined, (e: unknown) => e);
        expect(err, m).toBeInstanceOf(TypeError);
        expect((err as Error).message).toMatch(/`sid`/);
        const [cbErr] = await viaCallback((cb) => fn(...args, cb), () => s.length());
        expect(cbErr, m).toBeInstanceOf(TypeError);
      }
      expect(events).toEqual([]);
      expect(await (await coll()).find().toArray()).toEqual(before);
    });
  }
});

describe('sessions that cannot be stored, in every serializer x crypto mode: a clear error, nothing written', () => {
  const serializers: Array<[string, Partial<ConnectMongoOptions>]> = [
    ['stringify: true', {}],
    ['stringify: false', { stringify: false }],
    ['custom serialize', { serialize: (s: object) => JSON.stringify(s), unserialize: (p: unknown) => JSON.parse(p as string) }],
  ];
  const cryptos: Array<[string, () => Partial<ConnectMongoOptions>]> = [
    ['no encryption', () => ({})],
    ['crypto (kruptein)', () => ({ crypto: { secret: 'kruptein-secret, 32 bytes or more' } })],
    ['cryptoAdapter (Web Crypto AES-GCM)', () => ({ cryptoAdapter: createWebCryptoAdapter({ secret: 'webcrypto-secret, 32 bytes or more' }) })],
  ];
  const problems: Array<[string, () => object, RegExp]> = [
    [
      'a circular reference',
      () => {
        const s = makeSession({ v: 'new' }) as unknown as Record<string, unknown>;
        s.self = { back: s };
        return s;
      },
      /circular/,
    ],
    ['a BigInt', () => makeSession({ n: 10n }), /BigInt/],
    ["more than MongoDB's 16 MiB", () => makeSession({ blob: 'x'.repeat(16 * 1024 * 1024) }), /16 MiB/],
  ];
  for (const [sName, sOpts] of serializers) {
    for (const [cName, cOpts] of cryptos) {
      it(`${sName}, ${cName}`, async () => {
        const { store: s, coll, events } = store({ ...sOpts, ...cOpts() });
        await s.set('mine', makeSession({ v: 'original' }));
        const before = await (await coll()).findOne({ _id: 'mine' as never });
        events.length = 0;
        for (const [pName, make, pattern] of problems) {
          for (const id of ['mine', 'brand-new']) {
            const [err] = await viaCallback((cb) => s.set(id, make() as never, cb), () => s.length());
            expect(err, `${pName} (${id})`).toBeInstanceOf(Error);
            expect((err as Error).message, pName).toMatch(pattern);
            // A user's serialize fails with its own error (JSON.stringify's here), as in connect-mongo.
            if (sName !== 'custom serialize' || pName.includes('16 MiB')) expect((err as Error).message).toMatch(/^connect-mongo: /);
          }
        }
        expect(events).toEqual([]);
        expect(await (await coll()).findOne({ _id: 'mine' as never })).toEqual(before);
        expect(await (await coll()).countDocuments()).toBe(1);
        expect(await s.get('mine')).toMatchObject({ v: 'original' } as never);
      });
    }
  }

  it('a serialize that throws: the caller gets that very error, nothing is stored', async () => {
    let fail = false;
    const { store: s, coll } = store({
      serialize: (x: object) => {
        if (fail) throw new Error('boom in serialize');
        return JSON.stringify(x);
      },
      unserialize: (p: unknown) => JSON.parse(p as string),
    });
    await s.set('mine', makeSession({ v: 'original' }));
    const before = await (await coll()).findOne({ _id: 'mine' as never });
    fail = true;
    const [err] = await viaCallback((cb) => s.set('mine', makeSession({ v: 'new' }), cb), () => s.length());
    expect((err as Error).message).toBe('boom in serialize');
    expect(await (await coll()).findOne({ _id: 'mine' as never })).toEqual(before);
  });
});

describe('stored documents that cannot be read: an error, once, never a session', () => {
  const webcrypto = (secret: string) => ({ cryptoAdapter: createWebCryptoAdapter({ secret }) });
  const kruptein = (secret: string) => ({ crypto: { secret } });
  const setups: Array<[string, (secret: string) => Partial<ConnectMongoOptions>]> = [
    ['Web Crypto AES-GCM adapter', webcrypto],
    ['legacy crypto (kruptein aes-256-gcm)', kruptein],
  ];

  /** A character in the middle replaced by another of the same alphabet: still well-formed, no longer authentic. */
  const tamper = (c: string) => {
    const i = Math.floor(c.length / 2);
    const alphabet = /^[0-9a-f]+$/.test(c) ? '0123456789abcdef' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const replacement = alphabet[(alphabet.indexOf(c[i]) + 1) % alphabet.length];
    return c.slice(0, i) + replacement + c.slice(i + 1);
  };

  for (const [name, options] of setups) {
    it(`${name}: tampered, truncated and foreign-secret ciphertext fail authentication`, async () => {
      const { store: s, coll } = store(options('the-right-secret, 32 bytes or more'));
      const { store: other, coll: otherColl } = store(options('another-secret, 32 bytes or more'));
      await s.set('good', makeSession({ v: 'secret-data' }));
      await other.set('foreign', makeSession({ v: 'secret-data' }));
      const good = (await (await coll()).findOne({ _id: 'good' as never }))!.session as string;
      const foreign = (await (await otherColl()).findOne({ _id: 'foreign' as never }))!.session as string;
      expect(typeof good).toBe('string');
      const variants: Array<[string, string]> = [
        ['tampered', tamper(good)],
        ['truncated', good.slice(0, good.length - 8)],
        ['cut in half', good.slice(0, Math.floor(good.length / 2))],
        ['made with another secret', foreign],
      ];
      const c = await coll();
      for (const [what, ciphertext] of variants) {
        expect(ciphertext).not.toBe(good);
        await c.insertOne({ _id: what as never, session: ciphertext, expires: new Date(Date.now() + 60_000) } as Document);
        const [err, result] = await viaCallback((cb) => s.get(what, cb), () => s.length());
        expect(err, what).toBeInstanceOf(Error);
        expect((err as Error).message, what).toMatch(/stored session is unreadable \(it could not be decrypted/);
        expect(result).toBeUndefined();
        // The document is left as it was (reading never repairs or deletes).
        expect((await c.findOne({ _id: what as never }))!.session).toBe(ciphertext);
      }
      expect(await s.get('good')).toMatchObject({ v: 'secret-data' } as never);
    });
  }

  it('through Express: a corrupt, wrongly typed or tampered session is a 500 for its owner only; the app keeps serving', async () => {
    const watch = watchProcess();
    const { store: s, coll } = store(webcrypto('express-secret, 32 bytes or more'));
    const app = await startTrafficApp(s);
    try {
      const victims = ['corrupt-json', 'number-42', 'tampered', 'array'].map((name) => ({ name, http: trafficUser(app.base, 10_000) }));
      const bystander = trafficUser(app.base, 10_000);
      for (const v of [...victims, { name: 'bystander', http: bystander }]) {
        expect((await v.http.request('POST', `/login/${v.name}`)).status).toBe(200);
      }
      const c = await coll();
      const stored = async (sid: string) => (await c.findOne({ _id: sid as never }))!.session as string;
      const replacements: Record<string, unknown> = {
        'corrupt-json': await createWebCryptoAdapter({ secret: 'express-secret, 32 bytes or more' }).encrypt('{"cookie": {'),
        'number-42': 42,
        tampered: tamper(await stored(victims[2].http.sid!)),
        array: [1, 2],
      };
      for (const v of victims) await c.updateOne({ _id: v.http.sid as never }, { $set: { session: replacements[v.name] } });
      for (const v of victims) {
        const r = await v.http.request('GET', '/whoami');
        expect(r.status, v.name).toBe(500);
        expect(String(r.body?.error)).toMatch(/stored session is unreadable/);
      }
      expect(await bystander.request('POST', '/bump')).toEqual({ status: 200, body: { user: 'bystander', n: 1 } });
      // The unreadable documents were neither overwritten nor deleted by the failed requests.
      for (const v of victims) expect((await c.findOne({ _id: v.http.sid as never }))!.session).toEqual(replacements[v.name]);
    } finally {
      await app.close();
    }
    await watch.expectQuiet();
  });
});
