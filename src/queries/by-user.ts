// Sessions per user (the userId option): list them, or end them all ("log out everywhere").
import type { Filter } from 'mongodb';
import type { Coll } from '../batching/coalescer';
import type { WriteOptions } from '../batching/commands';
import type { SessionDocument } from '../document/types';
import type { ExpiryPolicy } from '../expiry/policy';
import { argumentError } from '../errors';

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

export class ByUser {
  constructor(
    private readonly expiry: ExpiryPolicy,
    private readonly write: WriteOptions,
  ) {}

  async list(collection: Coll, userId: string): Promise<UserSession[]> {
    const filter: Filter<SessionDocument> = { userId, ...this.expiry.liveFilter(new Date()) };
    const projection = { _id: 1, expires: 1, createdAt: 1, lastModified: 1 };
    const docs = await collection.find(filter, { projection }).toArray();
    return docs.map(({ _id, ...rest }) => ({ id: _id, ...rest }));
  }

  /**
   * Ends every live session of the user but those stored under `exceptIds`; resolves how many. With destroyGrace, each becomes
   * a tombstone, so a request still in flight on one of them cannot write it back.
   */
  async destroy(collection: Coll, userId: string, exceptIds: string[]): Promise<number> {
    const now = new Date();
    const filter: Filter<SessionDocument> = { userId, ...this.expiry.liveFilter(now) };
    if (exceptIds.length > 0) filter._id = { $nin: exceptIds };
    const tombstone = this.expiry.tombstone(now);
    if (!tombstone) return (await collection.deleteMany(filter, this.write)).deletedCount;
    const unset = { session: '', userId: '', lastModified: '' } as const;
    return (await collection.updateMany(filter, { $set: tombstone, $unset: unset }, this.write)).modifiedCount;
  }
}
