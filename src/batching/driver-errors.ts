import { MongoServerError } from 'mongodb';

// What the driver's errors say about which writes happened: the store retries or reports on that basis.

export const isDuplicateKey = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 11000;

/** `clear()` on a collection that does not exist yet is not an error. */
export const isNamespaceMissing = (err: unknown): boolean =>
  (err as { code?: unknown } | null)?.code === 26 || /ns not found/i.test(String((err as Error | null)?.message ?? ''));

/**
 * The indexes of the statements that failed on their own, when that is all that went wrong: a bulk error
 * with write errors and no write concern error (drivers 5–7 shape it alike; 5 may give one error, not a list).
 */
export function failedStatements(err: unknown): Set<number> | null {
  const e = err as { name?: unknown; writeErrors?: unknown; result?: { getWriteConcernError?: () => unknown } } | null;
  if (e?.name !== 'MongoBulkWriteError' || !e.writeErrors) return null;
  const list = (Array.isArray(e.writeErrors) ? e.writeErrors : [e.writeErrors]) as { index?: unknown }[];
  if (list.length === 0 || e.result?.getWriteConcernError?.()) return null;
  const indexes = new Set<number>();
  for (const w of list) {
    if (typeof w?.index !== 'number') return null;
    indexes.add(w.index);
  }
  return indexes;
}

/**
 * failedStatements() with each statement's own error, as the driver reports a write sent alone: a
 * MongoServerError with the statement's code and message.
 */
export function statementErrors(err: unknown): Map<number, MongoServerError> | null {
  if (!failedStatements(err)) return null;
  const { writeErrors } = err as { writeErrors: unknown };
  const list = (Array.isArray(writeErrors) ? writeErrors : [writeErrors]) as { index: number; code?: number; errmsg?: string; errInfo?: unknown }[];
  const errors = new Map<number, MongoServerError>();
  for (const { index, code, errmsg, errInfo } of list) {
    errors.set(index, new MongoServerError({ message: errmsg ?? 'write error', errmsg, code, errInfo } as ConstructorParameters<typeof MongoServerError>[0]));
  }
  return errors;
}
