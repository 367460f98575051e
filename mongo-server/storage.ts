// In-memory databases, collections and indexes; the MongoDB semantics a session store leans on
// (unique _id and unique indexes, index conflicts, TTL) are enforced here.
import { EJSON, UUID, deserialize, serialize, type Document } from 'bson';
import { CommandError } from './errors';

export type Doc = Document;

export interface IndexSpec {
  v: number;
  key: Record<string, number | string>;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  expireAfterSeconds?: number;
  partialFilterExpression?: Doc;
  [option: string]: unknown;
}

const readOptions = { promoteBuffers: false } as const;

/** Deep copy that keeps every BSON type (ObjectId, Binary, Long...) intact. */
export const cloneDoc = (doc: Doc): Doc => deserialize(serialize(doc), readOptions);

/** Canonical key for a value, as equality on BSON values (1 and 1.0 are the same key, as in MongoDB). */
export const valueKey = (value: unknown): string => EJSON.stringify({ v: value === undefined ? null : value }, { relaxed: true });

export function getPath(doc: Doc, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Doc)[part];
  }
  return cur;
}

export function setPath(doc: Doc, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = doc;
  for (const part of parts.slice(0, -1)) {
    if (cur[part] === null || typeof cur[part] !== 'object') cur[part] = {};
    cur = cur[part];
  }
  cur[parts[parts.length - 1]] = value;
}

function formatKeyValue(value: Doc): string {
  const inner = Object.entries(value)
    .map(([k, v]) => `${k}: ${EJSON.stringify(v === undefined ? null : v, { relaxed: true })}`)
    .join(', ');
  return `{ ${inner} }`;
}

export class Collection {
  /** Documents in natural (insertion) order, keyed by valueKey(_id). */
  readonly docs = new Map<string, Doc>();
  readonly indexes: IndexSpec[] = [{ v: 2, key: { _id: 1 }, name: '_id_' }];
  readonly uuid = new UUID();

  constructor(
    readonly db: string,
    readonly name: string,
  ) {}

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  private indexKey(index: IndexSpec, doc: Doc): { key: string; value: Doc } | undefined {
    const value: Doc = {};
    let present = false;
    for (const field of Object.keys(index.key)) {
      const v = getPath(doc, field);
      if (v !== undefined) present = true;
      value[field] = v === undefined ? null : v;
    }
    if (index.sparse && !present) return undefined;
    return { key: valueKey(Object.values(value)), value };
  }

  /** Throws E11000 if `doc` would collide with another document (other than the one at `selfKey`). */
  checkUnique(doc: Doc, selfKey?: string, matchesPartial?: (filter: Doc, doc: Doc) => boolean): void {
    for (const index of this.indexes) {
      if (index.name !== '_id_' && !index.unique) continue;
      if (index.partialFilterExpression && matchesPartial && !matchesPartial(index.partialFilterExpression, doc)) continue;
      const mine = this.indexKey(index, doc);
      if (!mine) continue;
      let clash = false;
      if (index.name === '_id_') {
        const k = valueKey(doc._id);
        clash = k !== selfKey && this.docs.has(k);
      } else {
        for (const [k, other] of this.docs) {
          if (k === selfKey) continue;
          if (index.partialFilterExpression && matchesPartial && !matchesPartial(index.partialFilterExpression, other)) continue;
          const theirs = this.indexKey(index, other);
          if (theirs && theirs.key === mine.key) {
            clash = true;
            break;
          }
        }
      }
      if (clash) {
        throw new CommandError(
          11000,
          `E11000 duplicate key error collection: ${this.ns} index: ${index.name} dup key: ${formatKeyValue(mine.value)}`,
          { keyPattern: { ...index.key }, keyValue: mine.value },
        );
      }
    }
  }
}

export class Storage {
  readonly dbs = new Map<string, Map<string, Collection>>();

  get(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  getOrCreate(db: string, name: string): { coll: Collection; created: boolean } {
    const existing = this.get(db, name);
    if (existing) return { coll: existing, created: false };
    validateCollectionName(db, name);
    let colls = this.dbs.get(db);
    if (!colls) this.dbs.set(db, (colls = new Map()));
    const coll = new Collection(db, name);
    colls.set(name, coll);
    return { coll, created: true };
  }

  drop(db: string, name: string): Collection | undefined {
    const colls = this.dbs.get(db);
    const coll = colls?.get(name);
    if (coll) {
      colls!.delete(name);
      if (colls!.size === 0) this.dbs.delete(db);
    }
    return coll;
  }

  *collections(): Iterable<Collection> {
    for (const colls of this.dbs.values()) yield* colls.values();
  }
}

export function validateDbName(db: unknown): asserts db is string {
  if (typeof db !== 'string' || db.length === 0 || /[/\\. "$\0]/.test(db) || db.length >= 64) {
    throw new CommandError(73, `Invalid database name: '${String(db)}'`);
  }
}

function validateCollectionName(db: string, name: string): void {
  if (name.length === 0 || name.includes('\0') || name.includes('$') || name.startsWith('.') || name.startsWith('system.')) {
    throw new CommandError(73, `Invalid collection name: ${db}.${name}`);
  }
}
