// How a session id becomes the stored `_id`: as it is (connect-mongo's default), through transformId, or
// hashed (hashSessionIds) so that a leaked collection holds no usable session id.
import { createHash, createHmac } from 'node:crypto';
import { argumentError, optionError } from '../errors';

export interface HashSessionIdsOptions {
  /** With a secret the `_id` is HMAC-SHA-256(secret, sid); without, SHA-256(sid). */
  secret?: string | Uint8Array;
  /** Sessions stored under their plain id are still found, and move to the hashed id on their next write. */
  migrate?: boolean;
}

export type HashSessionIds = boolean | HashSessionIdsOptions;

interface IdOptions {
  transformId: ((sid: string) => string) | undefined;
  hashSessionIds: HashSessionIds | undefined;
}

export class SessionIds {
  private readonly transformId: ((sid: string) => string) | undefined;
  private readonly hash: ((sid: string) => string) | undefined;
  /** Whether plain-id documents are still read (hashSessionIds.migrate). */
  readonly migrating: boolean;

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

  /** While migrating: the plain `_id` a session may still be stored under; else undefined. */
  legacyId(sid: string): string | undefined {
    return this.migrating ? sid : undefined;
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
