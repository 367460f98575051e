// Web Crypto format: encode(iv ‖ ciphertext ‖ tag), key = PBKDF2-SHA256(secret, salt, iterations).
import { createCipheriv, createDecipheriv, type CipherGCM, type KeyObject } from 'node:crypto';
import { checkPositiveInt, decryptError, requireOptionsObject, requireString, show, toBytes } from './checks';
import { CachedKey, KeyDeriver } from './key-cache';
import { freshRandom } from './random';
import { registerAdapterStats } from './stats';
import type { CryptoAdapter, WebCryptoAdapterOptions, WebCryptoEncoding } from './types';

const FN = 'createWebCryptoAdapter';
const DEFAULT_SALT = 'connect-mongo:webcrypto-default-salt';
const ENCODINGS: readonly string[] = ['base64', 'base64url', 'hex'];
const GCM_TAG_LENGTH = 16;
// What Node's Web Crypto accepts for AES-GCM IVs; connect-mongo data can only have been written within it.
const GCM_IV_MIN = 12;
const GCM_IV_MAX = 128;

/** What encrypt and decrypt need, resolved once per adapter. */
type WebCryptoConfig = {
  readonly gcm: boolean;
  readonly cipherName: 'aes-256-gcm' | 'aes-256-cbc';
  readonly ivLength: number;
  readonly minCiphertext: number;
  readonly encoding: WebCryptoEncoding;
};

type Resolved = { config: WebCryptoConfig; secret: Buffer; salt: Buffer; iterations: number };

function resolveSecret(secret: unknown): Buffer {
  if (secret === undefined || secret === null || secret === '' || secret === false) {
    throw new Error(`${FN} requires a secret`);
  }
  const bytes = Buffer.from(toBytes(secret, 'secret', FN)); // copy: caller may reuse its buffer
  if (bytes.length === 0) throw new Error(`${FN} requires a non-empty secret`);
  return bytes;
}

function resolveIvLength(ivLength: unknown, algorithm: unknown, gcm: boolean): number {
  // Faithful quirks: null means "default" (`??`), and connect-mongo picks the 12-byte default only for
  // the exact spelling 'AES-GCM'.
  const ivLen =
    ivLength === undefined || ivLength === null
      ? algorithm === 'AES-GCM' ? 12 : 16
      : checkPositiveInt(ivLength, 'ivLength', FN, GCM_IV_MAX);
  if (gcm && (ivLen < GCM_IV_MIN || ivLen > GCM_IV_MAX)) {
    throw new RangeError(`${FN}: option "ivLength" must be between ${GCM_IV_MIN} and ${GCM_IV_MAX} for AES-GCM (got ${ivLen})`);
  }
  if (!gcm && ivLen !== 16) throw new RangeError(`${FN}: option "ivLength" must be 16 for AES-CBC (got ${ivLen})`);
  return ivLen;
}

function resolveOptions(options: WebCryptoAdapterOptions): Resolved {
  requireOptionsObject(options, FN);
  const { secret, ivLength, encoding = 'base64', algorithm = 'AES-GCM', salt, iterations = 310_000 } = options;
  const secretBytes = resolveSecret(secret);
  if (typeof encoding !== 'string' || !ENCODINGS.includes(encoding)) {
    throw new TypeError(`${FN}: option "encoding" must be one of ${ENCODINGS.join(', ')} (got ${show(encoding)})`);
  }
  // Web Crypto algorithm names are case-insensitive, so connect-mongo accepts 'aes-gcm' too.
  const algo = typeof algorithm === 'string' ? algorithm.toUpperCase() : '';
  if (algo !== 'AES-GCM' && algo !== 'AES-CBC') {
    throw new TypeError(`${FN}: option "algorithm" must be "AES-GCM" or "AES-CBC" (got ${show(algorithm)})`);
  }
  const gcm = algo === 'AES-GCM';
  const ivLen = resolveIvLength(ivLength, algorithm, gcm);
  const iter = checkPositiveInt(iterations, 'iterations', FN, 0x7fffffff);
  // `??` as in connect-mongo: an explicit empty salt is a (legal) empty salt.
  const saltBytes = Buffer.from(toBytes(salt ?? DEFAULT_SALT, 'salt', FN));
  const config: WebCryptoConfig = {
    gcm,
    cipherName: gcm ? 'aes-256-gcm' : 'aes-256-cbc',
    ivLength: ivLen,
    minCiphertext: gcm ? GCM_TAG_LENGTH : 16,
    encoding,
  };
  return { config, secret: secretBytes, salt: saltBytes, iterations: iter };
}

function encryptWith(c: WebCryptoConfig, k: KeyObject, plaintext: string): string {
  const iv = freshRandom(c.ivLength);
  const cipher = createCipheriv(c.cipherName, k, iv);
  const parts = [iv, cipher.update(plaintext, 'utf8'), cipher.final()];
  if (c.gcm) parts.push((cipher as CipherGCM).getAuthTag());
  return Buffer.concat(parts).toString(c.encoding);
}

function decryptWith(c: WebCryptoConfig, k: KeyObject, payload: string): string {
  const { ivLength, encoding } = c;
  const bytes = Buffer.from(payload, encoding);
  if (bytes.length < ivLength + c.minCiphertext) throw decryptError('payload is too short or not ' + encoding);
  const iv = bytes.subarray(0, ivLength);
  try {
    if (c.gcm) {
      const decipher = createDecipheriv('aes-256-gcm', k, iv, { authTagLength: GCM_TAG_LENGTH });
      decipher.setAuthTag(bytes.subarray(bytes.length - GCM_TAG_LENGTH));
      const body = decipher.update(bytes.subarray(ivLength, bytes.length - GCM_TAG_LENGTH));
      return Buffer.concat([body, decipher.final()]).toString('utf8');
    }
    const decipher = createDecipheriv('aes-256-cbc', k, iv);
    const body = decipher.update(bytes.subarray(ivLength));
    return Buffer.concat([body, decipher.final()]).toString('utf8');
  } catch {
    throw decryptError(c.gcm ? 'authentication failed (wrong secret or altered data)' : 'bad padding (wrong secret or altered data)');
  }
}

/**
 * Same stored format as connect-mongo's createWebCryptoAdapter; node:crypto's AES-GCM (ct ‖ 16-byte tag)
 * and AES-CBC (PKCS#7) produce the very bytes crypto.subtle produces, at a fraction of the cost.
 * The key is derived on first use and reused. Plaintext travels as UTF-8, so strings with lone
 * surrogates come back with U+FFFD (as with connect-mongo); every well-formed string round-trips exactly.
 */
export function createWebCryptoAdapter(options: WebCryptoAdapterOptions): CryptoAdapter {
  const { config, secret, salt, iterations } = resolveOptions(options);
  const deriver = new KeyDeriver(secret, iterations, 32, 'sha256');
  // The secret is no longer needed once the key exists.
  const cached = new CachedKey(deriver, salt, { derived: () => secret.fill(0) });
  const adapter: CryptoAdapter = {
    async encrypt(plaintext: string): Promise<string> {
      requireString(plaintext, 'encrypt: plaintext');
      return encryptWith(config, cached.key ?? (await cached.get()), plaintext);
    },
    async decrypt(ciphertext: string): Promise<string> {
      requireString(ciphertext, 'decrypt: ciphertext');
      return decryptWith(config, cached.key ?? (await cached.get()), ciphertext);
    },
  };
  registerAdapterStats(adapter, () => ({ keyDerivations: deriver.derivations, cachedKeys: cached.key ? 1 : 0 }));
  return adapter;
}
