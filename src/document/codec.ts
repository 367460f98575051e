// How a session becomes a stored document and back: the `session` field (serialized, encrypted), and the
// update documents of set() and touch() around it (expires, lastModified for touchAfter, timestamps).
// Everything here must keep the stored bytes identical to connect-mongo 6's.
import type { SessionData } from 'express-session';
import { BSON } from 'mongodb';
import { assertStorableAsBson } from './bson-check';
import { andThen, type Maybe } from '../crypto/cipher';
import { undecryptable, type Decrypted } from './encryption';
import type { ResolvedDocumentOptions } from './options';
import { unserializable } from './serialize-errors';
import type { OperatorUpdate, SessionDocument } from './types';
import { argumentError, ConnectMongoError, ConnectMongoRangeError, ErrorCodes, hasCode, optionError } from '../errors';

/** MongoDB's maximum document size. */
const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** Fields beyond connect-mongo's, written only when their option is on. */
export interface ExtraFields {
  /** With the userId option (controls/user-id.ts): the id, or undefined to remove it. */
  userId?: { value: string | undefined };
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

const NOT_ENCRYPTED = 'it is not encrypted, and `requireEncrypted` or `bindToId` refuses unencrypted sessions';

/** Errors about stored data; they never quote the data. */
const corrupt = (why: string) => new ConnectMongoError(ErrorCodes.unreadableSession, `the stored session is unreadable (${why})`);

export function assertSession(session: unknown): asserts session is object {
  if (typeof session !== 'object' || session === null) throw argumentError('connect-mongo: `session` must be an object');
}

/** connect-mongo touches any value (a string falls back to ttl); only a missing one cannot be read. */
export function assertTouchable(session: unknown): void {
  if (session === null || session === undefined) throw argumentError('connect-mongo: `session` is required');
}

export interface DecodeOptions {
  withLastModified?: boolean;
  /** Called with the plaintext when it was encrypted with an older secret, or not bound to its id yet. */
  onStale?: (plaintext: string) => void;
  /** false: a read of many sessions, whose plaintexts are not kept (see RecentPlaintexts in encryption.ts). */
  remember?: boolean;
  /** The mark() taken before the read's query: if a session was forgotten since, nothing is kept. */
  since?: number;
}

/** How many hidden session ids touch() remembers (see hidden()). */
const HIDDEN_LIMIT = 1_000;

export class SessionCodec<T extends SessionData> {
  /** Whether serialize() results must go through encrypt() before they are stored. */
  readonly encrypts: boolean;
  /** With onDecryptError: 'miss': sessions are read (and may be hidden) by ids() too. */
  readonly hidesUndecryptable: boolean;
  /** Ids read as undecryptable under 'miss', most recent last, until this store writes or destroys them. */
  private readonly hiddenIds = new Set<string>();

  constructor(
    private readonly options: ResolvedDocumentOptions<T>,
    /** With onDecryptError: 'miss', told the `_id` of each session it could not decrypt. */
    private readonly onUndecryptable?: (id: string) => void,
  ) {
    this.encrypts = options.adapter !== null;
    this.hidesUndecryptable = this.encrypts && options.missOnDecryptError;
  }

  /** Whether a read by this store found the session undecryptable (and hid it), with no write since. */
  hidden(id: string): boolean {
    return this.hiddenIds.has(id);
  }

  /**
   * The value of the `session` field before encryption: serialized and checked. Synchronous, so that a
   * store without encryption spends no promise on it; with an adapter, pass the result to encrypt().
   */
  private serialize(session: T): unknown {
    const input = this.withoutLastModified(session);
    // A user's serialize error reaches the caller as it is, as with connect-mongo.
    if (this.options.userSerialize) return this.checkedPayload(this.options.userSerialize(input));
    let payload: unknown;
    try {
      payload = this.options.serializeFn(input);
    } catch (err) {
      throw unserializable(err);
    }
    return this.checkedPayload(payload);
  }

  private checkedPayload(payload: unknown): unknown {
    if (typeof payload !== 'string' && !isObject(payload)) {
      throw optionError('connect-mongo: option `serialize` must return a string or an object');
    }
    if (!this.options.adapter && typeof payload !== 'string') assertStorableAsBson(payload);
    return payload;
  }

  /** A serialize() result encrypted for the document `id` (call only when `encrypts`): at once when the adapter can. */
  private encrypt(payload: unknown, id: string): Maybe<string> {
    this.hiddenIds.delete(id);
    return this.options.encryption!.encrypt(payload, id);
  }

  /**
   * The update of set(): the serialized (and encrypted) session, expiry and the opt-in fields, as one upsert
   * of the whole document. A promise only when encryption has to wait (an app's adapter, a key being derived).
   */
  setUpdate(_id: string, session: T, expires: Date, now: Date, extra?: ExtraFields): Maybe<OperatorUpdate> {
    const payload = this.serialize(session);
    if (!this.encrypts) return this.updateWith(_id, payload, expires, now, extra);
    return andThen(this.encrypt(payload, _id), (ciphertext) => this.updateWith(_id, ciphertext, expires, now, extra));
  }

  /** Refuses documents MongoDB would reject for size. */
  private updateWith(_id: string, payload: unknown, expires: Date, now: Date, extra?: ExtraFields): OperatorUpdate {
    const $set: Partial<SessionDocument> = { session: payload, expires };
    if (this.options.touchAfterMs > 0) $set.lastModified = now;
    const update: OperatorUpdate = { $set };
    if (this.options.timestamps) update.$setOnInsert = { createdAt: now };
    if (this.options.timestamps) update.$currentDate = { updatedAt: true };
    if (extra?.userId) {
      if (extra.userId.value === undefined) update.$unset = { userId: '' };
      else $set.userId = extra.userId.value;
    }
    const size = BSON.calculateObjectSize({ _id, ...$set, createdAt: now, updatedAt: now });
    if (size > MAX_DOCUMENT_BYTES) {
      throw new ConnectMongoRangeError(ErrorCodes.refusedWrite, `connect-mongo: the session document would be ${size} bytes, over MongoDB's 16 MiB limit`);
    }
    return update;
  }

  /** Whether touch() must write: with touchAfter, only once the stored lastModified is old enough. */
  touchIsDue(session: { lastModified?: unknown }, now: Date): boolean {
    if (this.options.touchAfterMs <= 0 || session.lastModified === undefined || session.lastModified === null) return true;
    const last = new Date(session.lastModified as string | number | Date).getTime();
    return !(Number.isFinite(last) && now.getTime() - last < this.options.touchAfterMs);
  }

  touchUpdate(expires: Date, now: Date): OperatorUpdate {
    const $set: Partial<SessionDocument> = { expires };
    if (this.options.touchAfterMs > 0) $set.lastModified = now;
    const update: OperatorUpdate = { $set };
    if (this.options.timestamps) update.$currentDate = { updatedAt: true };
    return update;
  }

  /** Drops what is kept of a destroyed session (no id: of every session). */
  forget(id?: string): void {
    this.options.encryption?.forget(id);
    if (id === undefined) this.hiddenIds.clear();
    else this.hiddenIds.delete(id);
  }

  /** Taken by get() before its query, passed to decode() as `since`. */
  mark(): number | undefined {
    return this.options.encryption?.mark();
  }

  /** Drops everything kept, and keeps nothing more. */
  close(): void {
    this.options.encryption?.close();
  }

  /**
   * The session stored in a document, or an error (never a half-read session); null for an undecryptable
   * one with onDecryptError: 'miss'. With touchAfter, get() passes `withLastModified` so that touch() can
   * skip writes; all() does not (as in connect-mongo).
   */
  decode(doc: SessionDocument, options: DecodeOptions = {}): T | null | Promise<T | null> {
    // Like connect-mongo, only strings are decrypted: BSON sessions written before encryption was enabled still
    // read, unless requireEncrypted or bindToId refuse them (anyone who can write the collection could plant
    // one). Without decryption everything is synchronous: no promise per read.
    const encryption = this.options.encryption;
    if (!encryption) return this.toSession(doc, doc.session, undefined, options);
    if (typeof doc.session !== 'string') {
      if (this.options.refusesUnencrypted) return this.undecryptable(doc, undecryptable(NOT_ENCRYPTED));
      return this.toSession(doc, doc.session, undefined, options);
    }
    // Our adapters decrypt at once once their keys exist: no promise on the read path either.
    let decrypted: Maybe<Decrypted>;
    try {
      decrypted = encryption.decrypt(doc.session, doc._id, options.remember, options.since);
    } catch (err) {
      return this.undecryptable(doc, err);
    }
    if (!(decrypted instanceof Promise)) return this.fromDecrypted(doc, decrypted, options);
    // Only a failed decryption is undecryptable; a session that decrypts but does not parse is an error.
    return decrypted.then(
      (d) => this.fromDecrypted(doc, d, options),
      (err) => this.undecryptable(doc, err),
    );
  }

  /** With onDecryptError: 'miss', an undecryptable session reads as none; any other error is rethrown. */
  private undecryptable(doc: SessionDocument, err: unknown): null {
    if (!this.options.missOnDecryptError || !hasCode(err, ErrorCodes.undecryptableSession)) throw err;
    this.hiddenIds.delete(doc._id);
    this.hiddenIds.add(doc._id);
    if (this.hiddenIds.size > HIDDEN_LIMIT) this.hiddenIds.delete(this.hiddenIds.values().next().value!);
    this.onUndecryptable?.(doc._id);
    return null;
  }

  private fromDecrypted(doc: SessionDocument, { plaintext, stale }: Decrypted, options: DecodeOptions): T {
    const session = this.toSession(doc, this.fromPlaintext(plaintext), plaintext, options);
    if (stale) options.onStale?.(plaintext);
    return session;
  }

  private toSession(doc: SessionDocument, stored: unknown, rawPlaintext: string | undefined, { withLastModified = false }: DecodeOptions): T {
    let session: unknown;
    if (this.options.mode === 'custom') {
      // Whatever the user's unserialize (or, without one, the stored value) is, as connect-mongo returns it.
      session = this.customUnserialize(stored, rawPlaintext);
      if (!isObject(session)) return session as T;
    } else {
      if (typeof stored === 'string' && this.options.mode === 'json') {
        const parsed = tryParse(stored);
        if (!parsed) throw corrupt('invalid JSON');
        stored = parsed.value;
      }
      session = stored;
      if (!isObject(session)) throw corrupt(`expected an object, found ${session === null ? 'null' : Array.isArray(session) ? 'an array' : typeof session}`);
    }
    if (withLastModified && this.options.touchAfterMs > 0 && doc.lastModified) session.lastModified = doc.lastModified;
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
    return this.options.mode === 'custom' ? once.value : (twice?.value ?? once.value);
  }

  /**
   * A custom unserialize gets what was stored. After decryption the payload's original form (object or
   * JSON string) is unknown, so it gets the parsed object first, as connect-mongo does, and if that
   * throws (e.g. an unserialize built on JSON.parse), the string form.
   */
  private customUnserialize(stored: unknown, rawPlaintext: string | undefined): unknown {
    try {
      return this.options.unserializeFn(stored);
    } catch (err) {
      if (rawPlaintext !== undefined && typeof stored !== 'string') {
        try {
          return this.options.unserializeFn(unwrapString(rawPlaintext));
        } catch {
          // the first failure is the one reported
        }
      }
      throw err; // the user's own error, as connect-mongo passes it on
    }
  }

  /** connect-mongo deletes lastModified from the caller's object; a shallow copy leaves it untouched. */
  private withoutLastModified(session: T): T {
    if (this.options.touchAfterMs <= 0 || !('lastModified' in session)) return session;
    const { lastModified: _dropped, ...rest } = session as T & { lastModified?: unknown };
    return rest as T;
  }
}
