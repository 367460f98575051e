// kruptein 3.4.x, as connect-mongo 4.x/5.x wrote it with `crypto` (a rewrite of kruptein; read from its
// source). Against 3.0:
//  - DER holds raw bytes, not encoded text: SEQUENCE { ct, hmac, iv, salt, tag, aad }, always six fields
//    (tag and aad are empty without AEAD);
//  - HMAC = HMAC(hashing, key, ct ‖ salt ‖ iv) over the raw bytes;
//  - PBKDF2 with 20 000 iterations (asynchronous in kruptein, which changes nothing stored);
//  - the plaintext is wrapped: JSON {"type":"string","value":s} for a string, {"type":"json","value":v}
//    for an object (connect-mongo's stringify: false);
//  - kruptein now honours connect-mongo's iv_size/at_size options, so a GCM IV is 16 bytes unless the app
//    set another size: the IV's and the tag's lengths are taken from the record.
import { createDecipheriv, createHmac, timingSafeEqual, type CipherGCMTypes, type DecipherGCM, type KeyObject } from 'node:crypto';
import { decryptError } from '../checks';
import type { KrupteinConfig } from '../kruptein';
import type { SaltKeyCache } from '../key-cache';
import type { Recognized } from './reader';

// GCM tags shorter than 96 bits are weak; connect-mongo always passed 16.
const TAG_MIN = 12;
const TAG_MAX = 16;

function decipher(c: KrupteinConfig, key: KeyObject, [ct, , iv, , tag, aad]: Buffer[]): Buffer {
  try {
    if (!c.aead) {
      const d = createDecipheriv(c.algorithm, key, iv);
      return Buffer.concat([d.update(ct), d.final()]);
    }
    const d = createDecipheriv(c.algorithm as CipherGCMTypes, key, iv, { authTagLength: tag.length }) as DecipherGCM;
    d.setAuthTag(tag);
    if (aad.length > 0) d.setAAD(aad);
    return Buffer.concat([d.update(ct), d.final()]);
  } catch {
    throw decryptError('cipher rejected the data (altered data)');
  }
}

/** The wrapped plaintext back to what connect-mongo had handed kruptein, as our decrypt returns it. */
function unwrap(json: string): string {
  let wrapped: unknown;
  try {
    wrapped = JSON.parse(json);
  } catch {
    wrapped = undefined;
  }
  const { type, value } = (typeof wrapped === 'object' && wrapped !== null ? wrapped : {}) as { type?: unknown; value?: unknown };
  if (type === 'string' && typeof value === 'string') return value;
  if (type === 'json' && value !== undefined) return JSON.stringify(value);
  throw decryptError('decrypted data is not a kruptein 3.4 payload (altered data)');
}

function openRecord(c: KrupteinConfig, key: KeyObject, fields: Buffer[]): string {
  const [ct, mac, iv, salt] = fields;
  const expected = createHmac(c.hashing, key).update(ct).update(salt).update(iv).digest();
  if (!timingSafeEqual(expected, mac)) throw decryptError('integrity check failed (wrong secret or altered data)');
  return unwrap(decipher(c, key, fields).toString('utf8'));
}

/** undefined unless `fields` has the 3.4 layout: six fields, a raw digest, a tag only with AEAD. */
export function recognizeKruptein34(c: KrupteinConfig, fields: Buffer[], keys20: SaltKeyCache[]): Recognized | undefined {
  if (fields.length !== 6 || fields[1].length !== c.digestLength) return undefined;
  const [, , , salt, tag, aad] = fields;
  const tagFits = c.aead ? tag.length >= TAG_MIN && tag.length <= TAG_MAX : tag.length === 0 && aad.length === 0;
  if (!tagFits) return undefined;
  return {
    keys: (i) => [() => keys20[i].keyFor(salt)],
    open: (key) => openRecord(c, key, fields),
  };
}
