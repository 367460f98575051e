// How a session becomes the `session` field of a stored document and back: stringify, serialize /
// unserialize, crypto / cryptoAdapter, transformId (the document _id), timestamps and touchAfter
// (lastModified). Everything here must keep the stored bytes identical to connect-mongo 6's.
import type { SessionData } from 'express-session';
import { BSON, type UpdateFilter } from 'mongodb';
import { createKrupteinAdapter, type CryptoAdapter, type CryptoOptions } from './crypto-adapters';
import { checkOptions, isBoolean, isFunction, isPlainObject, numberIn, optional, type Check, type Rules } from './option-checks';

/** What a serializer may return and an unserializer receives. */
export type StoredSessionValue = SessionData | string;
export type Serialize<T extends SessionData> = (session: T) => StoredSessionValue;
export type Unserialize<T extends SessionData> = (payload: StoredSessionValue) => T;

export interface SerializerOptions<T extends SessionData> {
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
}

/** The stored document, as connect-mongo 6 writes it. */
export interface SessionDocument {
  _id: string;
  session: unknown;
  expires?: Date;
  lastModified?: Date;
  createdAt?: Date;
  updatedAt?: Date;
}

/** MongoDB's maximum document size. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

const isAdapter: Check = (v) =>
  typeof v === 'object' && v !== null && typeof (v as CryptoAdapter).encrypt === 'function' && typeof (v as CryptoAdapter).decrypt === 'function'
    ? null
    : new TypeError('must be an object with async encrypt(string) and decrypt(string) methods');

const rules: Rules = {
  stringify: optional(isBoolean),
  serialize: optional(isFunction),
  unserialize: optional(isFunction),
  transformId: optional(isFunction),
  timestamps: optional(isBoolean),
  touchAfter: optional(numberIn(0, Number.MAX_SAFE_INTEGER / 1000)),
  crypto: optional(isPlainObject),
  cryptoAdapter: optional(isAdapter),
};

/** connect-mongo's stringify:false serializer: own properties, cookie through its toJSON(). */
function toStorableObject(session: object): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(session)) {
    const toJSON = (value as { toJSON?: unknown } | null)?.toJSON;
    const stored = key === 'cookie' && typeof toJSON === 'function' ? toJSON.call(value) : value;
    // Defined, not assigned: `result['__proto__'] = v` would set the prototype and silently drop the key.
    Object.defineProperty(result, key, { value: stored, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON.parse that reports failure as undefined (never as an error quoting the input). */
function tryParse(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** A JSON string literal (a kruptein-wrapped payload) to its content; any other text as is. */
function unwrapString(text: string): string {
  const parsed = tryParse(text);
  return parsed && typeof parsed.value === 'string' ? parsed.value : text;
}

/** Errors about stored data; they never quote the data. */
const corrupt = (why: string) => new Error(`connect-mongo: the stored session is unreadable (${why})`);

const BSON_LEAF = (v: object) =>
  v instanceof Date || v instanceof RegExp || ArrayBuffer.isView(v) || typeof (v as { _bsontype?: unknown })._bsontype === 'string';

/** An unpaired UTF-16 surrogate: BSON stores strings as UTF-8, where it would silently become U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unpairedSurrogate = () =>
  new TypeError(
    'connect-mongo: the session contains a string with an unpaired UTF-16 surrogate; MongoDB would store it changed with stringify: false (use stringify: true)',
  );

/**
 * Refuses what MongoDB would reject or silently change in a stored object, before anything is written.
 * Messages name the problem, not the key or value (they may be user data).
 */
function assertStorableAsBson(value: unknown, seen: Set<object>, path: number): void {
  if (typeof value === 'bigint') throw new TypeError('connect-mongo: the session contains a BigInt, which cannot be stored');
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw unpairedSurrogate();
    return;
  }
  if (typeof value !== 'object' || value === null || BSON_LEAF(value)) return;
  if (seen.has(value)) throw new TypeError('connect-mongo: the session contains a circular reference');
  if (path > 90) throw new TypeError('connect-mongo: the session is nested too deeply to be stored'); // BSON's depth limit is 100
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) assertStorableAsBson(item, seen, path + 1);
  } else {
    for (const [key, item] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key)) throw unpairedSurrogate();
      if (key.startsWith('$') || key.includes('.') || key.includes('\0')) {
        throw new TypeError(
          "connect-mongo: a session key starts with '$' or contains '.' or NUL; MongoDB cannot store it with stringify: false (use stringify: true)",
        );
      }
      assertStorableAsBson(item, seen, path + 1);
    }
  }
  seen.delete(value); // shared (non-circular) references are fine
}

export class SessionSerializer<T extends SessionData> {
  readonly touchAfterMs: number;
  readonly timestamps: boolean;
  /** 'json': stringify:true; 'bson': stringify:false; 'custom': a user serialize and/or unserialize. */
  private readonly mode: 'json' | 'bson' | 'custom';
  private readonly serializeFn: (session: T) => unknown;
  private readonly unserializeFn: (payload: unknown) => unknown;
  private readonly transformId: ((sid: string) => string) | undefined;
  private readonly userSerialize: ((session: T) => unknown) | undefined;
  /** Created once per store: adapters derive their keys once. */
  readonly adapter: CryptoAdapter | null;

  constructor(options: SerializerOptions<T>) {
    checkOptions(rules, options as Record<string, unknown>);
    if (options.crypto !== undefined && options.cryptoAdapter !== undefined) {
      throw new TypeError(
        'connect-mongo: Provide either the legacy crypto option or cryptoAdapter, not both (options `crypto` and `cryptoAdapter`)',
      );
    }
    this.touchAfterMs = (options.touchAfter ?? 0) * 1000;
    this.timestamps = options.timestamps ?? false;
    this.transformId = options.transformId;
    this.userSerialize = options.serialize as ((session: T) => unknown) | undefined;

    if (options.serialize || options.unserialize) {
      this.mode = 'custom';
      this.serializeFn = (options.serialize as (s: T) => unknown) ?? toStorableObject;
      this.unserializeFn = (options.unserialize as (p: unknown) => unknown) ?? ((p) => p);
    } else if (options.stringify === false) {
      this.mode = 'bson';
      this.serializeFn = toStorableObject;
      this.unserializeFn = (p) => p;
    } else {
      this.mode = 'json';
      this.serializeFn = (s) => JSON.stringify(s);
      this.unserializeFn = (p) => p; // parsed in decode(), where errors can be made safe
    }

    if (options.cryptoAdapter) {
      this.adapter = options.cryptoAdapter;
    } else if (options.crypto && options.crypto.secret !== false) {
      try {
        this.adapter = createKrupteinAdapter(options.crypto);
      } catch (err) {
        throw new TypeError(`connect-mongo: option \`crypto\` is invalid: ${(err as Error).message}`, { cause: err });
      }
    } else {
      this.adapter = null;
    }
  }

  /** The stored `_id` for a session id; only ever an exact, non-empty string (never a query object). */
  storageId(sid: unknown): string {
    if (typeof sid !== 'string' || sid.length === 0) {
      throw new TypeError('connect-mongo: `sid` must be a non-empty string');
    }
    if (!this.transformId) return sid;
    const id = this.transformId(sid);
    if (typeof id !== 'string' || id.length === 0) {
      throw new TypeError('connect-mongo: option `transformId` must return a non-empty string');
    }
    return id;
  }

  /**
   * The value of the `session` field before encryption: serialized and checked. Synchronous, so that a
   * store without encryption spends no promise on it; with an adapter, pass the result to encrypt().
   */
  serialize(session: T): unknown {
    const input = this.withoutLastModified(session);
    // A user's serialize error reaches the caller as it is, as with connect-mongo.
    if (this.userSerialize) return this.checkedPayload(this.userSerialize(input));
    let payload: unknown;
    try {
      payload = this.serializeFn(input);
    } catch (err) {
      const reason = (err as Error)?.message ?? String(err);
      throw new TypeError(`connect-mongo: the session could not be serialized (${reason})`, { cause: err });
    }
    return this.checkedPayload(payload);
  }

  private checkedPayload(payload: unknown): unknown {
    if (typeof payload !== 'string' && !isObject(payload)) {
      throw new TypeError('connect-mongo: option `serialize` must return a string or an object');
    }
    if (!this.adapter && typeof payload !== 'string') assertStorableAsBson(payload, new Set(), 0);
    return payload;
  }

  /** A serialize() result encrypted with the configured adapter (call only when `adapter` is set). */
  async encrypt(payload: unknown): Promise<string> {
    let plaintext: string;
    try {
      // Same plaintext as connect-mongo: the JSON string as is, an object as JSON.
      plaintext = typeof payload === 'string' ? payload : JSON.stringify(payload);
    } catch (err) {
      const reason = (err as Error)?.message ?? String(err);
      throw new TypeError(`connect-mongo: the session could not be serialized for encryption (${reason})`, { cause: err });
    }
    const ciphertext = await this.adapter!.encrypt(plaintext);
    if (typeof ciphertext !== 'string') throw new TypeError('connect-mongo: the crypto adapter must return a string from encrypt()');
    return ciphertext;
  }

  /**
   * The session stored in a document, or an error (never a half-read session). With touchAfter, get()
   * passes `withLastModified` so that touch() can skip writes; all() does not (as in connect-mongo).
   */
  decode(doc: SessionDocument, options: { withLastModified?: boolean } = {}): T | Promise<T> {
    // Like connect-mongo, only strings are decrypted: BSON sessions written before encryption was enabled still read.
    // Without decryption everything is synchronous: no promise per read.
    if (this.adapter && typeof doc.session === 'string') return this.decryptAndDecode(doc, doc.session, options);
    return this.toSession(doc, doc.session, undefined, options);
  }

  private async decryptAndDecode(doc: SessionDocument, ciphertext: string, options: { withLastModified?: boolean }): Promise<T> {
    let plaintext: unknown;
    try {
      plaintext = await this.adapter!.decrypt(ciphertext);
    } catch {
      // The adapter's own error may quote the ciphertext: not passed on.
      throw corrupt('it could not be decrypted: wrong secret, wrong adapter settings or damaged data');
    }
    if (typeof plaintext !== 'string') throw corrupt('the crypto adapter returned a non-string from decrypt()');
    return this.toSession(doc, this.fromPlaintext(plaintext), plaintext, options);
  }

  private toSession(doc: SessionDocument, stored: unknown, rawPlaintext: string | undefined, { withLastModified = false }): T {
    let session: unknown;
    if (this.mode === 'custom') {
      // Whatever the user's unserialize (or, without one, the stored value) is, as connect-mongo returns it.
      session = this.customUnserialize(stored, rawPlaintext);
      if (!isObject(session)) return session as T;
    } else {
      if (typeof stored === 'string' && this.mode === 'json') {
        const parsed = tryParse(stored);
        if (!parsed) throw corrupt('invalid JSON');
        stored = parsed.value;
      }
      session = stored;
      if (!isObject(session)) throw corrupt(`expected an object, found ${session === null ? 'null' : Array.isArray(session) ? 'an array' : typeof session}`);
    }
    if (withLastModified && this.touchAfterMs > 0 && doc.lastModified) session.lastModified = doc.lastModified;
    return session as unknown as T;
  }

  /**
   * Decrypted text back to the serialized payload. Adapters differ: ours and connect-mongo's Web Crypto
   * adapter return exactly what was encrypted, connect-mongo's kruptein adapter returns it JSON-encoded
   * once more. Parsing at most twice reads all of them.
   */
  private fromPlaintext(plaintext: string): unknown {
    const once = tryParse(plaintext);
    if (!once) return plaintext; // a custom serializer's non-JSON string
    if (typeof once.value !== 'string') return once.value;
    const twice = tryParse(once.value);
    if (twice && isObject(twice.value)) return twice.value;
    return this.mode === 'custom' ? once.value : (twice?.value ?? once.value);
  }

  /**
   * A custom unserialize gets what was stored. After decryption the payload's original form (object or
   * JSON string) is unknown, so it gets the parsed object first, as connect-mongo does, and if that
   * throws (e.g. an unserialize built on JSON.parse), the string form.
   */
  private customUnserialize(stored: unknown, rawPlaintext: string | undefined): unknown {
    try {
      return this.unserializeFn(stored);
    } catch (err) {
      if (rawPlaintext !== undefined && typeof stored !== 'string') {
        try {
          return this.unserializeFn(unwrapString(rawPlaintext));
        } catch {
          // the first failure is the one reported
        }
      }
      throw err; // the user's own error, as connect-mongo passes it on
    }
  }

  /** connect-mongo deletes lastModified from the caller's object; a shallow copy leaves it untouched. */
  private withoutLastModified(session: T): T {
    if (this.touchAfterMs <= 0 || !('lastModified' in session)) return session;
    const { lastModified: _dropped, ...rest } = session as T & { lastModified?: unknown };
    return rest as T;
  }

  /** One upsert writes the whole document; refuses documents MongoDB would reject for size. */
  upsertUpdate(id: string, payload: unknown, expires: Date, now: Date): UpdateFilter<SessionDocument> {
    const $set: Partial<SessionDocument> = { session: payload, expires };
    if (this.touchAfterMs > 0) $set.lastModified = now;
    const update: UpdateFilter<SessionDocument> = { $set };
    if (this.timestamps) {
      update.$setOnInsert = { createdAt: now };
      update.$currentDate = { updatedAt: true };
    }
    // A string payload has a cheap upper bound (UTF-8 takes at most 3 bytes per UTF-16 unit, plus the
    // fixed fields); only a payload that might reach the limit, or an object, is measured exactly.
    if (typeof payload === 'string' && (payload.length + id.length) * 3 + 256 < MAX_DOCUMENT_BYTES) return update;
    const size = BSON.calculateObjectSize({ _id: id, ...$set, createdAt: now, updatedAt: now });
    if (size > MAX_DOCUMENT_BYTES) {
      throw new RangeError(`connect-mongo: the session document would be ${size} bytes, over MongoDB's 16 MiB limit`);
    }
    return update;
  }

  /** Whether touch() must write: with touchAfter, only once the stored lastModified is old enough. */
  touchIsDue(session: T & { lastModified?: unknown }, now: Date): boolean {
    if (this.touchAfterMs <= 0 || session.lastModified === undefined || session.lastModified === null) return true;
    const last = new Date(session.lastModified as string | number | Date).getTime();
    return !(Number.isFinite(last) && now.getTime() - last < this.touchAfterMs);
  }

  touchUpdate(expires: Date, now: Date): UpdateFilter<SessionDocument> {
    const $set: Partial<SessionDocument> = { expires };
    if (this.touchAfterMs > 0) $set.lastModified = now;
    const update: UpdateFilter<SessionDocument> = { $set };
    if (this.timestamps) update.$currentDate = { updatedAt: true };
    return update;
  }
}
