// connect-mongo 3.x's own encryption (its `secret` option, before it used kruptein), read from its source:
//  - key: salt = first 16 characters of hash(secret) as E text (E = `encodeas`, 'hex' by default);
//    PBKDF2(secret, salt, 10 000, 64 bytes); the key is the first keyLength characters of that as E text,
//    used as UTF-8 bytes. No per-value salt: one derivation per secret and encoding;
//  - IV: random bytes as E text, used as its UTF-8 bytes (a 16-byte iv_size gives a 32-byte hex IV);
//  - AAD: an HMAC of the plaintext as E text, used as its UTF-8 bytes; GCM only (it always took a tag);
//  - stored: JSON {hmac, ct, at, aad, iv}, with ct the ciphertext as E text, hmac = HMAC(key, ct text) as
//    E text and `at` the tag as Node serialises a Buffer ({"type":"Buffer","data":[…]}); with the default
//    stringify that JSON was JSON-encoded once more. The plaintext is the session object's JSON.
// E is recognised from the value (hex digests are unmistakable), so an app need not set encodeas: 'hex'.
import { createDecipheriv, createHash, createHmac, createSecretKey, pbkdf2, timingSafeEqual, type CipherGCMTypes, type KeyObject } from 'node:crypto';
import { decryptError } from '../checks';
import type { KrupteinConfig } from '../kruptein';
import { bufferOf, encodingOf, parseJson } from './json-record';
import type { Recognized } from './reader';

const ITERATIONS = 10_000;
const DERIVED_BYTES = 64;
const SALT_CHARS = 16;
const TAG_MIN = 12;
const TAG_MAX = 16;

type Record = { hmac: string; ct: string; aad: string; iv: string; tag: Buffer; enc: BufferEncoding };

function parse(c: KrupteinConfig, stored: string): Record | undefined {
  let value = parseJson(stored);
  if (typeof value === 'string') value = parseJson(value); // stringify: true encoded it once more
  if (typeof value !== 'object' || value === null) return undefined;
  const { hmac, ct, aad, iv, at } = value as { [k: string]: unknown };
  if (typeof hmac !== 'string' || typeof ct !== 'string' || typeof aad !== 'string' || typeof iv !== 'string') return undefined;
  const tag = bufferOf(at, TAG_MIN, TAG_MAX);
  if (!tag) return undefined;
  return { hmac, ct, aad, iv, tag, enc: encodingOf(hmac, c) };
}

function derive(secret: Buffer, hashing: string, keyLength: number, enc: BufferEncoding): Promise<KeyObject> {
  const salt = createHash(hashing).update(secret).digest().toString(enc).slice(0, SALT_CHARS);
  return new Promise((resolve, reject) => {
    pbkdf2(secret, salt, ITERATIONS, DERIVED_BYTES, hashing, (err, derived) => {
      const key = err ? undefined : Buffer.from(derived.toString(enc).slice(0, keyLength), 'utf8');
      if (!key || key.length !== keyLength) return reject(new Error(`Unable to derive the encryption key (PBKDF2-${hashing})`));
      resolve(createSecretKey(key));
    });
  });
}

/** One key per secret and encoding, derived on first use; a failed derivation is retried next time. */
export class ConnectMongo3Keys {
  derivations = 0;
  private readonly keys = new Map<string, KeyObject | Promise<KeyObject>>();

  constructor(
    private readonly secrets: Buffer[],
    private readonly hashing: string,
    private readonly keyLength: number,
  ) {}

  get size(): number {
    let n = 0;
    for (const k of this.keys.values()) if (!(k instanceof Promise)) n++;
    return n;
  }

  keyFor(i: number, enc: BufferEncoding): KeyObject | Promise<KeyObject> {
    const id = `${i}:${enc}`;
    const known = this.keys.get(id);
    if (known) return known;
    this.derivations++;
    const pending = derive(this.secrets[i], this.hashing, this.keyLength, enc).then(
      (key) => (this.keys.set(id, key), key),
      (err: unknown) => {
        this.keys.delete(id);
        throw err;
      },
    );
    pending.catch(() => {}); // rethrown to whoever awaits it
    this.keys.set(id, pending);
    return pending;
  }
}

function openRecord(c: KrupteinConfig, key: KeyObject, r: Record): string {
  const expected = Buffer.from(createHmac(c.hashing, key).update(r.ct, 'utf8').digest().toString(r.enc), 'utf8');
  const stored = Buffer.from(r.hmac, 'utf8');
  if (expected.length !== stored.length || !timingSafeEqual(expected, stored)) {
    throw decryptError('integrity check failed (wrong secret or altered data)');
  }
  let json: string;
  try {
    const d = createDecipheriv(c.algorithm as CipherGCMTypes, key, Buffer.from(r.iv, 'utf8'), { authTagLength: r.tag.length });
    d.setAuthTag(r.tag);
    d.setAAD(Buffer.from(r.aad, 'utf8'));
    json = Buffer.concat([d.update(Buffer.from(r.ct, r.enc)), d.final()]).toString('utf8');
  } catch {
    throw decryptError('cipher rejected the data (altered data)');
  }
  if (parseJson(json) === undefined) throw decryptError('decrypted data is not JSON (altered data)');
  return json;
}

/** undefined unless `stored` is a connect-mongo 3 record and the adapter's algorithm is GCM (the only one it could write). */
export function recognizeConnectMongo3(c: KrupteinConfig, stored: string, keys: ConnectMongo3Keys): Recognized | undefined {
  if (!c.aead) return undefined;
  const record = parse(c, stored);
  if (!record) return undefined;
  return {
    keys: (i) => [() => keys.keyFor(i, record.enc)],
    open: (key) => openRecord(c, key, record),
  };
}
