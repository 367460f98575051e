// Behaviour of our adapters on their own: exact round trips, hostile input, option validation, and
// "one key derivation per salt". Pure functions: no server needed.
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as connectMongo from 'connect-mongo';
import {
  createKrupteinAdapter,
  createWebCryptoAdapter,
  cryptoAdapterStats,
  decodeDerOctetSequence,
  encodeDerOctetSequence,
  type CryptoAdapter,
  type CryptoOptions,
  type WebCryptoAdapterOptions,
} from '../../src/crypto';
import { kruptein } from '../support/kruptein';
import { allowWarnings } from '../support/warnings';

allowWarnings('CONNECT_MONGO_WEAK_SECRET', 'the adapters are checked over any secret, short ones included; test/store/at-rest.test.ts asserts the warning');


const SECRET = 'Tr0ub4dor&3-super-secret';
const PLAINTEXT = JSON.stringify({ cookie: { path: '/' }, card: '4111-1111-1111-1111', token: 'PLAINTEXT-MARKER' });

const derivations = (a: CryptoAdapter) => cryptoAdapterStats(a)!.keyDerivations;

/** Asserts a rejection that is a clear Error and leaks nothing it was given or holds. */
async function expectCleanRejection(p: Promise<unknown>, stored: string, pattern = /Unable to decrypt session data/) {
  const err = await p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(v).slice(0, 40)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  const msg = String((err as Error).message) + String((err as Error).stack) + JSON.stringify(err);
  expect(msg).toMatch(pattern);
  for (const secretish of [SECRET, 'PLAINTEXT-MARKER', '4111-1111']) expect(msg).not.toContain(secretish);
  if (stored.length >= 16) expect(msg).not.toContain(stored.slice(4, 16));
  expect((err as { cause?: unknown }).cause).toBeUndefined();
}

function flipBit(stored: string, encoding: BufferEncoding, index: number, bit = 1): string {
  const bytes = Buffer.from(stored, encoding);
  bytes[index] ^= bit;
  return bytes.toString(encoding);
}

describe('round trips (exact inverses)', () => {
  it('WebCrypto GCM and CBC, every encoding: decrypt(encrypt(s)) === s for well-formed strings', async () => {
    for (const algorithm of ['AES-GCM', 'AES-CBC'] as const) {
      for (const encoding of ['base64', 'base64url', 'hex'] as const) {
        const a = createWebCryptoAdapter({ secret: SECRET, algorithm, encoding, iterations: 10 });
        await fc.assert(
          fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (s) => {
            expect(await a.decrypt(await a.encrypt(s))).toBe(s);
          }),
          { numRuns: 60 },
        );
      }
    }
  });

  it('WebCrypto keeps a leading BOM (connect-mongo drops it) and turns lone surrogates into U+FFFD like connect-mongo', async () => {
    const ours = createWebCryptoAdapter({ secret: SECRET, iterations: 10 });
    const theirs = connectMongo.createWebCryptoAdapter({ secret: SECRET, iterations: 10 });
    expect(await ours.decrypt(await ours.encrypt('\uFEFF{"a":1}'))).toBe('\uFEFF{"a":1}');
    expect(await theirs.decrypt(await ours.encrypt('\uFEFF{"a":1}'))).toBe('{"a":1}');
    expect(await ours.decrypt(await ours.encrypt('a\uD800b'))).toBe('a\uFFFDb');
    expect(await theirs.decrypt(await theirs.encrypt('a\uD800b'))).toBe('a\uFFFDb');
  });

  it('kruptein format: decrypt(encrypt(s)) === s for every string, lone surrogates included', async () => {
    for (const algorithm of ['aes-256-gcm', 'aes-256-cbc']) {
      const a = createKrupteinAdapter({ secret: SECRET, algorithm });
      const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: anyUnit, maxLength: 200 }), async (s) => {
          expect(await a.decrypt(await a.encrypt(s))).toBe(s);
        }),
        { numRuns: 100 },
      );
    }
  });

  it('fresh IV per value: encrypting the same string twice gives different records', async () => {
    const w = createWebCryptoAdapter({ secret: SECRET, iterations: 10 });
    const k = createKrupteinAdapter({ secret: SECRET });
    expect(await w.encrypt(PLAINTEXT)).not.toBe(await w.encrypt(PLAINTEXT));
    expect(await k.encrypt(PLAINTEXT)).not.toBe(await k.encrypt(PLAINTEXT));
  });
});

describe('createWebCryptoAdapter rejects hostile input cleanly', () => {
  for (const encoding of ['base64', 'base64url', 'hex'] as const) {
    it(`GCM/${encoding}: every single-bit flip, truncation, extension is rejected`, async () => {
      const a = createWebCryptoAdapter({ secret: SECRET, encoding, iterations: 10 });
      const stored = await a.encrypt(PLAINTEXT);
      const n = Buffer.from(stored, encoding).length;
      for (let i = 0; i < n; i++) await expectCleanRejection(a.decrypt(flipBit(stored, encoding, i, 1 << (i % 8))), stored);
      const bytes = Buffer.from(stored, encoding);
      for (const cut of [0, 1, 12, 27, n - 1]) await expectCleanRejection(a.decrypt(bytes.subarray(0, cut).toString(encoding)), stored);
      await expectCleanRejection(a.decrypt(Buffer.concat([bytes, Buffer.from([0])]).toString(encoding)), stored);
    });
  }

  it('wrong secret, wrong salt, wrong encoding and garbage are rejected', async () => {
    const a = createWebCryptoAdapter({ secret: SECRET, iterations: 10 });
    const stored = await a.encrypt(PLAINTEXT);
    await expectCleanRejection(createWebCryptoAdapter({ secret: SECRET + '!', iterations: 10 }).decrypt(stored), stored);
    await expectCleanRejection(createWebCryptoAdapter({ secret: SECRET, salt: 'other', iterations: 10 }).decrypt(stored), stored);
    await expectCleanRejection(createWebCryptoAdapter({ secret: SECRET, encoding: 'hex', iterations: 10 }).decrypt(stored), stored);
    for (const garbage of ['', '!!!!', 'zzzz definitely garbage', '{"session":1}', 'A'.repeat(10_000)]) {
      await expectCleanRejection(a.decrypt(garbage), garbage);
    }
  });

  it('CBC (unauthenticated, as in connect-mongo): damage never yields the plaintext nor an unclean error', async () => {
    const a = createWebCryptoAdapter({ secret: SECRET, algorithm: 'AES-CBC', iterations: 10 });
    const stored = await a.encrypt(PLAINTEXT);
    for (const bad of [flipBit(stored, 'base64', 40), Buffer.from(stored, 'base64').subarray(0, 40).toString('base64')]) {
      const out = await a.decrypt(bad).catch((e: Error) => e);
      if (out instanceof Error) await expectCleanRejection(Promise.reject(out), stored);
      else expect(out).not.toBe(PLAINTEXT);
    }
    // not a whole number of blocks / too short
    await expectCleanRejection(a.decrypt(Buffer.alloc(20).toString('base64')), stored);
  });

  it('non-string input is a TypeError naming the argument', async () => {
    const a = createWebCryptoAdapter({ secret: SECRET, iterations: 10 });
    await expect(a.decrypt(42 as unknown as string)).rejects.toThrow(TypeError);
    await expect(a.decrypt(null as unknown as string)).rejects.toThrow(/ciphertext/);
    await expect(a.encrypt({} as unknown as string)).rejects.toThrow(/plaintext/);
  });
});

describe('createKrupteinAdapter rejects hostile input cleanly', () => {
  for (const algorithm of ['aes-256-gcm', 'aes-128-gcm', 'aes-256-cbc']) {
    it(`${algorithm}: bit flips in every field, truncation and extension are rejected`, async () => {
      const a = createKrupteinAdapter({ secret: SECRET, algorithm });
      const stored = await a.encrypt(PLAINTEXT);
      const der = Buffer.from(stored, 'base64');
      const fields = decodeDerOctetSequence(der)!;
      const offsets = fields.map((f) => f.byteOffset - der.byteOffset);
      const aead = fields.length === 6;
      for (let i = 0; i < der.length; i++) {
        const inSalt = i >= offsets[3] && i < offsets[3] + 128;
        if (inSalt && i % 32 !== 0) continue; // each salt flip costs a fresh (async) derivation: sample it
        // kruptein's non-AEAD HMAC does not cover the IV; those flips are caught only if block 1 stops being JSON
        const inIv = i >= offsets[2] && i < offsets[2] + fields[2].length;
        if (inIv && !aead) continue;
        await expectCleanRejection(a.decrypt(flipBit(stored, 'base64', i, 1 << (i % 8))), stored);
      }
      for (const cut of [0, 1, 2, der.length - 1]) await expectCleanRejection(a.decrypt(der.subarray(0, cut).toString('base64')), stored);
      await expectCleanRejection(a.decrypt(Buffer.concat([der, Buffer.from([4, 0])]).toString('base64')), stored);
    });
  }

  it('non-AEAD IV damage that breaks the JSON text is rejected rather than returned', async () => {
    const a = createKrupteinAdapter({ secret: SECRET, algorithm: 'aes-256-cbc' });
    const stored = await a.encrypt(PLAINTEXT);
    const der = Buffer.from(stored, 'base64');
    const ivOffset = decodeDerOctetSequence(der)![2].byteOffset - der.byteOffset;
    der[ivOffset] ^= 0x02; // '"' (0x22) becomes ' ' (0x20): no longer a JSON string
    await expectCleanRejection(a.decrypt(der.toString('base64')), stored);
  });

  it('wrong secret, other hashing, other algorithm, wrong encoding, garbage, records with extra fields', async () => {
    const a = createKrupteinAdapter({ secret: SECRET });
    const stored = await a.encrypt(PLAINTEXT);
    await expectCleanRejection(createKrupteinAdapter({ secret: SECRET + '!' }).decrypt(stored), stored);
    await expectCleanRejection(createKrupteinAdapter({ secret: SECRET, hashing: 'sha256' }).decrypt(stored), stored);
    await expectCleanRejection(createKrupteinAdapter({ secret: SECRET, algorithm: 'aes-256-cbc' }).decrypt(stored), stored);
    await expectCleanRejection(createKrupteinAdapter({ secret: SECRET, encodeas: 'hex' }).decrypt(stored), stored);
    for (const garbage of ['', 'MAA=', '!!!', 'hello world', 'A'.repeat(10_000), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).toString('base64')]) {
      await expectCleanRejection(a.decrypt(garbage), garbage);
    }
    const fields = decodeDerOctetSequence(Buffer.from(stored, 'base64'))!;
    const seven = encodeDerOctetSequence([...fields, Buffer.from('x')]).toString('base64');
    await expectCleanRejection(a.decrypt(seven), stored);
    // a record from connect-mongo with a different secret
    const foreign = await connectMongo.createKrupteinAdapter({ secret: 'someone-else' }).encrypt(PLAINTEXT);
    await expectCleanRejection(a.decrypt(foreign), foreign);
  });

  it('non-string input is a TypeError naming the argument', async () => {
    const a = createKrupteinAdapter({ secret: SECRET });
    await expect(a.decrypt(undefined as unknown as string)).rejects.toThrow(/ciphertext must be a string/);
    await expect(a.encrypt(5 as unknown as string)).rejects.toThrow(/plaintext must be a string/);
  });
});

describe('strict DER decoding', () => {
  const ok = encodeDerOctetSequence([Buffer.from('ab'), Buffer.alloc(200)]);
  it('accepts exactly what it encodes and nothing else', () => {
    expect(decodeDerOctetSequence(ok)!.map((f) => f.length)).toEqual([2, 200]);
    const cases: Array<[string, Buffer]> = [
      ['empty', Buffer.alloc(0)],
      ['trailing byte', Buffer.concat([ok, Buffer.from([0])])],
      ['truncated', ok.subarray(0, ok.length - 1)],
      ['wrong outer tag', Buffer.from([0x31, 0x02, 0x04, 0x00])],
      ['wrong inner tag', Buffer.from([0x30, 0x02, 0x05, 0x00])],
      ['indefinite length', Buffer.from([0x30, 0x80, 0x04, 0x00, 0x00, 0x00])],
      ['non-minimal long form', Buffer.from([0x30, 0x81, 0x02, 0x04, 0x00])],
      ['leading zero length byte', Buffer.from([0x30, 0x82, 0x00, 0x82, ...Buffer.alloc(0x82)])],
      ['inner length past the end', Buffer.from([0x30, 0x02, 0x04, 0x05])],
      ['5-byte length', Buffer.from([0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00])],
    ];
    for (const [name, der] of cases) expect(decodeDerOctetSequence(der), name).toBeUndefined();
    expect(decodeDerOctetSequence(Buffer.from([0x30, 0x00]))).toEqual([]);
  });
});

describe('option validation: early, clear, naming the option', () => {
  const web = (o: unknown) => () => createWebCryptoAdapter(o as WebCryptoAdapterOptions);
  const kr = (o: unknown) => () => createKrupteinAdapter(o as CryptoOptions);

  it('createWebCryptoAdapter', () => {
    for (const o of [undefined, null, 'secret']) expect(web(o)).toThrow(/createWebCryptoAdapter requires a secret \(pass an options object/);
    for (const secret of [undefined, null, '', false]) expect(web({ secret })).toThrow(/createWebCryptoAdapter requires a secret/);
    expect(web({ secret: new Uint8Array(0) })).toThrow(/requires a secret \(the one given is empty\)/);
    expect(web({ secret: 12345 })).toThrow(TypeError);
    expect(web({ secret: 12345 })).toThrow(/"secret"/);
    for (const encoding of ['latin1', 'utf8', 5, null]) expect(web({ secret: 's', encoding })).toThrow(/"encoding"/);
    for (const algorithm of ['AES-CTR', 'aes-256-gcm', 'AES-KW', 1, null]) expect(web({ secret: 's', algorithm })).toThrow(/"algorithm"/);
    for (const ivLength of [0, -1, 11, 129, 1.5, NaN, '12', false]) expect(web({ secret: 's', ivLength })).toThrow(/"ivLength"/);
    for (const ivLength of [12, 15, 17]) expect(web({ secret: 's', algorithm: 'AES-CBC', ivLength })).toThrow(RangeError);
    expect(web({ secret: 's', algorithm: 'AES-CBC', ivLength: 12 })).toThrow(/"ivLength" must be 16 for AES-CBC/);
    for (const iterations of [0, -5, 2.5, NaN, Infinity, '1000', null, 2 ** 31]) expect(web({ secret: 's', iterations })).toThrow(/"iterations"/);
    for (const salt of [42, {}, [1, 2], true]) expect(web({ secret: 's', salt })).toThrow(/"salt"/);
    // valid edge values construct fine
    for (const o of [{ ivLength: 12 }, { ivLength: 128 }, { ivLength: null, salt: null }, { algorithm: 'AES-CBC', ivLength: 16 }, { iterations: 1 }, { salt: new ArrayBuffer(0) }]) {
      expect(web({ secret: 's', ...o })).not.toThrow();
    }
  });

  it('createKrupteinAdapter', () => {
    for (const o of [undefined, null, 7]) expect(kr(o)).toThrow(/createKrupteinAdapter requires a non-empty secret \(pass an options object/);
    for (const secret of [undefined, null, '', false]) expect(kr({ secret })).toThrow(/createKrupteinAdapter requires a non-empty secret/);
    expect(kr({})).toThrow(/requires a non-empty secret/);
    for (const secret of [42, Buffer.from('x'), {}]) expect(kr({ secret })).toThrow(/"secret" must be a string/);
    for (const algorithm of ['aes-256-ccm', 'aes-256-ecb', 'aes-256-xts', 'aes-256-ocb', 'AES-256-GCM', 'des-ede3-cbc', 'chacha20-poly1305', 'nope', 7]) {
      expect(kr({ secret: 's', algorithm })).toThrow(/"algorithm"/);
    }
    for (const hashing of ['nope', 'shake256', 7]) expect(kr({ secret: 's', hashing })).toThrow(/"hashing"/);
    expect(kr({ secret: 's', algorithm: Object.create(null) })).toThrow(/"algorithm" must be a string \(got object\)/);
    for (const encodeas of ['utf8', 'ascii', 'utf16le', 'base32', 3]) expect(kr({ secret: 's', encodeas })).toThrow(/"encodeas"/);
    expect(kr({ secret: 's', algorithm: 'aes-192-cfb8', hashing: 'sha1', encodeas: 'hex' })).not.toThrow();
  });

  it('no validation error leaks the secret', () => {
    const attempts = [
      web({ secret: SECRET, encoding: 'bogus' }), web({ secret: SECRET, iterations: -1 }), web({ secret: SECRET, salt: 1 }),
      kr({ secret: SECRET, algorithm: 'bogus' }), kr({ secret: SECRET, hashing: 'bogus' }), kr({ secret: SECRET, encodeas: 'bogus' }),
    ];
    for (const attempt of attempts) {
      let message = '';
      try {
        attempt();
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(SECRET);
    }
  });
});

// Key derivation is observed through cryptoAdapterStats(), a read-only counter kept in a module-level
// WeakMap: nothing is mocked and the adapters carry no extra properties.
describe('key derivation happens once per salt, asynchronously', () => {
  it('WebCrypto: nothing at creation, then exactly one derivation however many concurrent operations', async () => {
    const a = createWebCryptoAdapter({ secret: SECRET, iterations: 1000 });
    expect(derivations(a)).toBe(0);
    const stored = await Promise.all(Array.from({ length: 25 }, (_, i) => a.encrypt(`${PLAINTEXT}${i}`)));
    expect(await Promise.all(stored.map((s) => a.decrypt(s)))).toEqual(stored.map((_, i) => `${PLAINTEXT}${i}`));
    expect(derivations(a)).toBe(1);
    expect(cryptoAdapterStats(a)!.cachedKeys).toBe(1);
    // a second adapter reading the first one's output derives its own key once
    const b = createWebCryptoAdapter({ secret: SECRET, iterations: 1000 });
    await Promise.all(stored.map((s) => b.decrypt(s)));
    expect(derivations(b)).toBe(1);
  });

  it('kruptein: encryption uses one salt per adapter, so one derivation for any number of values', async () => {
    const a = createKrupteinAdapter({ secret: SECRET });
    expect(derivations(a)).toBe(0);
    const stored = await Promise.all(Array.from({ length: 30 }, (_, i) => a.encrypt(`v${i}`)));
    expect(derivations(a)).toBe(1);
    // decrypting its own values needs no further derivation
    expect(await Promise.all(stored.map((s) => a.decrypt(s)))).toEqual(stored.map((_, i) => `v${i}`));
    expect(derivations(a)).toBe(1);
    // another adapter reads all 30 (one salt) with one derivation, even concurrently
    const b = createKrupteinAdapter({ secret: SECRET });
    await Promise.all(stored.map((s) => b.decrypt(s)));
    expect(derivations(b)).toBe(1);
  });

  it('kruptein: values written by kruptein (a salt each) cost one derivation per salt, then hit the cache', async () => {
    const k = kruptein({ secret: SECRET, algorithm: 'aes-256-gcm', hashing: 'sha512', encodeas: 'base64' });
    const set = promisify(k.set).bind(k) as (secret: string, s: string) => Promise<string>;
    const stored: string[] = [];
    for (let i = 0; i < 6; i++) stored.push(await set(SECRET, `s${i}`));
    const a = createKrupteinAdapter({ secret: SECRET });
    for (let round = 0; round < 3; round++) {
      expect(await Promise.all(stored.map((s) => a.decrypt(s)))).toEqual(stored.map((_, i) => `s${i}`));
      expect(derivations(a)).toBe(6);
    }
    expect(cryptoAdapterStats(a)!.cachedKeys).toBe(6);
  });

  it('kruptein: the per-salt key cache is bounded (1,000 salts, least recently used evicted)', async () => {
    // Records forged with distinct random salts (sha256 keeps each derivation cheap); a wrong key only
    // fails the HMAC check after the derivation, which is what is being counted here.
    const a = createKrupteinAdapter({ secret: SECRET, hashing: 'sha256' });
    const template = decodeDerOctetSequence(Buffer.from(await a.encrypt('x'), 'base64'))!;
    const forged = (salt: Buffer) => encodeDerOctetSequence([template[0], template[1], template[2], salt, template[4], template[5]]).toString('base64');
    const salts = Array.from({ length: 1001 }, () => randomBytes(128));
    const before = derivations(a); // 1: its own key
    // Each forged record fails the HMAC under kruptein 3.0's key (15 000 iterations) and then under that of
    // kruptein 3.1.3+ (20 000), which may have written it: two derivations per salt, two bounded caches.
    // The first alone: concurrent reads reach the second cache in the order their derivations finish.
    await a.decrypt(forged(salts[0])).catch(() => undefined);
    for (let i = 1; i < salts.length; i += 50) {
      await Promise.all(salts.slice(i, i + 50).map((s) => a.decrypt(forged(s)).catch(() => undefined)));
    }
    expect(derivations(a) - before).toBe(2 * 1001);
    expect(cryptoAdapterStats(a)!.cachedKeys).toBe(2 * 1000 + 1); // 1000 foreign salts in each cache + its own key
    await a.decrypt(forged(salts[1000])).catch(() => undefined); // most recent: cached
    expect(derivations(a) - before).toBe(2 * 1001);
    await a.decrypt(forged(salts[0])).catch(() => undefined); // the oldest was evicted
    expect(derivations(a) - before).toBe(2 * 1002);
    expect(await a.decrypt(await a.encrypt('own'))).toBe('own'); // own key never evicted
    expect(derivations(a) - before).toBe(2 * 1002);
  }, 90_000); // ~2,000 PBKDF2 derivations on 2 shared cores
});
