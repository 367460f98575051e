// maxLifetime: a session ends at most this long after it was created, however often it is used.
//   Stores:  `createdAt` on every document it writes (kept once there), and `expires` never past
//            createdAt + maxLifetime. set() and touch() send one update, as without it: a pipeline (MongoDB
//            4.2+) that keeps the stored createdAt (or writes one on a document from before the option) and
//            takes the earlier of the requested `expires` and createdAt + maxLifetime. Every value from the
//            session goes through $literal, so no stored string or key can be read as an expression.
//   Filters: reads skip documents created longer ago (or whose createdAt is not a date: planted).
//   Refuses: a set() of a document that has outlived it (its upsert guard), and a set() of a session its
//            request read before the end of its lifetime (see ReadMark in operations/session-ops.ts), even once gone.
// Called from expiry/policy.ts (filters, guard, expiry), operations/session-ops.ts (the capped update) and
// expiry/refusals.ts (what a refused write met).
import type { Document, Filter } from 'mongodb';
import type { SessionDocument } from '../document/types';

type OperatorUpdate = { $set?: Document; $unset?: Document; $currentDate?: Document; $setOnInsert?: Document };

const literal = (value: unknown) => ({ $literal: value });

export class MaxLifetime {
  /** `ms`: 0 when the option is off. */
  constructor(readonly ms: number) {}

  get on(): boolean {
    return this.ms > 0;
  }

  /** A new document's expiry: at most `ms` from now (an existing one is capped by the update itself). */
  cap(expires: Date, now: Date): Date {
    return this.on && expires.getTime() > now.getTime() + this.ms ? new Date(now.getTime() + this.ms) : expires;
  }

  /** The clause of reads and of set()'s guard: created within the lifetime, or before the option (no createdAt). */
  liveClause(now: Date): Filter<SessionDocument> | undefined {
    if (!this.on) return undefined;
    return { $or: [{ createdAt: { $exists: false } }, { createdAt: { $gt: new Date(now.getTime() - this.ms) } }] };
  }

  /** liveClause() on a fetched document: a createdAt that is not a date is past it. */
  admits(doc: { createdAt?: unknown }, now: Date): boolean {
    if (!this.on || !('createdAt' in doc)) return true;
    return doc.createdAt instanceof Date && this.youngEnough(doc.createdAt, now);
  }

  /** Whether a session created at `createdAt` (when known) has outlived the lifetime. */
  outlived(createdAt: Date | undefined, now: Date): boolean {
    return this.on && createdAt instanceof Date && !this.youngEnough(createdAt, now);
  }

  /** What the guard refused on a stored document: a createdAt too old, or not a date. */
  refusedStored(createdAt: unknown, now: Date): boolean {
    if (!this.on || createdAt === undefined) return false;
    return !(createdAt instanceof Date) || this.outlived(createdAt, now);
  }

  /**
   * The operator update of set() or touch(), capped (a pipeline) when the option is on. `createdAt`: the
   * creation date written when the document has none (a new session, or one from before maxLifetime).
   */
  capped(update: OperatorUpdate, createdAt: Date): OperatorUpdate | Document[] {
    if (!this.on) return update;
    const fields: Document = {};
    for (const [key, value] of Object.entries(update.$set ?? {})) fields[key] = literal(value);
    for (const key of Object.keys(update.$currentDate ?? {})) fields[key] = '$$NOW';
    fields.createdAt = { $ifNull: ['$createdAt', literal(createdAt)] };
    const pipeline: Document[] = [{ $set: fields }];
    const removed = Object.keys(update.$unset ?? {});
    if (removed.length > 0) pipeline.push({ $unset: removed });
    const expires = update.$set?.expires as Date;
    pipeline.push({ $set: { expires: { $min: [literal(expires), { $add: ['$createdAt', this.ms] }] } } });
    return pipeline;
  }

  private youngEnough(createdAt: Date, now: Date): boolean {
    return createdAt.getTime() + this.ms > now.getTime();
  }
}
