// kruptein 2.x, as connect-mongo 4.1.x/4.2.x wrote it with `crypto` (those versions depended on
// `kruptein ^2.2.3` and defaulted `encodeas` to 'hex'). Read from kruptein's source: the same cipher, key
// (PBKDF2, 15 000 iterations, 128-byte salt per value), HMAC over the ciphertext's text and JSON
// plaintext as kruptein 3.0, but kruptein 2 only used DER when asked to (`use_asn1`), and connect-mongo
// never asked: the record is JSON {hmac, ct, iv, salt, aad, at}, with the texts in E (`encodeas`) and iv,
// salt and the tag as Node serialises a Buffer ({"type":"Buffer","data":[…]}).
// It is turned into the 3.0 record it is equivalent to, which the 3.0 code then authenticates and opens.
import type { KrupteinConfig } from '../kruptein';
import { decryptWith } from '../kruptein';
import type { SaltKeyCache } from '../key-cache';
import { bufferOf, encodingOf, parseJson } from './json-record';
import type { Recognized } from './reader';

/** The 3.0 settings for texts in `enc` (which may differ from the configured encoding). */
function withEncoding(c: KrupteinConfig, enc: BufferEncoding): KrupteinConfig {
  return { ...c, enc, textEnc: enc === 'latin1' || enc === 'binary' ? 'utf8' : 'latin1' };
}

export function recognizeKruptein2(c: KrupteinConfig, stored: string, keys15: SaltKeyCache[]): Recognized | undefined {
  const value = parseJson(stored);
  if (typeof value !== 'object' || value === null) return undefined;
  const { hmac, ct, aad, iv, salt, at } = value as { [k: string]: unknown };
  if (typeof hmac !== 'string' || typeof ct !== 'string') return undefined;
  const ivBytes = bufferOf(iv, 1, 64);
  const saltBytes = bufferOf(salt, 1, 1024);
  if (!ivBytes || !saltBytes) return undefined;
  const fields = [Buffer.from(ct, 'utf8'), Buffer.from(hmac, 'utf8'), ivBytes, saltBytes];
  if (c.aead) {
    const tag = bufferOf(at, 16, 16);
    if (!tag || typeof aad !== 'string') return undefined;
    fields.push(tag, Buffer.from(aad, 'utf8'));
  } else if (at !== undefined || aad !== undefined) {
    return undefined;
  }
  const settings = withEncoding(c, encodingOf(hmac, c));
  return {
    keys: (i) => [() => keys15[i].keyFor(saltBytes)],
    open: (key) => decryptWith(settings, key, fields),
  };
}
