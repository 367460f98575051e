// Encryption through the store: the legacy `crypto` option and `cryptoAdapter` (ours, connect-mongo's own
// adapters, or any object with async encrypt/decrypt), in every serialization mode.
import { describe, expect, it } from 'vitest';
import * as connectMongo from 'connect-mongo';
import { createKrupteinAdapter, createWebCryptoAdapter, type CryptoAdapter } from '../../src/index';
import { cryptoAdapterStats } from '../../src/crypto';
import { cipherOf } from '../../src/crypto/cipher';
import { asJson, makeSession, makeStore, sid } from '../support';

const SECRET = 'store-crypto-test-secret, 32 bytes or more';

/** The adapter a store resolved from its options (internal: the codec's resolved options). */
const adapterOf = (store: object) => (store as { codec: { options: { adapter: CryptoAdapter | null } } }).codec.options.adapter;

/** Not encryption, but a valid adapter: reversible, async, and not an exact JSON-preserving transform. */
const reversingAdapter: CryptoAdapter = {
  encrypt: async (p) => Buffer.from(p, 'utf8').toString('base64').split('').reverse().join(''),
  decrypt: async (c) => Buffer.from(c.split('').reverse().join(''), 'base64').toString('utf8'),
};

const adapters: Array<[string, () => CryptoAdapter]> = [
  ['our WebCrypto adapter', () => createWebCryptoAdapter({ secret: SECRET, iterations: 10 })],
  ['our kruptein adapter', () => createKrupteinAdapter({ secret: SECRET })],
  ["connect-mongo's WebCrypto adapter", () => connectMongo.createWebCryptoAdapter({ secret: SECRET, iterations: 10 })],
  ["connect-mongo's kruptein adapter", () => connectMongo.createKrupteinAdapter({ secret: SECRET })],
  ['a custom adapter object', () => reversingAdapter],
];

type Mode = [string, Record<string, unknown>, (s: object) => unknown];
const modes: Mode[] = [
  ['stringify: true', {}, (s) => asJson(s)],
  ['stringify: false', { stringify: false }, (s) => asJson(s)],
  [
    'a serializer returning an object',
    { serialize: (s: object) => ({ data: JSON.parse(JSON.stringify(s)) }), unserialize: (p: { data: object }) => p.data },
    (s) => asJson(s),
  ],
  ['a serializer returning a JSON string', { serialize: (s: object) => JSON.stringify(s), unserialize: (p: string) => JSON.parse(p) }, (s) => asJson(s)],
  [
    'a serializer returning a non-JSON string',
    {
      serialize: (s: object) => `v1:${Buffer.from(JSON.stringify(s)).toString('hex')}`,
      unserialize: (p: string) => JSON.parse(Buffer.from(p.slice(3), 'hex').toString()),
    },
    (s) => asJson(s),
  ],
];

describe('cryptoAdapter in every serialization mode', () => {
  for (const [adapterName, makeAdapter] of adapters) {
    for (const [modeName, modeOptions, expected] of modes) {
      it(`${adapterName}, ${modeName}: stored as ciphertext, read back intact`, async () => {
        const { store, collection } = makeStore({ cryptoAdapter: makeAdapter(), ...modeOptions });
        const id = sid();
        const s = makeSession({ marker: 'plaintext-marker', n: [1, 2, { deep: 'ü' }] });
        await store.set(id, s);
        const doc = await (await collection()).findOne({ _id: id as never });
        expect(typeof doc!.session).toBe('string');
        expect(doc!.session).not.toContain('plaintext-marker');
        expect(await store.get(id)).toEqual(expected(s));
        expect(await store.all()).toEqual([expected(s)]);
      });
    }
  }
});

describe('legacy crypto option', () => {
  it('encrypts with kruptein; connect-mongo reads the same bytes (see compat tests); round-trips', async () => {
    const { store, collection } = makeStore({ crypto: { secret: SECRET } });
    const id = sid();
    const s = makeSession({ marker: 'plaintext-marker' });
    await store.set(id, s);
    const doc = await (await collection()).findOne({ _id: id as never });
    expect(doc!.session).not.toContain('plaintext-marker');
    expect(doc!.session).toMatch(/^[A-Za-z0-9+/]+=*$/); // kruptein's ASN.1 envelope, base64 by default
    expect(await store.get(id)).toEqual(asJson(s));
  });

  it('creates the adapter once per store: one key derivation however many writes', async () => {
    const { store } = makeStore({ crypto: { secret: SECRET } });
    const adapter = adapterOf(store)!;
    for (let i = 0; i < 5; i++) await store.set(sid(), makeSession({ i }));
    const again = adapterOf(store);
    expect(again).toBe(adapter);
    expect(cryptoAdapterStats(adapter)?.keyDerivations).toBe(1);
  });

  it('crypto options other than the secret are passed to the adapter (encodeas: hex)', async () => {
    const { store, collection } = makeStore({ crypto: { secret: SECRET, hashing: 'sha256', encodeas: 'hex' } });
    const id = sid();
    const s = makeSession({ a: 1 });
    await store.set(id, s);
    const stored = (await (await collection()).findOne({ _id: id as never }))!.session;
    expect(stored).toMatch(/^[0-9a-f]+$/); // encodeas: 'hex'
    expect(await store.get(id)).toEqual(asJson(s));
  });
});

describe('wrong keys and secrets', () => {
  it('a wrong secret: an error without the secret or the ciphertext, never a session', async () => {
    const writer = makeStore({ cryptoAdapter: createWebCryptoAdapter({ secret: SECRET, iterations: 10 }) });
    const id = sid();
    await writer.store.set(id, makeSession({ a: 1 }));
    const stored = (await (await writer.collection()).findOne({ _id: id as never }))!.session as string;
    const { store: reader } = makeStore({
      dbName: writer.dbName,
      cryptoAdapter: createWebCryptoAdapter({ secret: 'other-secret, also 32 bytes or more', iterations: 10 }),
    });
    const err = (await reader.get(id).catch((e: Error) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/could not be decrypted/);
    const text = `${err.message} ${String(err.cause ?? '')} ${err.stack}`;
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('other-secret, also 32 bytes or more');
    expect(text).not.toContain(stored.slice(0, 16));
  });

  it('a bad legacy crypto option fails at create() without echoing the secret', () => {
    let err: Error | undefined;
    try {
      makeStore({ crypto: { secret: 'hunter2-do-not-print, 32 bytes or more', algorithm: 'rot13' } });
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(TypeError);
    expect(err!.message).toMatch(/`crypto`/);
    expect(err!.message).not.toContain('hunter2');
  });

  it('an adapter whose encrypt fails: set() rejects and nothing is stored', async () => {
    const { store, collection } = makeStore({
      cryptoAdapter: { encrypt: async () => Promise.reject(new Error('kms down')), decrypt: async (c: string) => c },
    });
    const id = sid();
    await expect(store.set(id, makeSession())).rejects.toThrow('kms down');
    expect(await (await collection()).countDocuments()).toBe(0);
  });
});

describe('one way to decrypt', () => {
  it.each([
    ['WebCrypto', () => createWebCryptoAdapter({ secret: 'one-decrypt-path-0123456789abcdef0123', iterations: 10 })],
    ['kruptein', () => createKrupteinAdapter({ secret: 'one-decrypt-path-0123456789abcdef0123' })],
  ])('%s: a store read and the public decrypt() run the adapter’s one decryption function', async (_name, make) => {
    const adapter = make();
    const cipher = cipherOf(adapter);
    const decrypted: string[] = [];
    const decrypt = cipher.decrypt.bind(cipher);
    cipher.decrypt = (ciphertext, context) => (decrypted.push(ciphertext), decrypt(ciphertext, context));
    const { store, dbName, collection } = makeStore({ cryptoAdapter: adapter });
    const id = sid();
    await store.set(id, makeSession({ n: 1 }));
    const stored = (await (await collection()).findOne({ _id: id as never }))!.session as string;
    // Another store on the same adapter has not seen this ciphertext: it decrypts it.
    expect(await makeStore({ dbName, cryptoAdapter: adapter }).store.get(id)).toMatchObject({ n: 1 });
    expect(JSON.parse(await adapter.decrypt(stored))).toMatchObject({ n: 1 });
    expect(decrypted).toEqual([stored, stored]);
  });
});
