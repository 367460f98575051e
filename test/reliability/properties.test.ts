// Property tests (fast-check): arbitrary JSON-compatible sessions (unicode, lone surrogates, deep nesting, keys
// like `$x`, `a.b`, `__proto__`) round-trip exactly through every serializer mode x every crypto mode against
// the real server. With stringify: false and no encryption, a key MongoDB cannot store is a clear error and
// nothing is written: never silent loss or a changed key.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MongoStore, createKrupteinAdapter, createWebCryptoAdapter, type ConnectMongoOptions } from '../../src/index';
import { mongoUrl, rawCollection, uniqueDbName } from '../support';

const NUM_RUNS = 40;
const stores: MongoStore[] = [];
afterAll(async () => {
  for (const s of stores) await s.close();
});

const specialKeys = ['$x', '$where', 'a.b', '.', 'a\0b', '__proto__', 'constructor', 'toString', '', ' ', 'ключ', '鍵', '🔑', 'e\u0301', '\ud800', '\udfff'];
const keyArb = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
    { weight: 2, arbitrary: fc.constantFrom(...specialKeys) },
  );
const leaf = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
/** What express-session hands a store, made JSON-exact (-0 becomes 0, etc.) since sessions are JSON data. */
function sessions() {
  const key = keyArb();
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(key, tie('tree'), { maxKeys: 4 })),
  }));
  // A chain `depth` levels deep, to probe nesting limits.
  const deep = fc.tuple(fc.integer({ min: 1, max: 120 }), key, leaf).map(([depth, k, v]) => {
    let value: unknown = v;
    for (let i = 0; i < depth; i++) value = i % 3 === 2 ? [value] : { [k]: value };
    return value;
  });
  return fc.tuple(fc.dictionary(key, fc.oneof(tree, deep), { maxKeys: 6 }), fc.integer({ min: 60_000, max: 10 ** 9 })).map(([data, maxAge]) => {
    const cookie = { originalMaxAge: maxAge, expires: new Date(Date.now() + maxAge).toISOString(), httpOnly: true, path: '/' };
    return JSON.parse(JSON.stringify({ ...data, cookie })) as Record<string, unknown>;
  });
}

function keys(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) keys(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      keys(v, out);
    }
  }
  return out;
}
function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  return 1 + Math.max(0, ...Object.values(value as object).map(depthOf));
}
/** Every key and string value of a session. */
function keysAndStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) keysAndStrings(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      keysAndStrings(v, out);
    }
  }
  return out;
}
const hasLoneSurrogate = (s: string) => /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

const serializers: Array<[string, Partial<ConnectMongoOptions>]> = [
  ['stringify: true', {}],
  ['stringify: false', { stringify: false }],
  ['custom serialize/unserialize', { serialize: (s: object) => JSON.stringify(s), unserialize: (p: unknown) => JSON.parse(p as string) }],
];
const cryptos: Array<[string, () => Partial<ConnectMongoOptions>]> = [
  ['no encryption', () => ({})],
  ['crypto (kruptein aes-256-gcm)', () => ({ crypto: { secret: 'property-secret, 32 bytes or more' } })],
  ['createKrupteinAdapter', () => ({ cryptoAdapter: createKrupteinAdapter({ secret: 'property-secret-2, 32 bytes or more' }) })],
  ['createWebCryptoAdapter AES-GCM', () => ({ cryptoAdapter: createWebCryptoAdapter({ secret: 'property-secret-3, 32 bytes or more' }) })],
];

describe('arbitrary JSON sessions round-trip exactly (serializer x crypto)', () => {
  for (const [sName, sOpts] of serializers) {
    for (const [cName, cOpts] of cryptos) {
      const bsonPlain = sName === 'stringify: false' && cName === 'no encryption';
      const title = bsonPlain
        ? `${sName}, ${cName}: exact round trip, or a clear error for what MongoDB cannot store (nothing written)`
        : `${sName}, ${cName}: exact round trip`;
      it(title, async () => {
        const dbName = uniqueDbName('prop');
        const store = MongoStore.create({ mongoUrl: mongoUrl(), dbName, autoRemove: 'disabled', ...sOpts, ...cOpts() } as ConnectMongoOptions);
        stores.push(store);
        const coll = await rawCollection(dbName);
        let n = 0;
        let rejected = 0;
        await fc.assert(
          fc.asyncProperty(sessions(), async (session) => {
            const id = `p${n++}`;
            const outcome = await store.set(id, session as never).then(
              () => null,
              (e: Error) => e,
            );
            if (bsonPlain) {
              const badKey = keys(session).some((k) => k.startsWith('$') || k.includes('.') || k.includes('\0'));
              // BSON strings are UTF-8: an unpaired surrogate (in a key or a value) would come back as U+FFFD.
              const unpaired = keysAndStrings(session).some(hasLoneSurrogate);
              const tooDeep = depthOf(session) > 90;
              if (outcome) {
                rejected++;
                expect(badKey || unpaired || tooDeep, outcome.message).toBe(true);
                expect(outcome.message).toMatch(/^connect-mongo: .*(cannot store it with stringify: false|nested too deeply|would store it changed)/);
                expect(await coll.countDocuments({ _id: id as never })).toBe(0);
                return;
              }
              expect(badKey || unpaired).toBe(false);
            } else {
              expect(outcome).toBeNull();
            }
            const back = await store.get(id);
            // Exact: same keys (own, in order, `__proto__` included), same values, nothing added.
            expect(JSON.stringify(back)).toBe(JSON.stringify(session));
            expect(back).toEqual(session);
            expect(Object.keys(back as object)).toEqual(Object.keys(session));
          }),
          { numRuns: NUM_RUNS, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
        );
        if (bsonPlain) expect(rejected).toBeLessThan(NUM_RUNS); // both branches of the property were exercised
      });
    }
  }

  it('stringify: false: `__proto__` and other odd keys round-trip; unpaired surrogates are refused, not changed', async () => {
    const dbName = uniqueDbName('prop');
    const store = MongoStore.create({ mongoUrl: mongoUrl(), dbName, stringify: false, autoRemove: 'disabled' });
    stores.push(store);
    const coll = await rawCollection(dbName);
    const cookie = { path: '/', originalMaxAge: null };
    const kept = [JSON.parse('{"__proto__": {"admin": true}}'), JSON.parse('{"x": {"__proto__": [1]}}'), { constructor: 1, '': 2, ' ': 3, '🔑': 'é' }];
    for (const [i, data] of kept.entries()) {
      const session = { ...{ cookie }, ...data };
      Object.defineProperties(session, Object.getOwnPropertyDescriptors(data)); // spread would drop `__proto__`
      await store.set(`k${i}`, session);
      const back = (await store.get(`k${i}`)) as unknown as Record<string, unknown>;
      expect(Object.keys(back)).toEqual(Object.keys(session));
      expect(JSON.stringify(back)).toBe(JSON.stringify(session));
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype); // nothing became a prototype
    }
    for (const [i, data] of [{ '\ud800': 'key' }, { k: 'value \udfff' }, { deep: [{ a: '\ud83d' }] }].entries()) {
      await expect(store.set(`s${i}`, { cookie, ...data })).rejects.toThrow(/unpaired UTF-16 surrogate.*use stringify: true/);
      expect(await coll.countDocuments({ _id: `s${i}` as never })).toBe(0);
    }
  });
});
