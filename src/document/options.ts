// The options that decide what a stored document holds: stringify, serialize / unserialize, transformId,
// timestamps, touchAfter, crypto / cryptoAdapter. Checked and resolved once, here.
import type { SessionData } from 'express-session';
import { createKrupteinAdapter, type CryptoAdapter, type CryptoOptions } from '../crypto';
import { warnAlterable } from '../crypto/checks';
import { cipherOf } from '../crypto/cipher';
import { checkOptions, isBoolean, isFunction, isPlainObject, numberIn, oneOf, optional, type Check, type Rules } from '../option-checks';
import { SessionEncryption, type BindToId, type OnDecryptError } from './encryption';
import type { HashSessionIds } from '../controls/hashed-ids';
import type { Serialize, Unserialize } from './types';
import { optionError } from '../errors';

export interface DocumentOptions<T extends SessionData> {
  /** true (default): `session` is stored as a JSON string; false: as a BSON object. */
  stringify?: boolean;
  serialize?: Serialize<T>;
  unserialize?: Unserialize<T>;
  /** Maps a session id to the stored `_id` (e.g. a hash). */
  transformId?: (sid: string) => string;
  /** Adds `createdAt` (on insert) and `updatedAt` (on every write and touch). */
  timestamps?: boolean;
  /** Seconds during which touch() skips the write; adds `lastModified` to documents. Default 0. */
  touchAfter?: number;
  /** Legacy kruptein encryption; `secret: false` turns it off. Excludes cryptoAdapter. */
  crypto?: CryptoOptions;
  /** createWebCryptoAdapter(), createKrupteinAdapter() or any object with async encrypt/decrypt. */
  cryptoAdapter?: CryptoAdapter;
  /**
   * With encryption: pass the stored `_id` as AES-GCM additional data. 'migrate' still reads unbound data (on any
   * id: see docs/threat-model.md); `{ migrateUntil: date }` reads it only until that date.
   */
  bindToId?: BindToId;
  /** With encryption: 'miss' treats an undecryptable session as absent (and emits 'decryptError'). Default 'error'. */
  onDecryptError?: OnDecryptError;
  /** With encryption: a session read with an older secret (or unbound) is re-encrypted at once. Default false. */
  reencryptOnRead?: boolean;
  /**
   * With encryption: a stored `session` that is not a ciphertext (an object) is undecryptable, not read as is.
   * Always so with `bindToId`. Default false: connect-mongo 6 reads it as is.
   */
  requireEncrypted?: boolean;
  /** Store a SHA-256 (or, with a secret, HMAC-SHA-256) of the session id as `_id`. Excludes transformId. */
  hashSessionIds?: HashSessionIds;
  /** Whose session this is: stored as a top-level `userId` for destroyByUser() and sessionsByUser(). */
  userId?: (session: T) => string | undefined;
}

const isAdapter: Check = (v) =>
  typeof v === 'object' && v !== null && typeof (v as CryptoAdapter).encrypt === 'function' && typeof (v as CryptoAdapter).decrypt === 'function'
    ? null
    : new TypeError('must be an object with async encrypt(string) and decrypt(string) methods');

const isBindToId: Check = (v) => {
  if (typeof v === 'boolean' || v === 'migrate') return null;
  const until = isPlainObject(v) === null ? (v as { migrateUntil?: unknown }).migrateUntil : undefined;
  return until instanceof Date && !Number.isNaN(until.getTime())
    ? null
    : new TypeError("must be true, false, 'migrate' or { migrateUntil: Date } (a valid Date)");
};

const rules: Rules = {
  stringify: optional(isBoolean),
  serialize: optional(isFunction),
  unserialize: optional(isFunction),
  transformId: optional(isFunction),
  timestamps: optional(isBoolean),
  touchAfter: optional(numberIn(0, Number.MAX_SAFE_INTEGER / 1000)),
  crypto: optional(isPlainObject),
  cryptoAdapter: optional(isAdapter),
  userId: optional(isFunction),
  hashSessionIds: optional((v) => (typeof v === 'boolean' ? null : isPlainObject(v))),
  bindToId: optional(isBindToId),
  onDecryptError: optional(oneOf('error', 'miss')),
  reencryptOnRead: optional(isBoolean),
  requireEncrypted: optional(isBoolean),
};

/** connect-mongo's stringify:false serializer: own properties, cookie through its toJSON(). */
export function toStorableObject(session: object): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(session)) {
    const toJSON = (value as { toJSON?: unknown } | null)?.toJSON;
    const stored = key === 'cookie' && typeof toJSON === 'function' ? toJSON.call(value) : value;
    // Defined, not assigned: `result['__proto__'] = v` would set the prototype and silently drop the key.
    Object.defineProperty(result, key, { value: stored, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/** 'json': stringify:true; 'bson': stringify:false; 'custom': a user serialize and/or unserialize. */
export type Mode = 'json' | 'bson' | 'custom';

export interface ResolvedDocumentOptions<T extends SessionData> {
  mode: Mode;
  touchAfterMs: number;
  timestamps: boolean;
  transformId: ((sid: string) => string) | undefined;
  /** The user's own serialize, whose errors reach the caller as they are. */
  userSerialize: ((session: T) => unknown) | undefined;
  userId: ((session: T) => string | undefined) | undefined;
  serializeFn: (session: T) => unknown;
  unserializeFn: (payload: unknown) => unknown;
  /** Created once per store: adapters derive their keys once. */
  adapter: CryptoAdapter | null;
  encryption: SessionEncryption | null;
  missOnDecryptError: boolean;
  reencryptOnRead: boolean;
  /** requireEncrypted or bindToId: a `session` that is not a string is undecryptable. */
  refusesUnencrypted: boolean;
}

const identity = (p: unknown) => p;

export function resolveDocumentOptions<T extends SessionData>(options: DocumentOptions<T>): ResolvedDocumentOptions<T> {
  checkOptions(rules, options as Record<string, unknown>);
  if (options.crypto !== undefined && options.cryptoAdapter !== undefined) {
    throw optionError(
      'connect-mongo: Provide either the legacy crypto option or cryptoAdapter, not both (options `crypto` and `cryptoAdapter`)',
    );
  }
  const userSerialize = options.serialize as ((session: T) => unknown) | undefined;
  const adapter = resolveAdapter(options);
  const base = {
    ...resolveEncryption(adapter, options),
    touchAfterMs: (options.touchAfter ?? 0) * 1000,
    timestamps: options.timestamps ?? false,
    transformId: options.transformId,
    userSerialize,
    userId: options.userId,
    adapter,
  };
  if (options.serialize || options.unserialize) {
    const unserializeFn = (options.unserialize as ((p: unknown) => unknown) | undefined) ?? identity;
    return { ...base, mode: 'custom', serializeFn: userSerialize ?? toStorableObject, unserializeFn };
  }
  if (options.stringify === false) return { ...base, mode: 'bson', serializeFn: toStorableObject, unserializeFn: identity };
  // JSON is parsed by the codec, where errors can be made safe.
  return { ...base, mode: 'json', serializeFn: (s) => JSON.stringify(s), unserializeFn: identity };
}

type EncryptionChoices = Pick<DocumentOptions<SessionData>, 'bindToId' | 'onDecryptError' | 'reencryptOnRead' | 'requireEncrypted'>;

function resolveEncryption(adapter: CryptoAdapter | null, options: EncryptionChoices) {
  const { bindToId = false, onDecryptError = 'error', reencryptOnRead = false, requireEncrypted = false } = options;
  if (!adapter) {
    const set = { bindToId, reencryptOnRead, onDecryptError: onDecryptError !== 'error', requireEncrypted };
    const name = Object.keys(set).find((key) => set[key as keyof typeof set]);
    if (name) throw optionError(`connect-mongo: option \`${name}\` needs encryption: set \`cryptoAdapter\` or \`crypto\``);
  }
  const encryption = adapter ? new SessionEncryption({ adapter, bindToId }) : null;
  const alterable = adapter && cipherOf(adapter).alterable; // warned once the options are accepted
  if (alterable) warnAlterable(alterable.cipher, alterable.because);
  // A plain object would bypass both the key and the id binding.
  const refusesUnencrypted = requireEncrypted || bindToId !== false;
  return { encryption, missOnDecryptError: onDecryptError === 'miss', reencryptOnRead, refusesUnencrypted };
}

function resolveAdapter(options: Pick<DocumentOptions<SessionData>, 'crypto' | 'cryptoAdapter'>): CryptoAdapter | null {
  if (options.cryptoAdapter) return options.cryptoAdapter;
  if (!options.crypto || options.crypto.secret === false) return null;
  try {
    return createKrupteinAdapter(options.crypto);
  } catch (err) {
    throw optionError(`connect-mongo: option \`crypto\` is invalid: ${(err as Error).message}`, { cause: err });
  }
}
