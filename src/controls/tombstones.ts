// destroyGrace: a destroyed session leaves a tombstone under its id for that long, so that a request still in
// flight when its user logged out cannot write the session back.
//   Stores:  `{ _id, tombstone: true, expires }` in place of the session (a whole-document replace: nothing of
//            the session stays), only where a session was stored: logging out unknown ids writes nothing.
//   Filters: a tombstone is no session to any instance, with destroyGrace or not (rolling deploys mix them):
//            reads, listings, deletes and set()'s guard all carry NO_TOMBSTONE.
//   Refuses: set() and touch() of the id until the tombstone expires (the guard makes the upsert fail with a
//            duplicate key; expiry/refusals.ts tells that apart from a race). An expired one refuses nothing.
// Called from expiry/policy.ts (filters, the tombstone), expiry/refusals.ts, operations/session-ops.ts (destroy),
// batching/command-batcher.ts (deletes) and controls/user-id.ts (destroyByUser).
import type { Filter } from 'mongodb';
import type { SessionDocument } from '../document/types';

export type Tombstone = { tombstone: true; expires: Date };

/** The clause every read and write of a session carries. */
export const NO_TOMBSTONE = { tombstone: { $exists: false } } as const;

/** A session (never a tombstone) stored under `_id`: what a delete may remove. */
export const sessionWithId = (_id: string): Filter<SessionDocument> => ({ _id, ...NO_TOMBSTONE });

export const isTombstone = (doc: object): boolean => 'tombstone' in doc;

export class Tombstones {
  /** `graceMs`: 0 when the option is off. */
  constructor(private readonly graceMs: number) {}

  get on(): boolean {
    return this.graceMs > 0;
  }

  /** The tombstone that replaces a destroyed session, or null when the option is off. */
  of(now: Date): Tombstone | null {
    return this.on ? { tombstone: true, expires: new Date(now.getTime() + this.graceMs) } : null;
  }

  /** Whether a stored tombstone still refuses writes (once expired, it is removed and the write sent again). */
  static refuses(doc: { expires?: unknown }, now: Date): boolean {
    return doc.expires instanceof Date && doc.expires > now;
  }
}
