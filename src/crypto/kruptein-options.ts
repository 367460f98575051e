// Validation of the kruptein adapter's options: the values connect-mongo and kruptein would end up using,
// or an error that names the option.
import { createHmac, getCiphers } from 'node:crypto';
import { describe, requireOptionsObject, secretList, show, warnIfWeak } from './checks';
import type { CryptoOptions } from './types';
import { ConnectMongoError, ErrorCodes, optionError } from '../errors';

const FN = 'createKrupteinAdapter';
// Encodings whose strings survive kruptein's string round trips; 'utf8' & co. would corrupt ciphertext.
const ENCODINGS: readonly string[] = ['base64', 'base64url', 'hex', 'latin1', 'binary'];
// kruptein sizes keys/IVs from the name (its key_size/iv_size options are never read) and only handles
// lower-case names correctly; these are the modes it supports that need nothing more than that.
const ALGORITHM = /^aes-(128|192|256)-(gcm|cbc|ctr|cfb|cfb8|ofb)$/;

const DEFAULT_CRYPTO: Required<Pick<CryptoOptions, 'algorithm' | 'hashing' | 'encodeas'>> = {
  algorithm: 'aes-256-gcm',
  hashing: 'sha512',
  encodeas: 'base64',
};

/** What encrypt and decrypt need to know about the format. */
export type KrupteinSettings = {
  readonly algorithm: string;
  readonly hashing: string;
  readonly enc: BufferEncoding;
  /** GCM: a tag and an AAD follow the four common fields. */
  readonly aead: boolean;
  readonly ivLength: number;
  /** Bytes of a `hashing` digest: the size of the AAD kruptein stores (an HMAC under a throwaway key). */
  readonly digestLength: number;
};

function checkAlgorithm(algorithm: unknown): RegExpExecArray {
  if (typeof algorithm !== 'string') throw optionError(`${FN}: option "algorithm" must be a string (got ${describe(algorithm)})`);
  const m = ALGORITHM.exec(algorithm);
  if (!m || !getCiphers().includes(algorithm)) {
    throw optionError(
      `${FN}: unsupported "algorithm" ${show(algorithm)}; expected aes-128|192|256 with gcm, cbc, ctr, cfb, cfb8 or ofb (lower case)`,
    );
  }
  return m;
}

/** The digest's output length in bytes. */
function checkHashing(hashing: unknown): number {
  if (typeof hashing !== 'string') throw optionError(`${FN}: option "hashing" must be a string (got ${describe(hashing)})`);
  try {
    return createHmac(hashing, 'probe').digest().length;
  } catch {
    throw optionError(`${FN}: unsupported "hashing" ${show(hashing)} (expected a digest such as sha512)`);
  }
}

function checkSecret(secret: unknown): Buffer {
  if (secret === undefined || secret === null || secret === false || secret === '') {
    throw new ConnectMongoError(ErrorCodes.badOption, `${FN} requires a non-empty secret`);
  }
  if (typeof secret !== 'string') throw optionError(`${FN}: option "secret" must be a string (got ${describe(secret)})`);
  const bytes = Buffer.from(secret, 'utf8');
  warnIfWeak(FN, bytes);
  return bytes;
}

export function resolveKrupteinOptions(options: CryptoOptions): { secrets: Buffer[]; keyLength: number; settings: KrupteinSettings } {
  requireOptionsObject(options, FN, 'requires a non-empty secret');
  // connect-mongo spreads its defaults under the user's options, then kruptein falls back on falsy values.
  const merged = { ...DEFAULT_CRYPTO, ...options };
  const secrets = secretList(merged.secret, FN, checkSecret);
  const algorithm = (merged.algorithm || 'aes-256-gcm') as unknown;
  const hashing = (merged.hashing || 'sha384') as unknown;
  const encodeas = (merged.encodeas || 'base64') as unknown;
  const m = checkAlgorithm(algorithm);
  const digestLength = checkHashing(hashing);
  if (typeof encodeas !== 'string' || !ENCODINGS.includes(encodeas)) {
    throw optionError(`${FN}: option "encodeas" must be one of ${ENCODINGS.join(', ')} (got ${show(encodeas)})`);
  }
  const aead = m[2] === 'gcm';
  const settings: KrupteinSettings = {
    algorithm: m[0],
    hashing: hashing as string,
    enc: encodeas as BufferEncoding,
    aead,
    ivLength: aead ? 12 : 16,
    digestLength,
  };
  const keyLength = m[1] === '128' ? 16 : m[1] === '192' ? 24 : 32;
  return { secrets, keyLength, settings };
}
