// createIndexes, listIndexes and dropIndexes (alias deleteIndexes); specifications are validated with mongod's
// errors and compared by key and options.
import { Long } from 'bson';
import { CommandError, badValue } from '../errors';
import { cursorBatchSize } from '../cursors';
import { asQuery, checkFields, collName, isPlainObject, matchesPartial } from '../query';
import { Collection, valueKey, type Doc, type IndexSpec } from '../storage';
import type { Command, CommandHandler } from '../types';

const INDEX_OPTIONS = new Set(['key', 'name', 'v', 'unique', 'sparse', 'expireAfterSeconds', 'partialFilterExpression', 'background', 'hidden', 'ns']);
const REFUSED_INDEX_OPTIONS = new Set([
  'collation', 'weights', 'default_language', 'language_override', 'textIndexVersion', '2dsphereIndexVersion', 'bits', 'min', 'max',
  'bucketSize', 'wildcardProjection', 'storageEngine', 'prepareUnique', 'columnstoreProjection', 'dropDups',
]);

/** A key pattern's identity: field order and direction (1 and 2 are both ascending). */
function keyString(key: Doc): string {
  return JSON.stringify(Object.entries(key).map(([k, v]) => [k, typeof v === 'number' ? Math.sign(v) : v]));
}

/** The options that make two indexes on the same key different indexes. */
function optionsString(spec: IndexSpec): string {
  return JSON.stringify([!!spec.unique, !!spec.sparse, spec.expireAfterSeconds ?? null, spec.partialFilterExpression ? valueKey(spec.partialFilterExpression) : null]);
}

function checkKeyAndName(raw: Doc): void {
  if (!isPlainObject(raw.key) || Object.keys(raw.key).length === 0) throw new CommandError(67, "The 'key' field must be a non-empty object");
  for (const [f, dir] of Object.entries(raw.key)) {
    if (typeof dir === 'string') throw badValue(`the test server does not support '${dir}' indexes (field '${f}')`);
    if (typeof dir !== 'number' || dir === 0 || !Number.isFinite(dir)) throw new CommandError(67, `Values in the index key pattern can't be 0 or non-numeric: ${JSON.stringify(raw.key)}`);
  }
  if (typeof raw.name !== 'string' || raw.name.length === 0) throw new CommandError(9, "The 'name' field is a required property of an index specification");
  if (raw.name === '_id_' && keyString(raw.key) !== keyString({ _id: 1 })) throw new CommandError(67, "The index name '_id_' is reserved for the _id index");
}

function ttlSeconds(raw: Doc): number {
  const e = raw.expireAfterSeconds;
  const n = e instanceof Long ? e.toNumber() : e;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new CommandError(67, `TTL index 'expireAfterSeconds' option must be numeric and >= 0, but received: ${String(e)}`);
  if (Object.keys(raw.key).length > 1) throw new CommandError(67, 'TTL indexes are single-field indexes, compound indexes do not support TTL');
  return Math.trunc(n);
}

function normalizeIndexSpec(raw: unknown): IndexSpec {
  if (!isPlainObject(raw)) throw new CommandError(14, 'index specification must be an object');
  for (const field of Object.keys(raw)) {
    if (REFUSED_INDEX_OPTIONS.has(field)) throw badValue(`the test server does not support the index option '${field}'`);
    if (!INDEX_OPTIONS.has(field)) throw new CommandError(197, `The field '${field}' is not valid for an index specification. Specification: ${JSON.stringify(raw)}`);
  }
  checkKeyAndName(raw);
  const spec: IndexSpec = { v: 2, key: raw.key as IndexSpec['key'], name: raw.name };
  if (raw.unique === true) spec.unique = true;
  if (raw.sparse === true) spec.sparse = true;
  if (raw.hidden === true) throw badValue('the test server does not support hidden indexes');
  if (raw.expireAfterSeconds !== undefined) spec.expireAfterSeconds = ttlSeconds(raw);
  if (raw.partialFilterExpression !== undefined) {
    if (!isPlainObject(raw.partialFilterExpression)) throw new CommandError(14, 'partialFilterExpression must be an object');
    asQuery(raw.partialFilterExpression, 'partialFilterExpression');
    spec.partialFilterExpression = raw.partialFilterExpression;
  }
  return spec;
}

/** Building a unique index over duplicates fails, as in mongod. */
function checkBuildable(coll: Collection, spec: IndexSpec): void {
  const probe = new Collection(coll.db, coll.name);
  probe.indexes.splice(0, 1, { ...spec, name: spec.name });
  for (const d of coll.docs.values()) {
    probe.checkUnique(d, undefined, matchesPartial);
    probe.docs.set(valueKey(d._id), d);
  }
}

/** Whether `spec` is new; throws when it conflicts by name or options with an index already there. */
function isNewIndex(existing: IndexSpec[], spec: IndexSpec): boolean {
  const sameName = existing.find((i) => i.name === spec.name);
  const sameKey = existing.find((i) => keyString(i.key) === keyString(spec.key));
  if (sameName && keyString(sameName.key) !== keyString(spec.key)) {
    throw new CommandError(86, `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameName)}`);
  }
  if (!sameKey) return true;
  if (optionsString(sameKey) !== optionsString(spec)) {
    throw new CommandError(85, `An equivalent index already exists with the same name but different options. Requested index: ${JSON.stringify(spec)}, existing index: ${JSON.stringify(sameKey)}`);
  }
  if (sameKey.name !== spec.name) {
    throw new CommandError(85, `Index already exists with a different name: ${sameKey.name}`);
  }
  return false;
}

function createIndexes({ body, engine }: Command): Doc {
  checkFields('createIndexes', body, ['indexes', 'commitQuorum']);
  const name = collName('createIndexes', body);
  if (!Array.isArray(body.indexes) || body.indexes.length === 0) throw new CommandError(2, 'Must specify at least one index to create');
  const specs = body.indexes.map((raw: unknown) => normalizeIndexSpec(raw));
  const { coll, created } = engine.storage.getOrCreate(String(body.$db), name);
  const before = coll.indexes.length;
  const toAdd: IndexSpec[] = [];
  for (const spec of specs) {
    if (!isNewIndex([...coll.indexes, ...toAdd], spec)) continue;
    if (spec.unique) checkBuildable(coll, spec);
    toAdd.push(spec);
  }
  coll.indexes.push(...toAdd);
  const reply: Doc = { numIndexesBefore: before, numIndexesAfter: coll.indexes.length, createdCollectionAutomatically: created };
  if (toAdd.length === 0) reply.note = 'all indexes already exist';
  return { ...reply, ok: 1 };
}

function listIndexes({ body, engine }: Command): Doc {
  checkFields('listIndexes', body, ['cursor']);
  const name = collName('listIndexes', body);
  const coll = engine.storage.get(String(body.$db), name);
  if (!coll) throw new CommandError(26, `ns does not exist: ${body.$db}.${name}`);
  return engine.cursors.reply(`${coll.ns}.$cmd.listIndexes`, coll.indexes.map((i) => ({ ...i })), cursorBatchSize(body), false);
}

/** The index names `dropIndexes.index` designates: a name, a list of names, or a key pattern. */
function namesToDrop(coll: Collection, index: unknown): string[] {
  if (typeof index === 'string') return [index];
  if (Array.isArray(index)) return index.map(String);
  if (isPlainObject(index)) {
    const found = coll.indexes.find((i) => keyString(i.key) === keyString(index));
    if (!found) throw new CommandError(27, `can't find index with key: ${JSON.stringify(index)}`);
    return [found.name];
  }
  throw new CommandError(14, "BSON field 'dropIndexes.index' is the wrong type");
}

function dropIndexes({ name: cmd, body, engine }: Command): Doc {
  checkFields(cmd, body, ['index']);
  const name = collName(cmd, body);
  const coll = engine.storage.get(String(body.$db), name);
  if (!coll) throw new CommandError(26, `ns not found ${body.$db}.${name}`);
  const was = coll.indexes.length;
  if (body.index === '*') {
    coll.indexes.splice(1);
    return { nIndexesWas: was, msg: 'non-_id indexes dropped for collection', ok: 1 };
  }
  const names = namesToDrop(coll, body.index);
  for (const n of names) {
    if (n === '_id_') throw new CommandError(72, 'cannot drop _id index');
    if (!coll.indexes.some((i) => i.name === n)) throw new CommandError(27, `index not found with name [${n}]`);
  }
  for (const n of names) coll.indexes.splice(coll.indexes.findIndex((i) => i.name === n), 1);
  return { nIndexesWas: was, ok: 1 };
}

export const indexCommands: Record<string, CommandHandler> = { createIndexes, listIndexes, dropIndexes, deleteIndexes: dropIndexes };
