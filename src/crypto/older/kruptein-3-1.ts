// kruptein 3.1.1 to 3.3.x, as connect-mongo 4.x/5.x wrote it with `crypto`: the 3.0 record (same DER,
// same text fields, same plaintext), with two changes found in kruptein's source:
//  - the HMAC covers more than the ciphertext's text: kruptein appends the salt and the IV by string
//    concatenation, so each Buffer goes in as its UTF-8 decoding (invalid sequences become U+FFFD) and the
//    whole string is hashed as UTF-8. Rebuilt here byte for byte;
//  - PBKDF2 runs 20 000 iterations from 3.1.3 on (3.1.1 kept 15 000). Both are tried, 15 000 first: that
//    key is the one the 3.0 reader has just derived for the same salt.
// 3.2.x/3.3.x also keep one salt per kruptein instance (connect-mongo makes one per store), which our
// per-salt key cache turns into one derivation per writer process.
import type { KrupteinConfig } from '../kruptein';
import { decryptWith } from '../kruptein';
import type { SaltKeyCache } from '../key-cache';
import type { Recognized } from './reader';

const IV = 2;
const SALT = 3;

/** What kruptein 3.1–3.3 fed its HMAC: text(ct) + String(salt) + String(iv), as UTF-8. */
function hmacInput(fields: Buffer[]): Buffer {
  const appended = fields[SALT].toString('utf8') + fields[IV].toString('utf8');
  return Buffer.concat([fields[0], Buffer.from(appended, 'utf8')]);
}

/** `fields`: a DER record with the 3.0 layout (4 fields, or 6 with AEAD) that the 3.0 HMAC rejected. */
export function recognizeKruptein31(
  c: KrupteinConfig,
  fields: Buffer[],
  keys15: SaltKeyCache[],
  keys20: SaltKeyCache[],
): Recognized | undefined {
  if (fields.length !== (c.aead ? 6 : 4)) return undefined;
  const salt = fields[SALT];
  const input = hmacInput(fields);
  return {
    keys: (i) => [() => keys15[i].keyFor(salt), () => keys20[i].keyFor(salt)],
    open: (key) => decryptWith(c, key, fields, input),
  };
}
