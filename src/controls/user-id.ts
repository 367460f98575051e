// userId: whose session each document is, so that a user's sessions can be listed or all ended.
//   Stores:  a top-level `userId` field (the option's function applied to the session at each set(); removed
//            when it returns undefined), with a sparse index on it.
//   Filters: sessionsByUser() and destroyByUser() read only live sessions of that user.
//   Refuses: a function result that is not a non-empty string (or undefined), and a userId argument that is not
//            a non-empty string. With destroyGrace, destroyByUser() leaves tombstones, so a request in flight on
//            one of the sessions cannot write it back.
// Called from operations/session-ops.ts (the field of each set()) and mongo-store.ts (the index, the two methods).
import type { SessionData } from 'express-session';
import type { Filter } from 'mongodb';
import type { ExtraFields } from '../document/codec';
import type { WriteOptions } from '../document/types';
import type { SessionCollection, SessionDocument } from '../document/types';
import type { ExpiryPolicy } from '../expiry/policy';
import { argumentError, optionError } from '../errors';

export interface UserSession {
  /** The stored id (the session id, or what transformId or hashSessionIds made of it): see storedId(). */
  id: string;
  expires?: Date;
  createdAt?: Date;
  lastModified?: Date;
}

export function assertUserId(userId: unknown): asserts userId is string {
  if (typeof userId !== 'string' || userId.length === 0) throw argumentError('connect-mongo: `userId` must be a non-empty string');
}

export class UserIds<T extends SessionData> {
  constructor(
    private readonly userIdOf: (session: T) => string | undefined,
    private readonly expiry: ExpiryPolicy,
    private readonly write: WriteOptions,
  ) {}

  /** The field set() writes: the user of `session`, or undefined to remove it. */
  fieldsOf(session: T): ExtraFields {
    const value = this.userIdOf(session);
    if (value !== undefined && (typeof value !== 'string' || value.length === 0)) {
      throw optionError('connect-mongo: option `userId` must return a non-empty string or undefined');
    }
    return { userId: { value } };
  }

  /** Lets finding a user's sessions use an index; documents without a userId are left out of it. */
  async ensureIndex(collection: SessionCollection): Promise<void> {
    await collection.createIndex({ userId: 1 }, { sparse: true });
  }

  async list(collection: SessionCollection, userId: string): Promise<UserSession[]> {
    const filter: Filter<SessionDocument> = { userId, ...this.expiry.liveFilter(new Date()) };
    const projection = { _id: 1, expires: 1, createdAt: 1, lastModified: 1 };
    const docs = await collection.find(filter, { projection }).toArray();
    return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  /**
   * Ends every live session of the user but those stored under `exceptIds`; resolves how many. With destroyGrace, each becomes
   * a tombstone, so a request still in flight on one of them cannot write it back.
   */
  async destroy(collection: SessionCollection, userId: string, exceptIds: string[]): Promise<number> {
    const now = new Date();
    const filter: Filter<SessionDocument> = { userId, ...this.expiry.liveFilter(now) };
    if (exceptIds.length > 0) filter._id = { $nin: exceptIds };
    const tombstone = this.expiry.tombstone(now);
    if (!tombstone) return (await collection.deleteMany(filter, this.write)).deletedCount;
    const unset = { session: '', userId: '', lastModified: '' } as const;
    return (await collection.updateMany(filter, { $set: tombstone, $unset: unset }, this.write)).modifiedCount;
  }
}
