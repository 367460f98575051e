// kruptein 3.0.8 format (connect-mongo's legacy `crypto` option).
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
// encryption derives one key, ever; decryption caches keys per salt. The AAD is CSPRNG bytes of the
// digest's length: kruptein's is an HMAC of the plaintext under a random key it then throws away, so it
// is a uniformly random value to everyone (no reader can recompute it: kruptein.get takes it from the
// record) and hashing the whole plaintext for it buys nothing.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
  type CipherGCM,
  type CipherGCMTypes,
  type DecipherGCM,
  type KeyObject,
} from 'node:crypto';
import { decryptError, requireString } from './checks';
import { decodeDerOctetSequence, encodeDerOctetSequence } from './der';
import { KeyDeriver, SaltKeyCache } from './key-cache';
import { resolveKrupteinOptions, type KrupteinSettings } from './kruptein-options';
import { OlderFormats } from './older';
import { freshRandom } from './random';
import { andThen, firstToOpen, ownAdapter, type Decryption, type Maybe } from './cipher';
import type { CryptoAdapter, CryptoOptions } from './types';

const ITERATIONS = 15_000;
const SALT_BYTES = 128;
const TAG_LENGTH = 16;
const KEY_CACHE_LIMIT = 1_000;

/**
 * What encrypt and decrypt need, resolved once per adapter. `textEnc` maps a text's characters to the
 * UTF-8 bytes kruptein writes: base64 and hex texts are ASCII, where latin1 gives the same bytes for less
 * work; latin1/binary texts have characters above 0x7f, which UTF-8 writes as two bytes.
 */
export type KrupteinConfig = KrupteinSettings & { readonly ownSalt: Buffer; readonly textEnc: BufferEncoding };

/** The E-encoded text of `bytes`, as the UTF-8 bytes the DER holds. */
function text(c: KrupteinConfig, bytes: Buffer): Buffer {
  return Buffer.from(bytes.toString(c.enc), c.textEnc);
}

// The texts go to OpenSSL and into the DER as strings, encoded on the way, so no intermediate Buffer is
// made for them (less garbage per write).
function encryptWith(c: KrupteinConfig, k: KeyObject, plaintext: string): string {
  const { aead, enc, hashing, ivLength } = c;
  const pt = JSON.stringify(plaintext);
  // One call to the CSPRNG for both the IV and (AEAD) the AAD.
  const random = freshRandom(aead ? ivLength + c.digestLength : ivLength);
  const iv = random.subarray(0, ivLength);
  const cipher = aead
    ? createCipheriv(c.algorithm as CipherGCMTypes, k, iv, { authTagLength: TAG_LENGTH })
    : createCipheriv(c.algorithm, k, iv);
  let aad: Buffer | undefined;
  if (aead) {
    aad = random.subarray(ivLength);
    (cipher as CipherGCM).setAAD(aad);
  }
  const head = cipher.update(pt, 'utf8');
  const tail = cipher.final(); // empty for GCM and the stream modes
  const ctText = (tail.length === 0 ? head : Buffer.concat([head, tail])).toString(enc);
  const hmacText = createHmac(hashing, k).update(ctText, c.textEnc).digest().toString(enc);
  const fields: (string | Uint8Array)[] = [ctText, hmacText, iv, c.ownSalt];
  if (aead) fields.push((cipher as CipherGCM).getAuthTag(), aad!.toString(enc));
  return encodeDerOctetSequence(fields, c.textEnc).toString(enc);
}

function parse(c: KrupteinConfig, stored: string): Buffer[] {
  const fields = decodeDerOctetSequence(Buffer.from(stored, c.enc));
  if (!fields || fields.length !== (c.aead ? 6 : 4) || holdsRawDigest(c, fields)) {
    throw decryptError(`not a ${c.algorithm} kruptein record encoded as ${c.enc}`);
  }
  return fields;
}

/**
 * kruptein 3.4 stores the HMAC as raw bytes; 3.0 as base64 or hex text, never that short. Rejecting it here
 * spares a key derivation the record cannot use (see older/index.ts).
 */
function holdsRawDigest(c: KrupteinConfig, fields: Buffer[]): boolean {
  return c.textEnc === 'latin1' && fields[1].length === c.digestLength;
}

/** The JSON text inside an authenticated record. */
function decipherRecord(c: KrupteinConfig, k: KeyObject, fields: Buffer[]): string {
  const [ctText, , iv, , tag, aadText] = fields;
  try {
    const decipher = c.aead
      ? createDecipheriv(c.algorithm as CipherGCMTypes, k, iv, { authTagLength: TAG_LENGTH })
      : createDecipheriv(c.algorithm, k, iv);
    if (c.aead) {
      const d = decipher as DecipherGCM;
      d.setAuthTag(tag);
      const aad = Buffer.from(aadText.toString(c.textEnc), c.enc);
      // The AAD text sits outside the HMAC and lenient decoding ignores stray characters: insist on the
      // canonical text kruptein writes so that no altered record is accepted.
      if (!text(c, aad).equals(aadText)) throw new Error('non-canonical AAD');
      d.setAAD(aad);
    }
    const ct = Buffer.from(ctText.toString(c.textEnc), c.enc);
    const head = decipher.update(ct);
    const tail = decipher.final(); // empty for GCM and the stream modes
    return (tail.length === 0 ? head : Buffer.concat([head, tail])).toString('utf8');
  } catch {
    throw decryptError('cipher rejected the data (altered data)');
  }
}

/** `hmacInput`: what the HMAC covers, the ciphertext's text in 3.0 (kruptein 3.1–3.3 add more). */
export function decryptWith(c: KrupteinConfig, k: KeyObject, fields: Buffer[], hmacInput: Buffer = fields[0]): string {
  const expected = text(c, createHmac(c.hashing, k).update(hmacInput).digest());
  const hmacText = fields[1];
  if (expected.length !== hmacText.length || !timingSafeEqual(expected, hmacText)) {
    throw decryptError('integrity check failed (wrong secret or altered data)');
  }
  const json = decipherRecord(c, k, fields);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // Every kruptein record written by connect-mongo holds JSON text. Non-JSON means damage that the
    // format's HMAC cannot see (in non-AEAD modes it does not cover the IV, so IV bits alter block 1).
    throw decryptError('decrypted data is not JSON (altered data)');
  }
  return typeof value === 'string' ? value : json;
}

/**
 * A record's plaintext and which secret (0: the newest) authenticated it: at once while the keys are derived,
 * else a promise. What the current format refuses goes on to `older` (connect-mongo's earlier formats).
 */
function decrypt(c: KrupteinConfig, caches: SaltKeyCache[], ciphertext: string, older: OlderFormats): Maybe<Decryption> {
  let fields: Buffer[];
  try {
    requireString(ciphertext, 'decrypt: ciphertext');
    fields = parse(c, ciphertext);
  } catch (err) {
    return older.decrypt(ciphertext, err);
  }
  const keyAt = (i: number) => caches[i].keyFor(fields[3]);
  const open = (key: KeyObject, i: number) => ({ plaintext: decryptWith(c, key, fields), keyIndex: i });
  return firstToOpen(caches.length, keyAt, open, (err) => older.decrypt(ciphertext, err));
}

/**
 * Same stored format as connect-mongo's createKrupteinAdapter / legacy `crypto` option (kruptein 3.0.8).
 * `key_size`, `iv_size` and `at_size` are accepted and ignored, exactly as kruptein ignores them. With
 * several secrets (newest first), encryption uses the first and decryption whichever authenticates.
 */
export function createKrupteinAdapter(options: CryptoOptions): CryptoAdapter {
  const { secrets, keyLength, settings } = resolveKrupteinOptions(options);
  // Our own salt: drawn once, so encryption never derives again.
  const textEnc = settings.enc === 'latin1' || settings.enc === 'binary' ? 'utf8' : 'latin1';
  const c: KrupteinConfig = { ...settings, ownSalt: randomBytes(SALT_BYTES), textEnc };
  const derivers = secrets.map((secret) => new KeyDeriver(secret, ITERATIONS, keyLength, c.hashing));
  const caches = derivers.map((d) => new SaltKeyCache(d, c.ownSalt, KEY_CACHE_LIMIT));
  const own = caches[0].own;
  // What connect-mongo wrote before version 6 (kruptein 3.1–3.4, connect-mongo 3): read, never written.
  const older = new OlderFormats(c, secrets, keyLength, caches);
  const sum = (f: (i: number) => number) => caches.reduce((n, _, i) => n + f(i), 0);
  return ownAdapter({
    encrypt(plaintext) {
      requireString(plaintext, 'encrypt: plaintext');
      return andThen(own.key ?? own.get(), (key) => encryptWith(c, key, plaintext));
    },
    decrypt: (ciphertext) => decrypt(c, caches, ciphertext, older),
    bindsContext: false,
    alterable: c.algorithm.endsWith('-cbc') ? { cipher: `kruptein's ${c.algorithm}`, because: 'does not authenticate its IV' } : undefined,
    stats: () => ({
      keyDerivations: sum((i) => derivers[i].derivations) + older.derivations,
      cachedKeys: sum((i) => caches[i].size) + older.cachedKeys,
    }),
  });
}
