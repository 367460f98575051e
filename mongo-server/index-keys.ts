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
 * The keys `doc` has in `index`, as a multikey index makes them: one per element of an array on an indexed path, the
 * fields under one array taken from the same element; null for a missing field; none when sparse and all are missing.
 * One document holding a value twice in its array has it as one key.
 */
export function indexKeys(index: IndexSpec, doc: Doc): Map<string, Doc> {
  const fields = Object.keys(index.key);
  const tuples = keyTuples(fields.map((f) => ({ value: doc, rest: f.split('.'), done: false })));
  const keys = new Map<string, Doc>();
  if (index.sparse && tuples.every((t) => t.every((v) => v === undefined))) return keys;
  for (const tuple of tuples) {
    const value = Object.fromEntries(fields.map((f, i) => [f, tuple[i] === undefined ? null : tuple[i]]));
    keys.set(valueKey(Object.values(value)), value);
  }
  return keys;
}

const isPlainDoc = (v: unknown): v is Doc => v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;

/** Where one indexed path has got to in the document: its value so far and the path components left. */
interface PathCursor {
  value: unknown;
  rest: string[];
  done: boolean;
}

const step = (value: unknown, rest: string[]): PathCursor =>
  rest.length === 0 ? { value, rest, done: true } : isPlainDoc(value) ? { value: value[rest[0]], rest: rest.slice(1), done: false } : { value: undefined, rest: [], done: true };

/**
 * The value tuples of the indexed paths. An array met on the way (or at a path's end) is expanded into its elements;
 * the paths that reach the same array go through it together, one element at a time, as mongod's key generator does.
 */
function keyTuples(cursors: PathCursor[]): unknown[][] {
  const array = cursors.find((c) => !c.done && Array.isArray(c.value))?.value as unknown[] | undefined;
  if (array) {
    const elements = array.length ? array : [undefined];
    return elements.flatMap((el) => keyTuples(cursors.map((c) => (!c.done && c.value === array ? step(el, c.rest) : c))));
  }
  if (cursors.every((c) => c.done)) return [cursors.map((c) => c.value)];
  return keyTuples(cursors.map((c) => (c.done ? c : step(c.value, c.rest))));
}
