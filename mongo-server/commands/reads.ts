// Queries: find, count and distinct.
import { CommandError } from '../errors';
import { DEFAULT_BATCH } from '../cursors';
import { projectDocs } from '../projection';
import { asQuery, candidates, checkFields, collName, isPlainObject, matching, optionalInt, runMingo } from '../query';
import { getPath, valueKey, type Doc } from '../storage';
import type { Command, CommandHandler } from '../types';

const FIND_FIELDS = ['filter', 'projection', 'sort', 'skip', 'limit', 'batchSize', 'singleBatch', 'allowDiskUse', 'noCursorTimeout', 'allowPartialResults', 'let'];
const FIND_REFUSED = [
  'hint', 'collation', 'min', 'max', 'returnKey', 'showRecordId', 'tailable', 'awaitData', 'oplogReplay', 'readOnce', 'allowSpeculativeMajorityRead', 'term',
];

function find({ body, engine }: Command): Doc {
  checkFields('find', body, FIND_FIELDS, FIND_REFUSED);
  const name = collName('find', body);
  const coll = engine.storage.get(String(body.$db), name);
  const skip = optionalInt('find', body, 'skip') ?? 0;
  const limit = optionalInt('find', body, 'limit') ?? 0;
  const batchSize = optionalInt('find', body, 'batchSize');
  for (const f of ['projection', 'sort'] as const) {
    if (body[f] !== undefined && body[f] !== null && !isPlainObject(body[f])) throw new CommandError(14, `BSON field 'find.${f}' is the wrong type, expected type 'object'`);
  }
  const q = asQuery(body.filter);
  const docs = runMingo(() => {
    let cursor = q.find(candidates(coll, body.filter));
    if (body.sort && Object.keys(body.sort).length) cursor = cursor.sort(body.sort);
    if (skip) cursor = cursor.skip(skip);
    if (limit) cursor = cursor.limit(limit);
    return cursor.all() as Doc[];
  });
  const projected = body.projection && Object.keys(body.projection).length ? projectDocs(docs, body.projection) : docs;
  // With a limit, the first batch stops at the limit and the cursor closes once it is reached.
  return engine.cursors.reply(`${body.$db}.${name}`, projected, batchSize ?? DEFAULT_BATCH, body.singleBatch === true);
}

function count({ body, engine }: Command): Doc {
  checkFields('count', body, ['query', 'limit', 'skip'], ['hint', 'collation', 'fields']);
  const coll = engine.storage.get(String(body.$db), collName('count', body));
  let n = matching(coll, body.query).length;
  const skip = optionalInt('count', body, 'skip') ?? 0;
  const limit = Math.abs(Number(body.limit ?? 0));
  n = Math.max(0, n - skip);
  if (limit) n = Math.min(n, limit);
  return { n, ok: 1 };
}

function distinct({ body, engine }: Command): Doc {
  checkFields('distinct', body, ['key', 'query'], ['hint', 'collation']);
  if (typeof body.key !== 'string') throw new CommandError(14, "BSON field 'distinct.key' is the wrong type, expected type 'string'");
  const coll = engine.storage.get(String(body.$db), collName('distinct', body));
  const seen = new Map<string, unknown>();
  for (const doc of matching(coll, body.query)) {
    const v = getPath(doc, body.key);
    for (const item of Array.isArray(v) ? v : [v]) {
      if (item === undefined) continue;
      seen.set(valueKey(item), item);
    }
  }
  return { values: [...seen.values()], ok: 1 };
}

export const readCommands: Record<string, CommandHandler> = { find, count, distinct };
