// Index keys as mongod derives them from a document: one per array element met along an indexed path
// (multikey), null for a missing field; and the canonical key that makes equal BSON values equal.
import { EJSON } from 'bson';
import type { Doc, IndexSpec } from './storage';

/** Canonical key for a value, as equality on BSON values (1 and 1.0 are the same key, as in MongoDB). */
export const valueKey = (value: unknown): string => EJSON.stringify({ v: value === undefined ? null : value }, { relaxed: true });

export function formatKeyValue(value: Doc): string {
  const inner = Object.entries(value)
    .map(([k, v]) => `${k}: ${EJSON.stringify(v === undefined ? null : v, { relaxed: true })}`)
    .join(', ');
  return `{ ${inner} }`;
}

/**
 * The keys `doc` has in `index`, as a multikey index makes them: one per element of an array on the path
 * (one document may hold a value twice in its array: it is one key); null for a missing field; none when sparse and all are missing.
 */
export function indexKeys(index: IndexSpec, doc: Doc): Map<string, Doc> {
  let combos: Doc[] = [{}];
  let present = false;
  for (const field of Object.keys(index.key)) {
    const values = pathValues(doc, field.split('.'));
    if (values.some((v) => v !== undefined)) present = true;
    combos = combos.flatMap((combo) => values.map((v) => ({ ...combo, [field]: v === undefined ? null : v })));
  }
  const keys = new Map<string, Doc>();
  if (index.sparse && !present) return keys;
  for (const value of combos) keys.set(valueKey(Object.values(value)), value);
  return keys;
}

const isPlainDoc = (v: unknown): v is Doc => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

/** The values at a dotted path, arrays met on the way (or at its end) expanded into their elements; undefined when missing. */
function pathValues(value: unknown, parts: string[]): unknown[] {
  if (Array.isArray(value)) {
    if (parts.length === 0) return value.length ? value : [undefined];
    // A numeric component names a position as well as a field of the elements (mongod indexes both).
    const positional = /^\d+$/.test(parts[0]) ? pathValues(value[Number(parts[0])], parts.slice(1)) : [];
    const found = [...positional, ...value.flatMap((el) => (isPlainDoc(el) ? pathValues(el, parts) : []))].filter((v) => v !== undefined);
    return found.length ? found : [undefined];
  }
  if (parts.length === 0) return [value];
  if (!isPlainDoc(value)) return [undefined];
  return pathValues(value[parts[0]], parts.slice(1));
}
