// The TTL monitor's pass, as mongod's: documents whose indexed Date (earliest, for arrays) + expireAfterSeconds is past.
import { Query } from 'mingo';
import { getPath, type Collection, type IndexSpec, type Storage } from './storage';

function expireByIndex(coll: Collection, index: IndexSpec, now: number): number {
  if (typeof index.expireAfterSeconds !== 'number') return 0;
  const fields = Object.keys(index.key);
  if (fields.length !== 1) return 0;
  const partial = index.partialFilterExpression ? new Query(index.partialFilterExpression, {}) : undefined;
  let removed = 0;
  for (const [k, doc] of coll.docs) {
    const v = getPath(doc, fields[0]);
    const dates = (Array.isArray(v) ? v : [v]).filter((x): x is Date => x instanceof Date);
    if (!dates.length) continue;
    const earliest = Math.min(...dates.map((d) => d.getTime()));
    if (earliest + index.expireAfterSeconds * 1000 > now) continue;
    if (partial && !partial.test(doc)) continue;
    coll.docs.delete(k);
    removed++;
  }
  return removed;
}

/** One pass over every TTL index; returns how many documents it removed. */
export function ttlPass(storage: Storage, now = Date.now()): number {
  let removed = 0;
  for (const coll of storage.collections()) {
    for (const index of coll.indexes) removed += expireByIndex(coll, index, now);
  }
  return removed;
}
