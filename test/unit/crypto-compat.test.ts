// Stored-format compatibility, both directions, against the real libraries: connect-mongo 6.0.0's own
// adapters and kruptein 3.0.8 called exactly as connect-mongo calls it. Pure functions: no server needed.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as connectMongo from 'connect-mongo';
import {
  createKrupteinAdapter,
  createWebCryptoAdapter,
  cryptoAdapterStats,
  decodeDerOctetSequence,
  encodeDerOctetSequence,
  type CryptoAdapter,
  type WebCryptoAdapterOptions,
} from '../../src/crypto';
import { kruptein } from '../support/kruptein';
import { allowWarnings } from '../support/warnings';

allowWarnings('CONNECT_MONGO_WEAK_SECRET', 'the secrets here are fixtures shared with connect-mongo 6 (one letter, binary, arbitrary); test/store/at-rest.test.ts asserts the warning');

const require = createRequire(import.meta.url);
// asn1.js is kruptein's own dependency; only the tests use it, as the reference DER implementation.
const asn1 = require('asn1.js');
type Asn1Builder = { seq(): { obj(...items: unknown[]): void }; key(name: string): { octstr(): unknown } };

const session = JSON.stringify({
  cookie: { originalMaxAge: 86_400_000, expires: '2030-01-01T00:00:00.000Z', httpOnly: true, path: '/' },
  user: { id: 42, name: 'Zoë Ångström', roles: ['admin', 'editor'] },
  cart: Array.from({ length: 12 }, (_, i) => ({ sku: `SKU-${i}`, qty: i, note: 'x'.repeat(i * 3) })),
  emoji: '😀 ✓ 中文',
});
const samples = ['', 'a', '"quoted" \\ backslash\n', 'ünïcödé 😀', session, 'x'.repeat(5000)];

async function bothWays(ours: CryptoAdapter, theirs: connectMongo.CryptoAdapter, expectTheirs: (s: string) => string) {
  for (const s of samples) {
    expect(await ours.decrypt(await theirs.encrypt(s))).toBe(s);
    expect(await theirs.decrypt(await ours.encrypt(s))).toBe(expectTheirs(s));
  }
}

describe('createWebCryptoAdapter ⇄ connect-mongo 6.0.0 createWebCryptoAdapter', () => {
  const secrets: Array<[string, () => connectMongo.WebCryptoAdapterOptions['secret']]> = [
    ['string', () => 'correct horse battery staple'],
    ['Uint8Array', () => new Uint8Array(randomBytes(32))],
    ['ArrayBuffer', () => new Uint8Array([1, 2, 3, 250, 251]).buffer],
    ['Buffer slice (view with offset)', () => Buffer.from('..binary-secret..').subarray(2, 15)],
    ['DataView', () => new DataView(new Uint8Array([9, 8, 7, 6, 5]).buffer, 1, 3)],
  ];
  const salts: Array<[string, WebCryptoAdapterOptions['salt']]> = [
    ['default salt', undefined],
    ['string salt', 'my-app-salt ✓'],
    ['binary salt', new Uint8Array(randomBytes(16))],
    ['empty salt', ''],
  ];
  for (const algorithm of ['AES-GCM', 'AES-CBC'] as const) {
    for (const encoding of ['base64', 'base64url', 'hex'] as const) {
      for (const [secretName, makeSecret] of secrets) {
        for (const [saltName, salt] of salts) {
          it(`${algorithm} ${encoding}, ${secretName} secret, ${saltName}`, async () => {
            const secret = makeSecret();
            const options: connectMongo.WebCryptoAdapterOptions = { secret, algorithm, encoding, salt, iterations: 1000 };
            await bothWays(createWebCryptoAdapter(options), connectMongo.createWebCryptoAdapter(options), (s) => s);
          });
        }
      }
    }
  }

  it('custom iterations and GCM ivLength (16, 128) both ways', async () => {
    for (const ivLength of [16, 128]) {
      const options: connectMongo.WebCryptoAdapterOptions = { secret: 's3cret', ivLength, iterations: 7 };
      await bothWays(createWebCryptoAdapter(options), connectMongo.createWebCryptoAdapter(options), (s) => s);
    }
  });

  it("keeps connect-mongo's quirk: a lower-case 'aes-gcm' name defaults to 16-byte IVs", async () => {
    const options = { secret: 's3cret', algorithm: 'aes-gcm' as 'AES-GCM', iterations: 5 };
    const ours = createWebCryptoAdapter(options);
    await bothWays(ours, connectMongo.createWebCryptoAdapter(options), (s) => s);
    // 16 IV + 0 bytes + 16 tag for the empty string
    expect(Buffer.from(await ours.encrypt(''), 'base64')).toHaveLength(32);
  });

  it('layout is iv ‖ ciphertext ‖ tag (GCM) and iv ‖ PKCS#7 blocks (CBC)', async () => {
    const gcm = createWebCryptoAdapter({ secret: 'k', iterations: 1, encoding: 'hex' });
    expect(Buffer.from(await gcm.encrypt('12345'), 'hex')).toHaveLength(12 + 5 + 16);
    const cbc = createWebCryptoAdapter({ secret: 'k', iterations: 1, algorithm: 'AES-CBC' });
    expect(Buffer.from(await cbc.encrypt('12345'), 'base64')).toHaveLength(16 + 16);
    expect(Buffer.from(await cbc.encrypt('x'.repeat(16)), 'base64')).toHaveLength(16 + 32);
  });

  it('with all defaults (310000 iterations, default salt), both ways', async () => {
    const ours = createWebCryptoAdapter({ secret: 'default-everything' });
    const theirs = connectMongo.createWebCryptoAdapter({ secret: 'default-everything' });
    expect(await ours.decrypt(await theirs.encrypt(session))).toBe(session);
    expect(await theirs.decrypt(await ours.encrypt(session))).toBe(session);
    expect(cryptoAdapterStats(ours)?.keyDerivations).toBe(1);
  });

  it('a different salt or iteration count is a different key', async () => {
    const theirs = connectMongo.createWebCryptoAdapter({ secret: 's', salt: 'a', iterations: 10 });
    const stored = await theirs.encrypt(session);
    await expect(createWebCryptoAdapter({ secret: 's', salt: 'b', iterations: 10 }).decrypt(stored)).rejects.toThrow(/Unable to decrypt/);
    await expect(createWebCryptoAdapter({ secret: 's', salt: 'a', iterations: 11 }).decrypt(stored)).rejects.toThrow(/Unable to decrypt/);
    expect(await createWebCryptoAdapter({ secret: 's', salt: 'a', iterations: 10 }).decrypt(stored)).toBe(session);
  });
});

// What connect-mongo's createKrupteinAdapter does with kruptein, spelled out (its defaults merged first).
function rawKruptein(options: Record<string, unknown>) {
  const merged: Record<string, unknown> = {
    secret: false, algorithm: 'aes-256-gcm', hashing: 'sha512', encodeas: 'base64', key_size: 32, iv_size: 16, at_size: 16,
    ...options,
  };
  const k = kruptein(merged);
  return {
    set: (plaintext: unknown) => promisify(k.set).call(k, merged.secret as string, plaintext) as Promise<string>,
    get: (ciphertext: string) => promisify(k.get).call(k, merged.secret as string, ciphertext) as Promise<string>,
  };
}

describe('createKrupteinAdapter ⇄ connect-mongo 6.0.0 createKrupteinAdapter (kruptein 3.0.8)', () => {
  // connect-mongo's adapter returns kruptein's plaintext: the JSON text of what was encrypted.
  const theirView = (s: string) => JSON.stringify(s);

  it('defaults (aes-256-gcm, sha512, base64) both ways, adapter level', async () => {
    await bothWays(createKrupteinAdapter({ secret: 'legacy' }), connectMongo.createKrupteinAdapter({ secret: 'legacy' }), theirView);
  });

  it('defaults both ways, kruptein set/get called directly', async () => {
    const ours = createKrupteinAdapter({ secret: 'legacy' });
    const k = rawKruptein({ secret: 'legacy' });
    for (const s of samples) {
      expect(await ours.decrypt(await k.set(s))).toBe(s);
      expect(JSON.parse(await k.get(await ours.encrypt(s)))).toBe(s);
    }
  });

  const algorithms = ['128', '192', '256'].flatMap((bits) =>
    ['gcm', 'cbc', 'ctr', 'cfb', 'cfb8', 'ofb'].map((mode) => `aes-${bits}-${mode}`),
  );
  for (const algorithm of algorithms) {
    for (const encodeas of ['base64', 'base64url', 'hex', 'latin1', 'binary']) {
      it(`${algorithm} / ${encodeas} both ways`, async () => {
        const options = { secret: 'legacy ✓', algorithm, encodeas };
        const ours = createKrupteinAdapter(options);
        const theirs = connectMongo.createKrupteinAdapter(options);
        for (const s of ['', session]) {
          expect(await ours.decrypt(await theirs.encrypt(s))).toBe(s);
          expect(await theirs.decrypt(await ours.encrypt(s))).toBe(theirView(s));
        }
      });
    }
  }

  for (const hashing of ['sha256', 'sha384', 'sha1', 'sha512-256', 'SHA512']) {
    it(`hashing ${hashing} both ways`, async () => {
      const options = { secret: 'legacy', hashing };
      await bothWays(createKrupteinAdapter(options), connectMongo.createKrupteinAdapter(options), theirView);
    });
  }

  it('falsy hashing/algorithm/encodeas fall back to kruptein defaults (sha384, aes-256-gcm, base64), like connect-mongo', async () => {
    const options = { secret: 'legacy', hashing: undefined, algorithm: '', encodeas: undefined };
    const ours = createKrupteinAdapter(options);
    const theirs = connectMongo.createKrupteinAdapter(options);
    await bothWays(ours, theirs, theirView);
    // sha384 really is in use: a sha512 reader rejects it
    await expect(createKrupteinAdapter({ secret: 'legacy' }).decrypt(await theirs.encrypt('x'))).rejects.toThrow(/Unable to decrypt/);
    await expect(createKrupteinAdapter({ secret: 'legacy', hashing: 'sha384' }).decrypt(await theirs.encrypt('x'))).resolves.toBe('x');
  });

  it('ignores key_size/iv_size/at_size exactly as kruptein does', async () => {
    const options = { secret: 'legacy', key_size: 16, iv_size: 8, at_size: 4 };
    await bothWays(createKrupteinAdapter(options), connectMongo.createKrupteinAdapter(options), theirView);
  });

  it('reads values whose JSON is not a string (older stores encrypted objects) as their JSON text', async () => {
    const k = rawKruptein({ secret: 'legacy' });
    const ours = createKrupteinAdapter({ secret: 'legacy' });
    const obj = { cookie: { path: '/' }, n: 1 };
    expect(await ours.decrypt(await k.set(obj))).toBe(JSON.stringify(obj));
    expect(await ours.decrypt(await k.set(12))).toBe('12');
  });

  it('record structure matches what kruptein writes (DER fields and sizes)', async () => {
    for (const [algorithm, n, iv] of [['aes-256-gcm', 6, 12], ['aes-256-cbc', 4, 16]] as const) {
      const theirs = decodeDerOctetSequence(Buffer.from(await rawKruptein({ secret: 's', algorithm }).set('v'), 'base64'))!;
      const ours = decodeDerOctetSequence(Buffer.from(await createKrupteinAdapter({ secret: 's', algorithm }).encrypt('v'), 'base64'))!;
      expect(theirs).toHaveLength(n);
      expect(ours.map((f) => f.length)).toEqual(theirs.map((f) => f.length));
      expect(ours[2]).toHaveLength(iv);
      expect(ours[3]).toHaveLength(128);
      // text fields are the encoded strings; sha512 hmac in base64 is 88 characters
      expect(ours[1].toString()).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    }
  });

  it('one adapter encrypts every value under one salt (one key), kruptein draws a salt per value', async () => {
    const ours = createKrupteinAdapter({ secret: 's' });
    const k = rawKruptein({ secret: 's' });
    const saltOf = (v: string) => decodeDerOctetSequence(Buffer.from(v, 'base64'))![3].toString('hex');
    expect(new Set([await ours.encrypt('a'), await ours.encrypt('b'), await ours.encrypt('a')].map(saltOf)).size).toBe(1);
    expect(new Set([await k.set('a'), await k.set('b')].map(saltOf)).size).toBe(2);
  });
});

describe('hand-written DER codec vs asn1.js (the library kruptein uses)', () => {
  const aeadSchema = asn1.define('s', function (this: Asn1Builder) {
    this.seq().obj(
      this.key('ct').octstr(), this.key('hmac').octstr(), this.key('iv').octstr(),
      this.key('salt').octstr(), this.key('at').octstr(), this.key('aad').octstr(),
    );
  });
  const names = ['ct', 'hmac', 'iv', 'salt', 'at', 'aad'];

  it('encodes byte-identically and each decodes the other, for short and long-form lengths', () => {
    for (const sizes of [[0, 0, 0, 0, 0, 0], [1, 88, 12, 128, 16, 88], [127, 128, 255, 256, 65_535, 65_536], [70_000, 3, 2, 1, 0, 300]]) {
      const fields = sizes.map((n) => randomBytes(n));
      const obj = Object.fromEntries(names.map((name, i) => [name, fields[i]]));
      const reference: Buffer = aeadSchema.encode(obj, 'der');
      const ours = encodeDerOctetSequence(fields);
      expect(ours.equals(reference)).toBe(true);
      expect(decodeDerOctetSequence(reference)!.map((f) => f.toString('hex'))).toEqual(fields.map((f) => f.toString('hex')));
      const back = aeadSchema.decode(ours, 'der');
      expect(names.map((n) => (back[n] as Buffer).toString('hex'))).toEqual(fields.map((f) => f.toString('hex')));
    }
  });
});
