// Web Crypto format: encode(iv ‖ ciphertext ‖ tag), key = PBKDF2-SHA256(secret, salt, iterations).
import { createCipheriv, createDecipheriv, type CipherGCM, type KeyObject } from 'node:crypto';
import { checkPositiveInt, decryptError, requireOptionsObject, requireString, secretList, show, toBytes, warnIfWeak } from './checks';
import { CachedKey, KeyDeriver } from './key-cache';
import { freshRandom } from './random';
import { andThen, firstToOpen, ownAdapter } from './cipher';
import type { CryptoAdapter, CryptoContext, WebCryptoAdapterOptions, WebCryptoEncoding } from './types';
import { ConnectMongoError, ErrorCodes, optionError } from '../errors';

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

type Resolved = { config: WebCryptoConfig; secrets: Buffer[]; salt: Buffer; iterations: number };

function resolveSecret(secret: unknown): Buffer {
  if (secret === undefined || secret === null || secret === '' || secret === false) {
    throw new ConnectMongoError(ErrorCodes.badOption, `${FN} requires a secret`);
  }
  const bytes = Buffer.from(toBytes(secret, 'secret', FN)); // copy: caller may reuse its buffer
  if (bytes.length === 0) throw new ConnectMongoError(ErrorCodes.badOption, `${FN} requires a secret (the one given is empty)`);
  warnIfWeak(FN, bytes);
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
    throw optionError(`${FN}: option "ivLength" must be between ${GCM_IV_MIN} and ${GCM_IV_MAX} for AES-GCM (got ${ivLen})`, { range: true });
  }
  if (!gcm && ivLen !== 16) throw optionError(`${FN}: option "ivLength" must be 16 for AES-CBC (got ${ivLen})`, { range: true });
  return ivLen;
}

function resolveOptions(options: WebCryptoAdapterOptions): Resolved {
  requireOptionsObject(options, FN, 'requires a secret');
  const { secret, ivLength, encoding = 'base64', algorithm = 'AES-GCM', salt, iterations = 310_000 } = options;
  const secrets = secretList(secret, FN, resolveSecret);
  if (typeof encoding !== 'string' || !ENCODINGS.includes(encoding)) {
    throw optionError(`${FN}: option "encoding" must be one of ${ENCODINGS.join(', ')} (got ${show(encoding)})`);
  }
  // Web Crypto algorithm names are case-insensitive, so connect-mongo accepts 'aes-gcm' too.
  const algo = typeof algorithm === 'string' ? algorithm.toUpperCase() : '';
  if (algo !== 'AES-GCM' && algo !== 'AES-CBC') {
    throw optionError(`${FN}: option "algorithm" must be "AES-GCM" or "AES-CBC" (got ${show(algorithm)})`);
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
  return { config, secrets, salt: saltBytes, iterations: iter };
}

/** The additional data binding a ciphertext to its `_id`; only AES-GCM authenticates it. */
function aadOf(c: WebCryptoConfig, context: CryptoContext | undefined): Buffer | undefined {
  if (context === undefined) return undefined;
  if (!c.gcm) throw optionError(`${FN}: AES-CBC cannot bind a ciphertext to its id; use AES-GCM`);
  return Buffer.from(context.id, 'utf8');
}

function encryptWith(c: WebCryptoConfig, k: KeyObject, plaintext: string, aad?: Buffer): string {
  const iv = freshRandom(c.ivLength);
  const cipher = createCipheriv(c.cipherName, k, iv);
  if (aad) (cipher as CipherGCM).setAAD(aad);
  const parts = [iv, cipher.update(plaintext, 'utf8'), cipher.final()];
  if (c.gcm) parts.push((cipher as CipherGCM).getAuthTag());
  return Buffer.concat(parts).toString(c.encoding);
}

// With several secrets, a wrong CBC key passes the padding check about once in 256 tries; its output is
// then almost never valid UTF-8, so strict decoding sends the attempt on to the next secret.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decryptWith(c: WebCryptoConfig, k: KeyObject, payload: string, aad?: Buffer, strict = false): string {
  const { ivLength, encoding } = c;
  const bytes = Buffer.from(payload, encoding);
  if (bytes.length < ivLength + c.minCiphertext) throw decryptError('payload is too short or not ' + encoding);
  const iv = bytes.subarray(0, ivLength);
  try {
    if (c.gcm) {
      const decipher = createDecipheriv('aes-256-gcm', k, iv, { authTagLength: GCM_TAG_LENGTH });
      decipher.setAuthTag(bytes.subarray(bytes.length - GCM_TAG_LENGTH));
      if (aad) decipher.setAAD(aad);
      const body = decipher.update(bytes.subarray(ivLength, bytes.length - GCM_TAG_LENGTH));
      const tail = decipher.final(); // empty for GCM: no copy of the body
      return (tail.length === 0 ? body : Buffer.concat([body, tail])).toString('utf8');
    }
    const decipher = createDecipheriv('aes-256-cbc', k, iv);
    const body = Buffer.concat([decipher.update(bytes.subarray(ivLength)), decipher.final()]);
    return strict ? strictUtf8.decode(body) : body.toString('utf8');
  } catch {
    throw decryptError(c.gcm ? 'authentication failed (wrong secret or altered data)' : 'bad padding (wrong secret or altered data)');
  }
}

/**
 * Same stored format as connect-mongo's createWebCryptoAdapter; node:crypto's AES-GCM (ct ‖ 16-byte tag)
 * and AES-CBC (PKCS#7) produce the very bytes crypto.subtle produces, at a fraction of the cost.
 * Keys are derived on first use and reused. With several secrets (newest first), encryption uses the
 * first and decryption whichever authenticates. Plaintext travels as UTF-8, so strings with lone
 * surrogates come back with U+FFFD (as with connect-mongo); every well-formed string round-trips exactly.
 */
export function createWebCryptoAdapter(options: WebCryptoAdapterOptions): CryptoAdapter {
  const { config, secrets, salt, iterations } = resolveOptions(options);
  const derivers = secrets.map((secret) => new KeyDeriver(secret, iterations, 32, 'sha256'));
  // A secret is no longer needed once its key exists.
  const keys = derivers.map((d, i) => new CachedKey(d, salt, { derived: () => secrets[i].fill(0) }));
  const newest = keys[0];
  const keyAt = (i: number) => keys[i].key ?? keys[i].get();
  return ownAdapter({
    encrypt(plaintext, context) {
      requireString(plaintext, 'encrypt: plaintext');
      const aad = aadOf(config, context);
      return andThen(newest.key ?? newest.get(), (key) => encryptWith(config, key, plaintext, aad));
    },
    decrypt(ciphertext, context) {
      requireString(ciphertext, 'decrypt: ciphertext');
      const aad = aadOf(config, context);
      const last = keys.length - 1;
      const open = (key: KeyObject, i: number) => ({ plaintext: decryptWith(config, key, ciphertext, aad, i < last), keyIndex: i });
      return firstToOpen(keys.length, keyAt, open, (err) => {
        throw err;
      });
    },
    bindsContext: config.gcm,
    alterable: config.gcm ? undefined : { cipher: "createWebCryptoAdapter's AES-CBC", because: 'has no integrity check' },
    stats: () => ({ keyDerivations: derivers.reduce((n, d) => n + d.derivations, 0), cachedKeys: keys.filter((k) => k.key).length }),
  });
}
