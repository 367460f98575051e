// Projections: plain 0/1 projections applied here, as mongod does; anything with operators through mingo.
import { Query } from 'mingo';
import { isPlainObject, runMingo } from './query';
import type { Doc } from './storage';

type ProjectionTree = Map<string, ProjectionTree | true>;

/**
 * The tree of a projection made only of 0/1/true/false (no operators, no mixing), or undefined. This server
 * applies those itself, as mongod does: fields in stored order (mingo emits them in projection order) and
 * names like `constructor` kept (mingo drops them).
 */
export function plainProjection(spec: unknown): { tree: ProjectionTree; inclusion: boolean } | undefined {
  if (!isPlainObject(spec) || Object.keys(spec).length === 0) return undefined;
  const entries = Object.entries(spec);
  if (!entries.every(([, v]) => typeof v === 'number' || typeof v === 'boolean')) return undefined;
  const paths = entries.filter(([k]) => k !== '_id');
  const idOn = !Object.hasOwn(spec, '_id') || !!spec._id;
  const inclusion = paths.length > 0 ? !!paths[0][1] : idOn;
  if (paths.some(([, v]) => !!v !== inclusion)) return undefined;
  const tree: ProjectionTree = new Map();
  // _id is on by default: included unless `_id: 0`, excluded only by it.
  if (idOn === inclusion) tree.set('_id', true);
  for (const [path] of paths) {
    let node = tree;
    const parts = path.split('.');
    for (const part of parts.slice(0, -1)) {
      let next = node.get(part);
      if (next === true) return undefined; // path collision ('a' and 'a.b'): left to mingo
      if (!next) node.set(part, (next = new Map()));
      node = next;
    }
    if (node.has(parts[parts.length - 1])) return undefined;
    node.set(parts[parts.length - 1], true);
  }
  return { tree, inclusion };
}

/** Own data property, so that a field named `__proto__` stays a field. */
function defineField(doc: Doc, key: string, value: unknown): void {
  Object.defineProperty(doc, key, { value, enumerable: true, writable: true, configurable: true });
}

function applyProjection(value: unknown, tree: ProjectionTree, inclusion: boolean): unknown {
  // Through arrays: mongod keeps their sub-documents (and, excluding, everything else); including, it drops scalars.
  if (Array.isArray(value)) {
    const kept = inclusion ? value.filter((v) => Array.isArray(v) || isPlainObject(v)) : value;
    return kept.map((v) => (Array.isArray(v) || isPlainObject(v) ? applyProjection(v, tree, inclusion) : v));
  }
  const doc = value as Doc;
  const out: Doc = {};
  for (const key of Object.keys(doc)) {
    const node = tree.get(key);
    const v = doc[key];
    if (node === true) {
      if (inclusion) defineField(out, key, v);
    } else if (node && (Array.isArray(v) || isPlainObject(v))) {
      defineField(out, key, applyProjection(v, node, inclusion));
    } else if (!inclusion) {
      defineField(out, key, v);
    }
  }
  return out;
}

/** Projects documents: plain projections here, anything with operators through mingo. */
export function projectDocs(docs: Doc[], spec: Doc): Doc[] {
  const plain = plainProjection(spec);
  if (plain) return docs.map((d) => applyProjection(d, plain.tree, plain.inclusion) as Doc);
  return runMingo(() => new Query({}, {}).find(docs, spec).all() as Doc[]);
}
