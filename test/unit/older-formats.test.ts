// Reading what connect-mongo wrote before version 6, with the real writers: every kruptein 3.x release
// connect-mongo 4.x/5.x may have installed, called as connect-mongo calls it, and connect-mongo 3.2.0's own
// crypto module. The format is recognised from the value; a wrong secret or an altered value still fails.
// Pure functions: no server needed (test/integration/upgrade.test.ts goes through Express and MongoDB).
import { describe, expect, it } from 'vitest';
import { createKrupteinAdapter, cryptoAdapterStats, decodeDerOctetSequence, encodeDerOctetSequence, type CryptoOptions } from '../../src/crypto';
import { cipherOf } from '../../src/crypto/cipher';
import {
  COMPLEX_SECRET,
  CONNECT_MONGO_41_CRYPTO_DEFAULTS,
  CONNECT_MONGO_CRYPTO_DEFAULTS,
  KRUPTEIN_RELEASES,
  connectMongo3Crypto,
  kruptein2,
  krupteinWrite,
} from '../support/old-versions';

const WRONG_SECRET = 'Another-SECRET-99#%-q2Wv8Xc4Rt6Yp1Ks3Ld';
const INTEGRITY = 'Unable to decrypt session data: integrity check failed (wrong secret or altered data)';

const sessionObject = { cookie: { originalMaxAge: 3_600_000, expires: '2030-01-01T00:00:00.000Z', httpOnly: true, path: '/' }, user: 'zoë 😀' };
const sessionJson = JSON.stringify(sessionObject);

/** What the app's options were under connect-mongo 4/5 (`crypto`), and what it passes to us. */
const settings: Array<[string, CryptoOptions]> = [
  ['defaults', { secret: COMPLEX_SECRET }],
  ['aes-256-cbc', { secret: COMPLEX_SECRET, algorithm: 'aes-256-cbc' }],
  ['encodeas hex, hashing sha256', { secret: COMPLEX_SECRET, encodeas: 'hex', hashing: 'sha256' }],
];

function detailedOf(options: CryptoOptions) {
  const adapter = createKrupteinAdapter(options);
  const cipher = cipherOf(adapter);
  return { adapter, detailed: async (stored: string) => cipher.decrypt(stored) };
}

describe('kruptein 3.x records, written as connect-mongo 4.x/5.x wrote them', () => {
  for (const k of KRUPTEIN_RELEASES) {
    for (const [name, options] of settings) {
      it(`kruptein ${k.version}, ${name}: stringify (a JSON string) and stringify: false (an object)`, async () => {
        const writer = k.create({ ...CONNECT_MONGO_CRYPTO_DEFAULTS, ...options });
        const { detailed } = detailedOf(options);
        const asString = await krupteinWrite(writer, COMPLEX_SECRET, sessionJson);
        const asObject = await krupteinWrite(writer, COMPLEX_SECRET, sessionObject);
        // What connect-mongo 6 would have encrypted: the string itself, an object as its JSON.
        expect(await detailed(asString)).toEqual({ plaintext: sessionJson, keyIndex: 0, ...(k.sameAs308 ? {} : { outdated: true }) });
        expect((await detailed(asObject)).plaintext).toBe(sessionJson);
        await expect(createKrupteinAdapter({ ...options, secret: WRONG_SECRET }).decrypt(asString)).rejects.toThrow(INTEGRITY);
      });
    }
  }

  it('reads with whichever of several secrets wrote it, as for the current format', async () => {
    const stored = await krupteinWrite(KRUPTEIN_RELEASES.at(-1)!.create(CONNECT_MONGO_CRYPTO_DEFAULTS), COMPLEX_SECRET, sessionJson);
    const { detailed } = detailedOf({ secret: [WRONG_SECRET, COMPLEX_SECRET] });
    expect(await detailed(stored)).toEqual({ plaintext: sessionJson, keyIndex: 1, outdated: true });
  });

  it('reads without a promise once the keys exist (the store read path)', async () => {
    const k = KRUPTEIN_RELEASES.find((r) => r.version === '3.3.0')!;
    const stored = await krupteinWrite(k.create(CONNECT_MONGO_CRYPTO_DEFAULTS), COMPLEX_SECRET, sessionJson);
    const adapter = createKrupteinAdapter({ secret: COMPLEX_SECRET });
    const cipher = cipherOf(adapter);
    const first = cipher.decrypt(stored);
    expect(first).toBeInstanceOf(Promise); // keys not derived yet
    await first;
    expect(cipher.decrypt(stored)).toEqual({ plaintext: sessionJson, keyIndex: 0, outdated: true });
  });

  it('one writer process of kruptein 3.2+ (one salt) costs one derivation per iteration count, not one per value', async () => {
    const writer = KRUPTEIN_RELEASES.find((r) => r.version === '3.2.1')!.create(CONNECT_MONGO_CRYPTO_DEFAULTS);
    const values = [];
    for (let i = 0; i < 5; i++) values.push(await krupteinWrite(writer, COMPLEX_SECRET, JSON.stringify({ i })));
    const adapter = createKrupteinAdapter({ secret: COMPLEX_SECRET });
    for (const v of values) await adapter.decrypt(v);
    // 15 000 iterations (the 3.0 and 3.1.1 key, which fails) and 20 000 (the right one), for the one salt.
    expect(cryptoAdapterStats(adapter)!.keyDerivations).toBe(2);
  });
});

describe('kruptein 2.2.3 records (JSON), written as connect-mongo 4.1.x/4.2.x wrote them', () => {
  for (const [name, options] of [
    ['its defaults (hex), read with only the secret: the encoding is recognised', {}],
    ['aes-256-cbc', { algorithm: 'aes-256-cbc' }],
    ['encodeas base64', { encodeas: 'base64' }],
  ] as const) {
    it(name, async () => {
      const writer = kruptein2({ ...CONNECT_MONGO_41_CRYPTO_DEFAULTS, secret: COMPLEX_SECRET, ...options });
      const ours: CryptoOptions = { secret: COMPLEX_SECRET, ...('algorithm' in options ? { algorithm: options.algorithm } : {}) };
      const { detailed } = detailedOf(ours);
      const asString = await krupteinWrite(writer, COMPLEX_SECRET, sessionJson);
      expect(await detailed(asString)).toEqual({ plaintext: sessionJson, keyIndex: 0, outdated: true });
      expect((await detailed(await krupteinWrite(writer, COMPLEX_SECRET, sessionObject))).plaintext).toBe(sessionJson);
      await expect(createKrupteinAdapter({ ...ours, secret: WRONG_SECRET }).decrypt(asString)).rejects.toThrow(INTEGRITY);
    });
  }

  it('an altered record is refused: ciphertext, hmac, aad, iv, salt or tag', async () => {
    const stored = JSON.parse(await krupteinWrite(kruptein2({ ...CONNECT_MONGO_41_CRYPTO_DEFAULTS, secret: COMPLEX_SECRET }), COMPLEX_SECRET, sessionJson));
    const alterText = (t: string) => t.replace(/^./, (ch) => (ch === 'a' ? 'b' : 'a'));
    const alterBytes = (b: { type: string; data: number[] }) => ({ ...b, data: [b.data[0] ^ 1, ...b.data.slice(1)] });
    const variants = [
      { ...stored, ct: alterText(stored.ct) },
      { ...stored, hmac: alterText(stored.hmac) },
      { ...stored, aad: alterText(stored.aad) },
      { ...stored, iv: alterBytes(stored.iv) },
      { ...stored, salt: alterBytes(stored.salt) },
      { ...stored, at: alterBytes(stored.at) },
      { ...stored, at: { type: 'Buffer', data: stored.at.data.slice(0, 4) } },
    ];
    for (const v of variants) {
      await expect(createKrupteinAdapter({ secret: COMPLEX_SECRET }).decrypt(JSON.stringify(v))).rejects.toThrow(/Unable to decrypt session data/);
    }
  });
});

describe('connect-mongo 3.2.0 records (its own crypto, before kruptein)', () => {
  // connect-mongo 3 stored JSON.stringify(record) under the default stringify: the record's JSON, encoded again.
  function write(options: object): string {
    connectMongo3Crypto.init({ secret: COMPLEX_SECRET, ...options });
    return JSON.stringify(connectMongo3Crypto.set(sessionObject));
  }

  it('defaults (hex, sha512, aes-256-gcm) read with only the secret: the encoding is recognised', async () => {
    const { detailed } = detailedOf({ secret: COMPLEX_SECRET });
    expect(await detailed(write({}))).toEqual({ plaintext: sessionJson, keyIndex: 0, outdated: true });
  });

  it('encodeas base64 and hashing sha256, carried over as crypto options', async () => {
    const stored = write({ encodeas: 'base64', hashing: 'sha256' });
    const { detailed } = detailedOf({ secret: COMPLEX_SECRET, hashing: 'sha256' });
    expect((await detailed(stored)).plaintext).toBe(sessionJson);
  });

  it('hex and base64 records both read whatever encodeas the app now sets', async () => {
    for (const encodeas of ['hex', 'base64']) {
      const stored = write({ encodeas });
      for (const configured of ['hex', 'base64', 'latin1']) {
        const { detailed } = detailedOf({ secret: COMPLEX_SECRET, encodeas: configured });
        expect((await detailed(stored)).plaintext).toBe(sessionJson);
      }
    }
  });

  it('the record itself (as a custom serialize stored it) reads too', async () => {
    connectMongo3Crypto.init({ secret: COMPLEX_SECRET });
    const { detailed } = detailedOf({ secret: COMPLEX_SECRET });
    expect((await detailed(connectMongo3Crypto.set(sessionObject))).plaintext).toBe(sessionJson);
  });

  it('a wrong secret fails as for any other record', async () => {
    await expect(createKrupteinAdapter({ secret: WRONG_SECRET }).decrypt(write({}))).rejects.toThrow(INTEGRITY);
  });
});

// An attacker who can write the collection but has no key: every alteration of an old record is refused.
describe('altered older records are refused', () => {
  const reject = (options: CryptoOptions, stored: string) => expect(createKrupteinAdapter(options).decrypt(stored)).rejects.toThrow(/Unable to decrypt session data/);

  async function kruptein(version: string, options: object = {}) {
    const k = KRUPTEIN_RELEASES.find((r) => r.version === version)!;
    const stored = await krupteinWrite(k.create({ ...CONNECT_MONGO_CRYPTO_DEFAULTS, ...options }), COMPLEX_SECRET, sessionJson);
    return decodeDerOctetSequence(Buffer.from(stored, 'base64'))!;
  }
  const reencode = (fields: Buffer[]) => encodeDerOctetSequence(fields).toString('base64');
  const flip = (b: Buffer, at = 0) => {
    const copy = Buffer.from(b);
    copy[at] ^= 0x01;
    return copy;
  };

  for (const [field, index] of [['ciphertext', 0], ['hmac', 1], ['iv', 2], ['salt', 3], ['tag', 4], ['aad', 5]] as const) {
    it(`kruptein 3.4: one bit of the ${field}`, async () => {
      const fields = await kruptein('3.4.0');
      fields[index] = flip(fields[index]);
      await reject({ secret: COMPLEX_SECRET }, reencode(fields));
    });
    it(`kruptein 3.3: one bit of the ${field}`, async () => {
      const fields = await kruptein('3.3.0');
      // Text fields: flip a bit that keeps the character base64 ('A' <-> 'B' and so on), else it is not even parsed.
      fields[index] = index === 0 || index === 1 || index === 5 ? Buffer.from(fields[index].toString().replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'))) : flip(fields[index]);
      await reject({ secret: COMPLEX_SECRET }, reencode(fields));
    });
  }

  it('kruptein 3.4: a tag cut to 4 bytes (which GCM would check only that far) is not taken', async () => {
    const fields = await kruptein('3.4.0');
    fields[4] = fields[4].subarray(0, 4);
    await reject({ secret: COMPLEX_SECRET }, reencode(fields));
  });

  it('kruptein 3.4 without AEAD: a tag or AAD smuggled into the empty fields is not taken', async () => {
    const fields = await kruptein('3.4.0', { algorithm: 'aes-256-cbc' });
    fields[5] = Buffer.from('extra');
    await reject({ secret: COMPLEX_SECRET, algorithm: 'aes-256-cbc' }, reencode(fields));
  });

  for (const key of ['ct', 'hmac', 'aad', 'iv'] as const) {
    it(`connect-mongo 3: one character of ${key}`, async () => {
      connectMongo3Crypto.init({ secret: COMPLEX_SECRET });
      const record = JSON.parse(connectMongo3Crypto.set(sessionObject));
      record[key] = record[key].replace(/^./, (ch: string) => (ch === 'a' ? 'b' : 'a'));
      await reject({ secret: COMPLEX_SECRET }, JSON.stringify(JSON.stringify(record)));
    });
  }

  it('connect-mongo 3: a bit of the tag, or a tag cut short', async () => {
    connectMongo3Crypto.init({ secret: COMPLEX_SECRET });
    const record = JSON.parse(connectMongo3Crypto.set(sessionObject));
    const flipped = { ...record, at: { type: 'Buffer', data: [record.at.data[0] ^ 1, ...record.at.data.slice(1)] } };
    const short = { ...record, at: { type: 'Buffer', data: record.at.data.slice(0, 4) } };
    await reject({ secret: COMPLEX_SECRET }, JSON.stringify(flipped));
    await reject({ secret: COMPLEX_SECRET }, JSON.stringify(short));
  });
});

describe('values in no known format fail as they did before', () => {
  const adapter = () => createKrupteinAdapter({ secret: COMPLEX_SECRET });
  const NOT_A_RECORD = 'Unable to decrypt session data: not a aes-256-gcm kruptein record encoded as base64';

  it('JSON that is not a connect-mongo 3 record, and text that is not DER', async () => {
    await expect(adapter().decrypt('{"cookie":{}}')).rejects.toThrow(NOT_A_RECORD);
    await expect(adapter().decrypt('"{\\"hmac\\":1}"')).rejects.toThrow(NOT_A_RECORD);
    await expect(adapter().decrypt('bm90IGRlcg==')).rejects.toThrow(NOT_A_RECORD);
    expect(() => cipherOf(adapter()).decrypt('{"cookie":{}}')).toThrow(NOT_A_RECORD);
  });

  it('a non-string is refused with the argument named', async () => {
    await expect(adapter().decrypt(42 as never)).rejects.toThrow('decrypt: ciphertext must be a string (got number)');
  });

  it('a record of another algorithm than the one configured', async () => {
    const gcm = await krupteinWrite(KRUPTEIN_RELEASES.at(-1)!.create(CONNECT_MONGO_CRYPTO_DEFAULTS), COMPLEX_SECRET, sessionJson);
    await expect(createKrupteinAdapter({ secret: COMPLEX_SECRET, algorithm: 'aes-256-cbc' }).decrypt(gcm)).rejects.toThrow(/not a aes-256-cbc kruptein record/);
    connectMongo3Crypto.init({ secret: COMPLEX_SECRET });
    const cm3 = JSON.stringify(connectMongo3Crypto.set(sessionObject));
    await expect(createKrupteinAdapter({ secret: COMPLEX_SECRET, algorithm: 'aes-256-cbc' }).decrypt(cm3)).rejects.toThrow(/not a aes-256-cbc kruptein record/);
  });
});
