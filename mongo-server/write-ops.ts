// Document-level write steps shared by insert, update and findAndModify: _id rules, update application,
// upsert seeding, size and uniqueness checks, and the writeErrors entry for a failed statement.
import { ObjectId, calculateObjectSize, serialize } from 'bson';
import { Aggregator, update as mingoUpdate } from 'mingo';
import { CommandError } from './errors';
import { isPlainObject, matchesPartial, runMingo } from './query';
import { cloneDoc, setPath, valueKey, type Collection, type Doc } from './storage';
import { MAX_BSON_SIZE } from './wire';

const UPDATE_OPERATORS = new Set([
  '$set', '$unset', '$setOnInsert', '$currentDate', '$inc', '$mul', '$min', '$max', '$rename',
  '$addToSet', '$push', '$pop', '$pull', '$pullAll', '$bit',
]);

const UPDATE_PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

/** Equality fields of a query, which seed an upserted document (as mongod does). */
function equalityFields(query: Doc, out: Doc = {}): Doc {
  for (const [key, value] of Object.entries(query)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value) if (isPlainObject(clause)) equalityFields(clause, out);
      continue;
    }
    if (key.startsWith('$')) continue;
    if (isPlainObject(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
      if ('$eq' in value) setPath(out, key, value.$eq);
      continue;
    }
    if (value instanceof RegExp) continue;
    setPath(out, key, value);
  }
  return out;
}

function withIdFirst(doc: Doc): Doc {
  if (!('_id' in doc)) return { _id: new ObjectId(), ...doc };
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

const sameBytes = (a: Doc, b: Doc) => Buffer.compare(serialize(a), serialize(b)) === 0;

export const isReplacementUpdate = (u: unknown): u is Doc =>
  isPlainObject(u) && Object.keys(u).length > 0 && !Object.keys(u)[0].startsWith('$');

export function insertOne(coll: Collection, raw: Doc): Doc {
  const doc = withIdFirst(raw);
  if (Array.isArray(doc._id) || doc._id instanceof RegExp) throw new CommandError(2, `can't use an array for _id`);
  if (calculateObjectSize(doc) > MAX_BSON_SIZE) throw new CommandError(10334, `object to insert exceeds the maximum BSON size`);
  coll.checkUnique(doc, undefined, matchesPartial);
  coll.docs.set(valueKey(doc._id), doc);
  return doc;
}

export function writeErrorFor(index: number, e: unknown): Doc {
  if (e instanceof CommandError) {
    const { ok: _ok, codeName: _cn, ...rest } = e.toReply();
    return { index, ...rest };
  }
  return { index, code: 1, errmsg: (e as Error).message };
}

function checkId(before: Doc, after: Doc, insert: boolean, replacement: boolean): Doc {
  if (insert || before._id === undefined) return after;
  if (valueKey(before._id) !== valueKey(after._id)) {
    const msg = replacement
      ? `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${JSON.stringify(after._id)}`
      : "Performing an update on the path '_id' would modify the immutable field '_id'";
    throw new CommandError(66, msg);
  }
  return after;
}

function applyPipelineUpdate(doc: Doc, pipeline: unknown[], insert: boolean): Doc {
  for (const stage of pipeline) {
    const stageName = isPlainObject(stage) ? Object.keys(stage)[0] : undefined;
    if (!stageName || !UPDATE_PIPELINE_STAGES.has(stageName)) {
      throw new CommandError(72, `${String(stageName)} is not allowed to be used within an update`);
    }
  }
  const [out] = runMingo(() => new Aggregator(pipeline as Doc[], {}).run([cloneDoc(doc)]) as Doc[]);
  return checkId(doc, withIdFirst(out ?? {}), insert, false);
}

function applyReplacement(doc: Doc, u: Doc, insert: boolean): Doc {
  for (const k of Object.keys(u)) {
    if (k.startsWith('$')) {
      throw new CommandError(52, `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`);
    }
  }
  const replaced = insert ? withIdFirst({ ...(doc._id !== undefined ? { _id: doc._id } : {}), ...u }) : { _id: doc._id, ...u };
  return checkId(doc, withIdFirst(replaced), insert, true);
}

function applyOperators(doc: Doc, u: Doc, arrayFilters: Doc[] | undefined, insert: boolean): Doc {
  const ops: Doc = {};
  for (const k of Object.keys(u)) {
    if (!UPDATE_OPERATORS.has(k)) {
      throw new CommandError(9, `Unknown modifier: ${k}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    if (!isPlainObject(u[k])) {
      throw new CommandError(9, `Modifiers operate on fields but we found type ${Array.isArray(u[k]) ? 'array' : typeof u[k]} instead. For example: {$mod: {<field>: ...}} not {${k}: ${JSON.stringify(u[k])}}`);
    }
    if (k === '$setOnInsert') continue;
    if (Object.keys(u[k]).length) ops[k] = u[k];
  }
  if (insert && u.$setOnInsert && Object.keys(u.$setOnInsert).length) {
    ops.$set = { ...(ops.$set ?? {}), ...u.$setOnInsert };
  }
  const copy = cloneDoc(doc);
  if (Object.keys(ops).length) {
    // mingo refuses any '_id' path; MongoDB allows setting it to its current value, so the guard is ours (checkId).
    runMingo(() => mingoUpdate(copy, ops, arrayFilters, undefined, { cloneMode: 'none', queryOptions: { idKey: '\u0000' } }));
  }
  return checkId(doc, withIdFirst(copy), insert, false);
}

/** Applies an update (operators, replacement or pipeline) to a copy of `doc`; `insert` marks upserts. */
export function applyUpdate(doc: Doc, u: unknown, arrayFilters: Doc[] | undefined, insert: boolean): Doc {
  if (Array.isArray(u)) return applyPipelineUpdate(doc, u, insert);
  if (!isPlainObject(u)) throw new CommandError(9, 'Update argument must be either an object or an array');
  const keys = Object.keys(u);
  const isOperatorUpdate = keys.length > 0 && keys[0].startsWith('$');
  return isOperatorUpdate ? applyOperators(doc, u, arrayFilters, insert) : applyReplacement(doc, u, insert);
}

/** Replaces `before` with `after` unless nothing changed; true when the stored document changed. */
export function storeUpdated(coll: Collection, before: Doc, after: Doc): boolean {
  if (sameBytes(before, after)) return false;
  if (calculateObjectSize(after) > MAX_BSON_SIZE) throw new CommandError(17419, 'Resulting document after update is larger than 16777216');
  const key = valueKey(before._id);
  coll.checkUnique(after, key, matchesPartial);
  coll.docs.set(key, after);
  return true;
}

export function upsertDoc(coll: Collection, q: Doc, u: unknown, arrayFilters?: Doc[]): Doc {
  const seed = equalityFields(q);
  const base = isReplacementUpdate(u) ? (seed._id !== undefined ? { _id: seed._id } : {}) : seed;
  const doc = applyUpdate(base, u, arrayFilters, true);
  return insertOne(coll, doc);
}
