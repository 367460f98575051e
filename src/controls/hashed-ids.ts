// hashSessionIds: the stored `_id` is SHA-256 of the session id (HMAC-SHA-256 with a secret), so that a
// leaked collection holds no session id anyone could send back as a cookie. (Without it, the `_id` is the
// session id as it is, connect-mongo's default, or what transformId makes of it: also decided here.)
//   Stores:  documents under the hashed id; logs and events show that hash, never the session id. With
//            `migrate`, a session found under its plain id moves to the hashed one at its next set().
//   Filters: with `migrate`, reads ask for the plain id too, in the same find; never for a session id shaped
//            like a hash, so a hashed `_id` read from a dump cannot reach the session stored under it.
//   Refuses: a `sid` that is not a non-empty string, transformId with it, an empty secret.
// Called from mongo-store.ts (storedId, destroyByUser's except) and operations/session-ops.ts (every call).
import { createHash, createHmac } from 'node:crypto';
import { argumentError, optionError } from '../errors';

export interface HashSessionIdsOptions {
  /** With a secret the `_id` is HMAC-SHA-256(secret, sid); without, SHA-256(sid). */
  secret?: string | Uint8Array;
  /** Sessions stored under their plain id are still found, and move to the hashed id on their next write. */
  migrate?: boolean;
}

export type HashSessionIds = boolean | HashSessionIdsOptions;

/** What every hashed `_id` looks like: SHA-256 or HMAC-SHA-256 in lowercase hex. */
const HASH_SHAPE = /^[0-9a-f]{64}$/;

interface IdOptions {
  transformId?: (sid: string) => string;
  hashSessionIds?: HashSessionIds;
}

export class SessionIds {
  private readonly transformId: ((sid: string) => string) | undefined;
  private readonly hash: ((sid: string) => string) | undefined;
  /** Whether plain-id documents are still read (hashSessionIds.migrate). */
  readonly migrating: boolean;

  /** Keeps the `secret` only inside the hash function: nothing reachable from the store holds it. */
  constructor({ transformId, hashSessionIds }: IdOptions) {
    this.transformId = transformId;
    const hashing = hashSessionIds === true || typeof hashSessionIds === 'object';
    if (hashing && transformId) {
      throw optionError('connect-mongo: options `hashSessionIds` and `transformId` cannot be used together: both decide the stored _id');
    }
    const { secret, migrate = false } = typeof hashSessionIds === 'object' ? hashSessionIds : {};
    this.hash = hashing ? hasher(secret) : undefined;
    this.migrating = hashing && migrate;
  }

  /** Whether ids are hashed: then logs and events show the hashed id, never the session id. */
  get hashed(): boolean {
    return this.hash !== undefined;
  }

  /** The stored `_id` for a session id; only ever an exact, non-empty string (never a query object). */
  storageId(sid: unknown): string {
    if (typeof sid !== 'string' || sid.length === 0) {
      throw argumentError('connect-mongo: `sid` must be a non-empty string');
    }
    if (this.hash) return this.hash(sid);
    if (!this.transformId) return sid;
    const id = this.transformId(sid);
    if (typeof id !== 'string' || id.length === 0) {
      throw optionError('connect-mongo: option `transformId` must return a non-empty string');
    }
    return id;
  }

  /**
   * While migrating: the plain `_id` a session may still be stored under; else undefined. Never for an id
   * shaped like a hash (64 hex digits): every `_id` written under a hashed id has that shape, so a hashed
   * `_id` read from a dump and sent back as a cookie cannot reach the session stored under it. (A plain
   * session id of that shape is not migrated: its user signs in again.)
   */
  plainId(sid: string): string | undefined {
    return this.migrating && !HASH_SHAPE.test(sid) ? sid : undefined;
  }

  /** The `_id`s of this session's document that destroyByUser's `except` keeps (both while migrating). */
  keptIds(sid: string): string[] {
    const plainId = this.plainId(sid);
    const _id = this.storageId(sid);
    return plainId === undefined ? [_id] : [_id, plainId];
  }

  /** What debug output and events show for a session: its id, or the hashed id when ids are hashed. */
  shown(sid: string, storageId: string): string {
    return this.hash ? storageId : sid;
  }
}

function hasher(secret: string | Uint8Array | undefined): (sid: string) => string {
  if (secret === undefined) return (sid) => createHash('sha256').update(sid, 'utf8').digest('hex');
  const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret);
  if (key.length === 0) throw optionError('connect-mongo: option `hashSessionIds.secret` must not be empty');
  return (sid) => createHmac('sha256', key).update(sid, 'utf8').digest('hex');
}
