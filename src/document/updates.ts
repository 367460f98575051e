// The update documents of set() and touch(): expires, lastModified (touchAfter) and timestamps, and when a
// touch may be skipped.
import type { SessionData } from 'express-session';
import { BSON, type UpdateFilter } from 'mongodb';
import type { ResolvedDocumentOptions } from './options';
import type { SessionDocument } from './types';
import { ConnectMongoRangeError, ErrorCodes } from '../errors';

/** MongoDB's maximum document size. */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

/** Fields beyond connect-mongo's, written only when their option is on. */
export interface ExtraFields {
  /** With the userId option: the id, or undefined to remove it. */
  userId?: { value: string | undefined };
}

export class DocumentUpdates {
  private readonly touchAfterMs: number;
  private readonly timestamps: boolean;

  constructor(options: Pick<ResolvedDocumentOptions<SessionData>, 'touchAfterMs' | 'timestamps'>) {
    this.touchAfterMs = options.touchAfterMs;
    this.timestamps = options.timestamps;
  }

  /** One upsert writes the whole document; refuses documents MongoDB would reject for size. */
  setUpdate(id: string, payload: unknown, expires: Date, now: Date, extra?: ExtraFields): UpdateFilter<SessionDocument> {
    const $set: Partial<SessionDocument> = { session: payload, expires };
    if (this.touchAfterMs > 0) $set.lastModified = now;
    const update: UpdateFilter<SessionDocument> = { $set };
    if (this.timestamps) update.$setOnInsert = { createdAt: now };
    if (this.timestamps) update.$currentDate = { updatedAt: true };
    if (extra?.userId) {
      if (extra.userId.value === undefined) update.$unset = { userId: '' };
      else $set.userId = extra.userId.value;
    }
    // A string payload has a cheap upper bound (UTF-8 takes at most 3 bytes per UTF-16 unit, plus the
    // fixed fields); only a payload that might reach the limit, or an object, is measured exactly.
    if (typeof payload === 'string' && (payload.length + id.length) * 3 + 256 < MAX_DOCUMENT_BYTES) return update;
    const size = BSON.calculateObjectSize({ _id: id, ...$set, createdAt: now, updatedAt: now });
    if (size > MAX_DOCUMENT_BYTES) {
      throw new ConnectMongoRangeError(ErrorCodes.refusedWrite, `connect-mongo: the session document would be ${size} bytes, over MongoDB's 16 MiB limit`);
    }
    return update;
  }

  /** Whether touch() must write: with touchAfter, only once the stored lastModified is old enough. */
  touchIsDue(session: { lastModified?: unknown }, now: Date): boolean {
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
