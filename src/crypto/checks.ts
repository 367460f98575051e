// Option and input checks shared by both adapters, and the errors they throw.
import { createHash } from 'node:crypto';
import { argumentError, ConnectMongoError, ErrorCodes, optionError } from '../errors';

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** A short, safe rendering of a rejected option value (never used for secrets). */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return describe(value);
}

/** `missing` keeps connect-mongo's wording for a missing secret ("requires a secret", "requires a non-empty secret"). */
export function requireOptionsObject(options: unknown, fn: string, missing: string): void {
  if (options === null || typeof options !== 'object') {
    throw optionError(`${fn} ${missing} (pass an options object with a secret)`);
  }
}

export function toBytes(value: unknown, option: string, fn: string): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  // connect-mongo's wording first, which apps may match on.
  throw optionError(
    `Unsupported secret type for Web Crypto adapter: ${fn}: option "${option}" must be a string, ArrayBuffer or ArrayBufferView (got ${describe(value)})`,
  );
}

/** One secret, or a non-empty list of them (newest first), each turned into bytes by `one`. */
export function secretList<B>(secret: unknown, fn: string, one: (value: unknown) => B): B[] {
  if (!Array.isArray(secret)) return [one(secret)];
  if (secret.length === 0) throw optionError(`${fn}: option "secret" must not be an empty list`);
  return secret.map(one);
}

// Values that appear in documentation and examples; whoever deploys one has not chosen a secret.
const PLACEHOLDERS = new Set(['secret', 'keyboard cat', 'changeme', 'change-me', 'example-secret-change-me', 'squirrel', 'password']);
const MIN_SECRET_BYTES = 32;
/** Fingerprints of the weak secrets already warned about, so that each is named once, however often used. */
const warned = new Set<string>();

/**
 * Warns once per weak secret (a second weak secret gets its own warning) about a guessable secret. Not an
 * error: old deployments must keep reading what they stored. The message never quotes the secret.
 */
export function warnIfWeak(fn: string, secret: Uint8Array): void {
  const text = Buffer.from(secret).toString('utf8');
  const reason = PLACEHOLDERS.has(text.toLowerCase())
    ? 'is a well-known placeholder'
    : secret.length < MIN_SECRET_BYTES
      ? `is shorter than ${MIN_SECRET_BYTES} bytes`
      : null;
  const fingerprint = reason && `${fn}:${createHash('sha256').update(secret).digest('base64')}`;
  if (!fingerprint || warned.has(fingerprint)) return;
  warned.add(fingerprint);
  process.emitWarning(`${fn}: the secret ${reason}; use at least ${MIN_SECRET_BYTES} random bytes (e.g. crypto.randomBytes(32).toString('base64'))`, {
    code: 'CONNECT_MONGO_WEAK_SECRET',
  });
}

/**
 * Warns once per cipher that its records can be altered without the secret (kruptein's CBC: its HMAC leaves
 * out the IV, which CBC XORs into the first 16 bytes of plaintext; WebCrypto AES-CBC: no MAC at all).
 * Still read and written, for compatibility.
 */
export function warnAlterable(cipher: string, because: string): void {
  if (warned.has(`cipher:${cipher}`)) return;
  warned.add(`cipher:${cipher}`);
  process.emitWarning(`connect-mongo: ${cipher} ${because}: whoever can write the sessions collection can change a session without the secret`, {
    code: 'CONNECT_MONGO_WEAK_CIPHER',
    detail: "Use createWebCryptoAdapter with AES-GCM (its default) or kruptein's default aes-256-gcm; keep a CBC store only to read old sessions.",
  });
}

export function checkPositiveInt(value: unknown, option: string, fn: string, max: number): number {
  if (typeof value !== 'number') throw optionError(`${fn}: option "${option}" must be a number (got ${describe(value)})`);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw optionError(`${fn}: option "${option}" must be an integer between 1 and ${max} (got ${value})`, { range: true });
  }
  return value;
}

/** The adapters' argument check; `what` is e.g. "encrypt: plaintext". */
export function requireString(value: unknown, what: string): void {
  if (typeof value !== 'string') throw argumentError(`${what} must be a string (got ${describe(value)})`);
}

// Decrypt failures never carry the underlying OpenSSL error or any input: only what went wrong, generically.
export function decryptError(what: string): Error {
  return new ConnectMongoError(ErrorCodes.undecryptableSession, `Unable to decrypt session data: ${what}`);
}
