// Helpers every command shares: field checks with mongod's errors, typed option reads, and mingo queries.
import { Decimal128, Long } from 'bson';
import { Query } from 'mingo';
import { CommandError, badValue, unknownField } from './errors';
import { valueKey, type Collection, type Doc } from './storage';

/** Fields drivers attach to any command; accepted and ignored, as a standalone mongod does. */
export const GENERIC_FIELDS = new Set([
  '$db', 'lsid', '$clusterTime', 'txnNumber', 'autocommit', 'startTransaction', '$readPreference', 'readPreference',
  'apiVersion', 'apiStrict', 'apiDeprecationErrors', 'writeConcern', 'readConcern', 'comment', 'maxTimeMS',
  '$audit', '$client', '$configTime', '$topologyTime', 'clientOperationKey', 'mayBypassWriteConcern',
]);

export const isPlainObject = (v: unknown): v is Doc =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** Refuses fields mongod does not know (40415) and, with BadValue, those this server does not implement. */
export function checkFields(cmd: string, body: Doc, implemented: string[], refused: string[] = []): void {
  for (const field of Object.keys(body)) {
    if (field === cmd || GENERIC_FIELDS.has(field) || implemented.includes(field)) continue;
    if (refused.includes(field)) throw badValue(`the test server does not support '${cmd}.${field}'`);
    throw unknownField(cmd, field);
  }
}

export function collName(cmd: string, body: Doc): string {
  const name = body[cmd];
  if (typeof name !== 'string') {
    throw new CommandError(73, `collection name has invalid type ${name === null ? 'null' : typeof name}`);
  }
  return name;
}

export function toBigInt(value: unknown): bigint {
  if (value instanceof Long) return value.toBigInt();
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'bigint') return value;
  throw new CommandError(14, `cursor id must be a long, got ${typeof value}`);
}

export function optionalInt(cmd: string, body: Doc, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  const n = v instanceof Long ? v.toNumber() : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new CommandError(14, `BSON field '${cmd}.${field}' is the wrong type '${typeof v}', expected types '[long, int, decimal, double]'`);
  if (n < 0) throw new CommandError(51024, `BSON field '${field}' value must be >= 0, actual value '${n}'`);
  return Math.trunc(n);
}

export function asQuery(filter: unknown, what = 'filter'): Query {
  if (filter === undefined || filter === null) return new Query({}, {});
  if (typeof filter !== 'object' || Array.isArray(filter)) throw new CommandError(14, `BSON field '${what}' is the wrong type, expected an object`);
  try {
    return new Query(filter as Doc, {});
  } catch (e) {
    throw badValue((e as Error).message);
  }
}

/** Runs mingo, turning its exceptions into command errors (BadValue unless told otherwise). */
export function runMingo<T>(fn: () => T, code = 2): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CommandError) throw e;
    throw new CommandError(code, (e as Error).message);
  }
}

export const matchesPartial = (filter: Doc, doc: Doc) => new Query(filter, {}).test(doc);

/**
 * Documents a filter can match, in natural order. A top-level _id equality (the session-store access path)
 * is answered from the _id map, as mongod uses the _id index; mingo still applies the whole filter.
 */
export function candidates(coll: Collection | undefined, filter: unknown): Doc[] {
  if (!coll) return [];
  if (isPlainObject(filter) && '_id' in filter) {
    const id = filter._id;
    const isOperatorObject = isPlainObject(id) && Object.keys(id).some((k) => k.startsWith('$'));
    const comparable = id !== null && id !== undefined && !(id instanceof RegExp) && !Array.isArray(id) && !(id instanceof Decimal128);
    if (comparable && !isOperatorObject) {
      const doc = coll.docs.get(valueKey(id));
      return doc ? [doc] : [];
    }
  }
  return [...coll.docs.values()];
}

/** The documents of `coll` that match `filter`, in natural order. */
export function matching(coll: Collection | undefined, filter: unknown): Doc[] {
  const q = asQuery(filter);
  return runMingo(() => q.find(candidates(coll, filter)).all() as Doc[]);
}
