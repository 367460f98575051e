// maxLifetime in the write itself: set() and touch() send one update, as without it. The update is a
// pipeline (MongoDB 4.2+) that keeps the stored createdAt (or, on a document that has none, a session written
// before the option was on, writes one), and takes the earlier of the requested `expires` and
// createdAt + maxLifetime. Every value from the session goes through $literal, so no stored string or key
// can be read as an expression.
import type { Document } from 'mongodb';

type OperatorUpdate = { $set?: Document; $unset?: Document; $currentDate?: Document; $setOnInsert?: Document };

const literal = (value: unknown) => ({ $literal: value });

/**
 * The operator update of set() or touch() as a capped pipeline. `createdAt`: the creation date written when
 * the document has none (a new session, or one from before maxLifetime).
 */
export function cappedPipeline(update: OperatorUpdate, createdAt: Date, maxLifetimeMs: number): Document[] {
  const fields: Document = {};
  for (const [key, value] of Object.entries(update.$set ?? {})) fields[key] = literal(value);
  for (const key of Object.keys(update.$currentDate ?? {})) fields[key] = '$$NOW';
  fields.createdAt = { $ifNull: ['$createdAt', literal(createdAt)] };
  const pipeline: Document[] = [{ $set: fields }];
  const removed = Object.keys(update.$unset ?? {});
  if (removed.length > 0) pipeline.push({ $unset: removed });
  const expires = update.$set?.expires as Date;
  pipeline.push({ $set: { expires: { $min: [literal(expires), { $add: ['$createdAt', maxLifetimeMs] }] } } });
  return pipeline;
}
