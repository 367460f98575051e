/**
 * Encryption adapters for session payloads.
 *
 * Both adapters write exactly the bytes connect-mongo 6.0.0 writes (so either library reads the other's
 * documents), but avoid its per-operation costs: keys are derived once, asynchronously (libuv thread pool),
 * and every encrypt/decrypt afterwards is a few synchronous node:crypto calls.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  getCiphers,
  pbkdf2,
  randomBytes,
  timingSafeEqual,
  type CipherGCM,
  type CipherGCMTypes,
  type DecipherGCM,
  type KeyObject,
} from 'node:crypto';

/*
 * IVs (and kruptein's AAD keys) come from the CSPRNG in slices of a 4 KiB block: one call into OpenSSL per
 * block instead of one per operation (the same idea as Node's cached randomUUID). Each block is used once,
 * front to back, and replaced, never refilled in place: no byte is handed out twice and no earlier slice
 * changes afterwards.
 */
const RANDOM_BLOCK_BYTES = 4096;
let randomBlock = Buffer.alloc(0);
let randomOffset = 0;

function freshRandom(size: number): Buffer {
  if (size > RANDOM_BLOCK_BYTES / 4) return randomBytes(size);
  if (randomOffset + size > randomBlock.length) {
    randomBlock = randomBytes(RANDOM_BLOCK_BYTES);
    randomOffset = 0;
  }
  const slice = randomBlock.subarray(randomOffset, randomOffset + size);
  randomOffset += size;
  return slice;
}

export interface CryptoAdapter {
  encrypt(plaintext: string): Promise<string>;
  decrypt(ciphertext: string): Promise<string>;
}

/** The legacy `crypto` option of connect-mongo (kruptein format). */
export type CryptoOptions = {
  secret: false | string;
  algorithm?: string;
  hashing?: string;
  encodeas?: string;
  key_size?: number;
  iv_size?: number;
  at_size?: number;
};

export type WebCryptoEncoding = 'base64' | 'base64url' | 'hex';

export type WebCryptoAdapterOptions = {
  secret: string | ArrayBuffer | ArrayBufferView;
  ivLength?: number;
  encoding?: WebCryptoEncoding;
  algorithm?: 'AES-GCM' | 'AES-CBC';
  salt?: string | ArrayBuffer | ArrayBufferView;
  iterations?: number;
};

/** Diagnostics, for tests and debugging only; kept off the adapter objects (see cryptoAdapterStats). */
type AdapterStats = { keyDerivations: number; cachedKeys: () => number };
const statsByAdapter = new WeakMap<CryptoAdapter, AdapterStats>();

/**
 * How many PBKDF2 derivations an adapter created here has run, and how many derived keys it holds.
 * Internal diagnostic (not re-exported from the package entry): lets tests check "one derivation per
 * salt" through observable state instead of timing or mocks. Returns undefined for foreign adapters.
 */
export function cryptoAdapterStats(adapter: CryptoAdapter): { keyDerivations: number; cachedKeys: number } | undefined {
  const s = statsByAdapter.get(adapter);
  return s && { keyDerivations: s.keyDerivations, cachedKeys: s.cachedKeys() };
}

// Async PBKDF2 (libuv thread pool): a derivation never blocks the event loop. Failures get a fixed message.
const pbkdf2Async = (secret: Uint8Array, salt: Uint8Array, iterations: number, keyLen: number, digest: string) =>
  new Promise<Buffer>((resolve, reject) => {
    pbkdf2(secret, salt, iterations, keyLen, digest, (err, key) =>
      err ? reject(new Error(`Unable to derive the encryption key (PBKDF2-${digest})`)) : resolve(key),
    );
  });

// Decrypt failures never carry the underlying OpenSSL error or any input: only what went wrong, generically.
const decryptError = (what: string) => new Error(`Unable to decrypt session data: ${what}`);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** A short, safe rendering of a rejected option value (never used for secrets). */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return describe(value);
}

function toBytes(value: unknown, option: string, fn: string): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`${fn}: option "${option}" must be a string, ArrayBuffer or ArrayBufferView (got ${describe(value)})`);
}

function checkPositiveInt(value: unknown, option: string, fn: string, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${fn}: option "${option}" must be a number (got ${describe(value)})`);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${fn}: option "${option}" must be an integer between 1 and ${max} (got ${value})`);
  }
  return value;
}

/* ------------------------------------------------------------------------------------------------ */
/* Web Crypto format: encode(iv ‖ ciphertext ‖ tag), key = PBKDF2-SHA256(secret, salt, iterations)   */
/* ------------------------------------------------------------------------------------------------ */

const WEBCRYPTO_FN = 'createWebCryptoAdapter';
const WEBCRYPTO_DEFAULT_SALT = 'connect-mongo:webcrypto-default-salt';
const WEBCRYPTO_ENCODINGS: readonly string[] = ['base64', 'base64url', 'hex'];
const GCM_TAG_LENGTH = 16;
// What Node's Web Crypto accepts for AES-GCM IVs; connect-mongo data can only have been written within it.
const GCM_IV_MIN = 12;
const GCM_IV_MAX = 128;

/**
 * Same stored format as connect-mongo's createWebCryptoAdapter; node:crypto's AES-GCM (ct ‖ 16-byte tag)
 * and AES-CBC (PKCS#7) produce the very bytes crypto.subtle produces, at a fraction of the cost.
 * The key is derived on first use and reused. Plaintext travels as UTF-8, so strings with lone
 * surrogates come back with U+FFFD (as with connect-mongo); every well-formed string round-trips exactly.
 */
export function createWebCryptoAdapter(options: WebCryptoAdapterOptions): CryptoAdapter {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${WEBCRYPTO_FN} requires an options object with a secret`);
  }
  const { secret, ivLength, encoding = 'base64', algorithm = 'AES-GCM', salt, iterations = 310_000 } = options;
  if (secret === undefined || secret === null || secret === '' || (secret as unknown) === false) {
    throw new Error(`${WEBCRYPTO_FN} requires a secret`);
  }
  const secretBytes = Buffer.from(toBytes(secret, 'secret', WEBCRYPTO_FN)); // copy: caller may reuse its buffer
  if (secretBytes.length === 0) throw new Error(`${WEBCRYPTO_FN} requires a non-empty secret`);

  if (typeof encoding !== 'string' || !WEBCRYPTO_ENCODINGS.includes(encoding)) {
    throw new TypeError(`${WEBCRYPTO_FN}: option "encoding" must be one of ${WEBCRYPTO_ENCODINGS.join(', ')} (got ${show(encoding)})`);
  }
  // Web Crypto algorithm names are case-insensitive, so connect-mongo accepts 'aes-gcm' too.
  const algo = typeof algorithm === 'string' ? algorithm.toUpperCase() : '';
  if (algo !== 'AES-GCM' && algo !== 'AES-CBC') {
    throw new TypeError(`${WEBCRYPTO_FN}: option "algorithm" must be "AES-GCM" or "AES-CBC" (got ${show(algorithm)})`);
  }
  const gcm = algo === 'AES-GCM';
  // Faithful quirks: null means "default" (`??`), and connect-mongo picks the 12-byte default only for
  // the exact spelling 'AES-GCM'.
  const ivLen =
    ivLength === undefined || ivLength === null
      ? algorithm === 'AES-GCM' ? 12 : 16
      : checkPositiveInt(ivLength, 'ivLength', WEBCRYPTO_FN, GCM_IV_MAX);
  if (gcm && (ivLen < GCM_IV_MIN || ivLen > GCM_IV_MAX)) {
    throw new RangeError(`${WEBCRYPTO_FN}: option "ivLength" must be between ${GCM_IV_MIN} and ${GCM_IV_MAX} for AES-GCM (got ${ivLen})`);
  }
  if (!gcm && ivLen !== 16) throw new RangeError(`${WEBCRYPTO_FN}: option "ivLength" must be 16 for AES-CBC (got ${ivLen})`);
  const iter = checkPositiveInt(iterations, 'iterations', WEBCRYPTO_FN, 0x7fffffff);
  // `??` as in connect-mongo: an explicit empty salt is a (legal) empty salt.
  const saltBytes = Buffer.from(toBytes(salt ?? WEBCRYPTO_DEFAULT_SALT, 'salt', WEBCRYPTO_FN));

  const cipherName = gcm ? 'aes-256-gcm' : 'aes-256-cbc';
  const minCiphertext = gcm ? GCM_TAG_LENGTH : 16;
  const stats: AdapterStats = { keyDerivations: 0, cachedKeys: () => (key ? 1 : 0) };

  let key: KeyObject | undefined;
  let keyPromise: Promise<KeyObject> | undefined;
  const getKey = (): Promise<KeyObject> => {
    if (!keyPromise) {
      stats.keyDerivations++;
      keyPromise = pbkdf2Async(secretBytes, saltBytes, iter, 32, 'sha256').then(
        (raw) => {
          key = createSecretKey(raw);
          raw.fill(0);
          secretBytes.fill(0); // no longer needed once the key exists
          return key;
        },
        (err: unknown) => {
          keyPromise = undefined; // a later call may retry
          throw err;
        },
      );
      // Nobody may be awaiting yet; the failure (if any) is rethrown to the caller that awaits it.
      keyPromise.catch(() => {});
    }
    return keyPromise;
  };

  const encryptWith = (k: KeyObject, plaintext: string): string => {
    const iv = freshRandom(ivLen);
    const cipher = createCipheriv(cipherName, k, iv);
    const parts = [iv, cipher.update(plaintext, 'utf8'), cipher.final()];
    if (gcm) parts.push((cipher as CipherGCM).getAuthTag());
    return Buffer.concat(parts).toString(encoding);
  };

  const decryptWith = (k: KeyObject, payload: string): string => {
    const bytes = Buffer.from(payload, encoding);
    if (bytes.length < ivLen + minCiphertext) throw decryptError('payload is too short or not ' + encoding);
    const iv = bytes.subarray(0, ivLen);
    try {
      if (gcm) {
        const decipher = createDecipheriv('aes-256-gcm', k, iv, { authTagLength: GCM_TAG_LENGTH });
        decipher.setAuthTag(bytes.subarray(bytes.length - GCM_TAG_LENGTH));
        const body = decipher.update(bytes.subarray(ivLen, bytes.length - GCM_TAG_LENGTH));
        return Buffer.concat([body, decipher.final()]).toString('utf8');
      }
      const decipher = createDecipheriv('aes-256-cbc', k, iv);
      const body = decipher.update(bytes.subarray(ivLen));
      return Buffer.concat([body, decipher.final()]).toString('utf8');
    } catch {
      throw decryptError(gcm ? 'authentication failed (wrong secret or altered data)' : 'bad padding (wrong secret or altered data)');
    }
  };

  const adapter: CryptoAdapter = {
    async encrypt(plaintext: string): Promise<string> {
      if (typeof plaintext !== 'string') throw new TypeError(`encrypt: plaintext must be a string (got ${describe(plaintext)})`);
      return encryptWith(key ?? (await getKey()), plaintext);
    },
    async decrypt(ciphertext: string): Promise<string> {
      if (typeof ciphertext !== 'string') throw new TypeError(`decrypt: ciphertext must be a string (got ${describe(ciphertext)})`);
      return decryptWith(key ?? (await getKey()), ciphertext);
    },
  };
  statsByAdapter.set(adapter, stats);
  return adapter;
}

/* ------------------------------------------------------------------------------------------------ */
/* kruptein 3.0.8 format (connect-mongo's legacy `crypto` option)                                    */
/* ------------------------------------------------------------------------------------------------ */
//
// What kruptein.set(secret, s) stores, with E = `encodeas` and "text" meaning the E-encoded string
// written into the DER as its UTF-8 bytes:
//   salt = 128 random bytes; key = PBKDF2(secret, salt, 15000, keyLen, hashing)
//   pt   = UTF-8 of JSON.stringify(s)
//   aad  = HMAC(hashing, 128 random bytes, pt)            (AEAD only; used raw by the cipher)
//   ct   = cipher(pt) with AAD, 16-byte tag `at`          (AEAD) / PKCS#7 padded (others)
//   hmac = HMAC(hashing, key, text(ct))
//   DER SEQUENCE { text(ct), text(hmac), iv, salt [, at, text(aad)] } (all OCTET STRING), then E-encoded.
// kruptein.get verifies hmac, decrypts and returns the JSON text; connect-mongo's adapter hands that JSON
// text (JSON.stringify(s)) to its store, which JSON.parses it. Our decrypt returns s itself, so it is an
// exact inverse of our encrypt: decrypt(x) === JSON.parse(kruptein.get(x)) when that is a string. Values
// whose JSON is not a string (older connect-mongo with stringify:false encrypted the session object) come
// back as their JSON text, which is exactly what connect-mongo 6 would have encrypted for that object.
//
// Differences that do not change the bytes' meaning: we draw one salt per adapter (not per value) so
// encryption derives one key, ever; decryption caches keys per salt.

const KRUPTEIN_FN = 'createKrupteinAdapter';
const KRUPTEIN_ITERATIONS = 15_000;
const KRUPTEIN_SALT_BYTES = 128;
const KRUPTEIN_TAG_LENGTH = 16;
const KEY_CACHE_LIMIT = 1_000;
// Encodings whose strings survive kruptein's string round trips; 'utf8' & co. would corrupt ciphertext.
const KRUPTEIN_ENCODINGS: readonly string[] = ['base64', 'base64url', 'hex', 'latin1', 'binary'];
// kruptein sizes keys/IVs from the name (its key_size/iv_size options are never read) and only handles
// lower-case names correctly; these are the modes it supports that need nothing more than that.
const KRUPTEIN_ALGORITHM = /^aes-(128|192|256)-(gcm|cbc|ctr|cfb|cfb8|ofb)$/;

const DEFAULT_CRYPTO: Required<Pick<CryptoOptions, 'algorithm' | 'hashing' | 'encodeas'>> = {
  algorithm: 'aes-256-gcm',
  hashing: 'sha512',
  encodeas: 'base64',
};

/**
 * Same stored format as connect-mongo's createKrupteinAdapter / legacy `crypto` option (kruptein 3.0.8).
 * `key_size`, `iv_size` and `at_size` are accepted and ignored, exactly as kruptein ignores them.
 */
export function createKrupteinAdapter(options: CryptoOptions): CryptoAdapter {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${KRUPTEIN_FN} requires an options object with a secret`);
  }
  // connect-mongo spreads its defaults under the user's options, then kruptein falls back on falsy values.
  const merged = { ...DEFAULT_CRYPTO, ...options };
  const secret = merged.secret as unknown;
  if (secret === undefined || secret === null || secret === false || secret === '') {
    throw new Error(`${KRUPTEIN_FN} requires a non-empty secret`);
  }
  if (typeof secret !== 'string') throw new TypeError(`${KRUPTEIN_FN}: option "secret" must be a string (got ${describe(secret)})`);
  const algorithm = (merged.algorithm || 'aes-256-gcm') as unknown;
  const hashing = (merged.hashing || 'sha384') as unknown;
  const encodeas = (merged.encodeas || 'base64') as unknown;

  if (typeof algorithm !== 'string') throw new TypeError(`${KRUPTEIN_FN}: option "algorithm" must be a string (got ${describe(algorithm)})`);
  const m = KRUPTEIN_ALGORITHM.exec(algorithm);
  if (!m || !getCiphers().includes(algorithm)) {
    throw new TypeError(
      `${KRUPTEIN_FN}: unsupported "algorithm" ${show(algorithm)}; expected aes-128|192|256 with gcm, cbc, ctr, cfb, cfb8 or ofb (lower case)`,
    );
  }
  if (typeof hashing !== 'string') throw new TypeError(`${KRUPTEIN_FN}: option "hashing" must be a string (got ${describe(hashing)})`);
  try {
    createHmac(hashing, 'probe').digest();
  } catch {
    throw new TypeError(`${KRUPTEIN_FN}: unsupported "hashing" ${show(hashing)} (expected a digest such as sha512)`);
  }
  if (typeof encodeas !== 'string' || !KRUPTEIN_ENCODINGS.includes(encodeas)) {
    throw new TypeError(`${KRUPTEIN_FN}: option "encodeas" must be one of ${KRUPTEIN_ENCODINGS.join(', ')} (got ${show(encodeas)})`);
  }
  const enc = encodeas as BufferEncoding;
  const aead = m[2] === 'gcm';
  const keyLen = m[1] === '128' ? 16 : m[1] === '192' ? 24 : 32;
  const ivLen = aead ? 12 : 16;
  const secretBytes = Buffer.from(secret, 'utf8');

  // Our own salt: drawn once, so encryption never derives again.
  const ownSalt = randomBytes(KRUPTEIN_SALT_BYTES);
  const ownSaltId = ownSalt.toString('latin1');
  let ownKey: KeyObject | undefined;
  let ownKeyPromise: Promise<KeyObject> | undefined;
  // Keys for salts written by others (kruptein draws one per value); Map order doubles as LRU order.
  const keyCache = new Map<string, KeyObject | Promise<KeyObject>>();
  const stats: AdapterStats = { keyDerivations: 0, cachedKeys: () => keyCache.size + (ownKey ? 1 : 0) };

  const derive = (salt: Buffer): Promise<KeyObject> => {
    stats.keyDerivations++;
    return pbkdf2Async(secretBytes, salt, KRUPTEIN_ITERATIONS, keyLen, hashing).then((raw) => {
      const k = createSecretKey(raw);
      raw.fill(0);
      return k;
    });
  };
  const getOwnKey = (): Promise<KeyObject> => {
    if (!ownKeyPromise) {
      ownKeyPromise = derive(ownSalt).then(
        (k) => (ownKey = k),
        (err: unknown) => {
          ownKeyPromise = undefined; // a later call may retry
          throw err;
        },
      );
      ownKeyPromise.catch(() => {}); // rethrown to whoever awaits it
    }
    return ownKeyPromise;
  };
  const keyForSalt = (salt: Buffer): KeyObject | Promise<KeyObject> => {
    const id = salt.toString('latin1');
    if (id === ownSaltId) return ownKey ?? getOwnKey();
    const hit = keyCache.get(id);
    if (hit) {
      keyCache.delete(id); // refresh LRU position
      keyCache.set(id, hit);
      return hit;
    }
    const pending = derive(Buffer.from(salt)).then(
      (k) => {
        if (keyCache.get(id) === pending) keyCache.set(id, k);
        return k;
      },
      (err: unknown) => {
        if (keyCache.get(id) === pending) keyCache.delete(id); // let a later call retry
        throw err;
      },
    );
    pending.catch(() => {});
    keyCache.set(id, pending);
    if (keyCache.size > KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value as string);
    return pending;
  };

  const text = (bytes: Buffer) => Buffer.from(bytes.toString(enc), 'utf8');
  const hmacOf = (k: KeyObject, data: Buffer) => createHmac(hashing, k).update(data).digest();

  // The texts go to OpenSSL and into the DER as strings: Node encodes them to UTF-8 on the way, so no
  // intermediate Buffer is made for them (less garbage per write).
  const encryptWith = (k: KeyObject, plaintext: string): string => {
    const pt = JSON.stringify(plaintext);
    // One call to the CSPRNG for both the IV and (AEAD) the 128-byte HMAC key of the AAD: half the calls.
    const random = freshRandom(aead ? ivLen + 128 : ivLen);
    const iv = random.subarray(0, ivLen);
    const cipher = aead
      ? createCipheriv(algorithm as CipherGCMTypes, k, iv, { authTagLength: KRUPTEIN_TAG_LENGTH })
      : createCipheriv(algorithm, k, iv);
    let aad: Buffer | undefined;
    if (aead) {
      aad = createHmac(hashing, random.subarray(ivLen)).update(pt, 'utf8').digest();
      (cipher as CipherGCM).setAAD(aad);
    }
    const head = cipher.update(pt, 'utf8');
    const tail = cipher.final(); // empty for GCM and the stream modes
    const ctText = (tail.length === 0 ? head : Buffer.concat([head, tail])).toString(enc);
    const hmacText = createHmac(hashing, k).update(ctText, 'utf8').digest().toString(enc);
    const fields: (string | Uint8Array)[] = [ctText, hmacText, iv, ownSalt];
    if (aead) fields.push((cipher as CipherGCM).getAuthTag(), aad!.toString(enc));
    return encodeDerOctetSequence(fields).toString(enc);
  };

  const parse = (stored: string): Buffer[] => {
    const fields = decodeDerOctetSequence(Buffer.from(stored, enc));
    if (!fields || fields.length !== (aead ? 6 : 4)) throw decryptError(`not a ${algorithm} kruptein record encoded as ${enc}`);
    return fields;
  };

  const decryptWith = (k: KeyObject, fields: Buffer[]): string => {
    const [ctText, hmacText, iv, , tag, aadText] = fields;
    const expected = text(hmacOf(k, ctText));
    if (expected.length !== hmacText.length || !timingSafeEqual(expected, hmacText)) {
      throw decryptError('integrity check failed (wrong secret or altered data)');
    }
    let json: string;
    try {
      const decipher = aead
        ? createDecipheriv(algorithm as CipherGCMTypes, k, iv, { authTagLength: KRUPTEIN_TAG_LENGTH })
        : createDecipheriv(algorithm, k, iv);
      if (aead) {
        const d = decipher as DecipherGCM;
        d.setAuthTag(tag);
        const aad = Buffer.from(aadText.toString('utf8'), enc);
        // The AAD text sits outside the HMAC and lenient decoding ignores stray characters: insist on the
        // canonical text kruptein writes so that no altered record is accepted.
        if (!text(aad).equals(aadText)) throw new Error('non-canonical AAD');
        d.setAAD(aad);
      }
      const ct = Buffer.from(ctText.toString('utf8'), enc);
      json = Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
    } catch {
      throw decryptError('cipher rejected the data (altered data)');
    }
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      // Every kruptein record written by connect-mongo holds JSON text. Non-JSON means damage that the
      // format's HMAC cannot see (in non-AEAD modes it does not cover the IV, so IV bits alter block 1).
      throw decryptError('decrypted data is not JSON (altered data)');
    }
    return typeof value === 'string' ? value : json;
  };

  const adapter: CryptoAdapter = {
    async encrypt(plaintext: string): Promise<string> {
      if (typeof plaintext !== 'string') throw new TypeError(`encrypt: plaintext must be a string (got ${describe(plaintext)})`);
      return encryptWith(ownKey ?? (await getOwnKey()), plaintext);
    },
    async decrypt(ciphertext: string): Promise<string> {
      if (typeof ciphertext !== 'string') throw new TypeError(`decrypt: ciphertext must be a string (got ${describe(ciphertext)})`);
      const fields = parse(ciphertext);
      const k = keyForSalt(fields[3]);
      return decryptWith(k instanceof Promise ? await k : k, fields);
    },
  };
  statsByAdapter.set(adapter, stats);
  return adapter;
}

/* ------------------------------------------------------------------------------------------------ */
/* DER: SEQUENCE of OCTET STRING only (the whole of kruptein's schema)                               */
/* ------------------------------------------------------------------------------------------------ */
// Hand-written rather than asn1.js: this one shape is ~40 lines, strict (definite minimal lengths, no
// trailing bytes), allocation-light, and keeps asn1.js (+ bn.js) out of our direct dependencies.
// Output is byte-identical to asn1.js's encoder for kruptein's schema (checked in test/crypto-compat).

const TAG_SEQUENCE = 0x30;
const TAG_OCTET_STRING = 0x04;

function derLengthSize(len: number): number {
  return len < 0x80 ? 1 : len < 0x100 ? 2 : len < 0x10000 ? 3 : len < 0x1000000 ? 4 : 5;
}

function writeDerHeader(out: Buffer, pos: number, tag: number, len: number): number {
  out[pos++] = tag;
  const size = derLengthSize(len);
  if (size === 1) {
    out[pos++] = len;
    return pos;
  }
  out[pos++] = 0x80 | (size - 1);
  for (let i = size - 2; i >= 0; i--) out[pos++] = (len / 2 ** (8 * i)) & 0xff;
  return pos;
}

/** Each field is bytes, or a string that stands for its UTF-8 bytes. */
export function encodeDerOctetSequence(fields: readonly (string | Uint8Array)[]): Buffer {
  const sizes = fields.map((f) => (typeof f === 'string' ? Buffer.byteLength(f, 'utf8') : f.length));
  let body = 0;
  for (const size of sizes) body += 1 + derLengthSize(size) + size;
  const out = Buffer.allocUnsafe(1 + derLengthSize(body) + body);
  let pos = writeDerHeader(out, 0, TAG_SEQUENCE, body);
  fields.forEach((f, i) => {
    pos = writeDerHeader(out, pos, TAG_OCTET_STRING, sizes[i]);
    if (typeof f === 'string') out.write(f, pos, 'utf8');
    else out.set(f, pos);
    pos += sizes[i];
  });
  return out;
}

/** Reads one DER header of `der` at `pos`; returns [contentStart, contentLength] or undefined. */
function readDerHeader(der: Buffer, pos: number, tag: number, end: number): [number, number] | undefined {
  if (pos + 2 > end || der[pos] !== tag) return undefined;
  let len = der[pos + 1];
  pos += 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > end || der[pos] === 0) return undefined; // indefinite/huge/non-minimal
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[pos++];
    if (len < 0x80) return undefined; // must have used the short form
  }
  return pos + len <= end ? [pos, len] : undefined;
}

/** Returns the OCTET STRING contents (views into `der`), or undefined if `der` is anything else. */
export function decodeDerOctetSequence(der: Buffer): Buffer[] | undefined {
  const seq = readDerHeader(der, 0, TAG_SEQUENCE, der.length);
  if (!seq || seq[0] + seq[1] !== der.length) return undefined;
  const fields: Buffer[] = [];
  let pos = seq[0];
  while (pos < der.length) {
    const h = readDerHeader(der, pos, TAG_OCTET_STRING, der.length);
    if (!h) return undefined;
    fields.push(der.subarray(h[0], h[0] + h[1]));
    pos = h[0] + h[1];
  }
  return fields;
}
