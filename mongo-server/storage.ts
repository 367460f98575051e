// In-memory databases, collections and indexes; the MongoDB semantics a session store leans on
// (unique _id and unique indexes, index conflicts, TTL) are enforced here.
import { UUID, deserialize, serialize, type Document } from 'bson';
import { CommandError } from './errors';
import { formatKeyValue, indexKeys, valueKey } from './index-keys';

export { valueKey } from './index-keys';

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

/** A change to stored data, as the primary of a replica set records it for its secondaries (oplog entries). */
export type StorageChange =
  | { op: 'put'; db: string; coll: string; key: string; doc: Doc }
  | { op: 'del'; db: string; coll: string; key: string }
  | { op: 'create'; db: string; coll: string; uuid: UUID }
  | { op: 'drop'; db: string; coll: string }
  | { op: 'dropDb'; db: string }
  | { op: 'indexes'; db: string; coll: string; indexes: IndexSpec[] };

/** Told of a change; `undo` (document writes only) puts the document back as it was, telling no one. */
type Notify = (change: StorageChange, undo?: () => void) => void;

/** Documents by valueKey(_id), reporting every write. Stored documents are never mutated in place, so they can be shared. */
class DocMap extends Map<string, Doc> {
  onWrite: ((key: string, doc: Doc | undefined, undo: () => void) => void) | undefined;

  override set(key: string, doc: Doc): this {
    const prev = super.get(key);
    super.set(key, doc);
    this.onWrite?.(key, doc, () => this.restore(key, prev));
    return this;
  }

  override delete(key: string): boolean {
    const prev = super.get(key);
    const had = super.delete(key);
    if (had) this.onWrite?.(key, undefined, () => this.restore(key, prev));
    return had;
  }

  private restore(key: string, prev: Doc | undefined): void {
    if (prev) super.set(key, prev);
    else super.delete(key);
  }
}


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

export class Collection {
  /** Documents in natural (insertion) order, keyed by valueKey(_id). */
  readonly docs: Map<string, Doc> = new DocMap();
  readonly indexes: IndexSpec[] = [{ v: 2, key: { _id: 1 }, name: '_id_' }];
  readonly uuid: UUID;

  /** `notify`: told of every document written or removed (only collections of a Storage have one). */
  constructor(
    readonly db: string,
    readonly name: string,
    notify?: Notify,
    uuid?: UUID,
  ) {
    this.uuid = uuid ?? new UUID();
    if (notify) {
      (this.docs as DocMap).onWrite = (key, doc, undo) => notify(doc ? { op: 'put', db, coll: name, key, doc } : { op: 'del', db, coll: name, key }, undo);
    }
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /** Throws E11000 if `doc` would collide with another document (other than the one at `selfKey`). */
  checkUnique(doc: Doc, selfKey?: string, matchesPartial?: (filter: Doc, doc: Doc) => boolean): void {
    for (const index of this.indexes) {
      if (index.name !== '_id_' && !index.unique) continue;
      if (index.partialFilterExpression && matchesPartial && !matchesPartial(index.partialFilterExpression, doc)) continue;
      const clash = index.name === '_id_' ? this.idClash(doc, selfKey) : this.uniqueClash(index, doc, selfKey, matchesPartial);
      if (clash) {
        throw new CommandError(
          11000,
          `E11000 duplicate key error collection: ${this.ns} index: ${index.name} dup key: ${formatKeyValue(clash)}`,
          { keyPattern: { ...index.key }, keyValue: clash },
        );
      }
    }
  }

  private idClash(doc: Doc, selfKey: string | undefined): Doc | undefined {
    const k = valueKey(doc._id);
    return k !== selfKey && this.docs.has(k) ? { _id: doc._id } : undefined;
  }

  /** The first key of `doc` that another document already holds in `index`. */
  private uniqueClash(index: IndexSpec, doc: Doc, selfKey: string | undefined, matchesPartial?: (filter: Doc, doc: Doc) => boolean): Doc | undefined {
    const mine = indexKeys(index, doc);
    if (mine.size === 0) return undefined;
    for (const [k, other] of this.docs) {
      if (k === selfKey) continue;
      if (index.partialFilterExpression && matchesPartial && !matchesPartial(index.partialFilterExpression, other)) continue;
      for (const key of indexKeys(index, other).keys()) {
        const value = mine.get(key);
        if (value) return value;
      }
    }
    return undefined;
  }
}

export class Storage {
  readonly dbs = new Map<string, Map<string, Collection>>();
  /** Set on a replica set's primary: every change, in order, becomes an oplog entry. */
  onChange: Notify | undefined;
  private readonly notify: Notify = (change, undo) => this.onChange?.(change, undo);

  get(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  getOrCreate(db: string, name: string, uuid?: UUID): { coll: Collection; created: boolean } {
    const existing = this.get(db, name);
    if (existing) return { coll: existing, created: false };
    validateCollectionName(db, name);
    let colls = this.dbs.get(db);
    if (!colls) this.dbs.set(db, (colls = new Map()));
    const coll = new Collection(db, name, this.notify, uuid);
    colls.set(name, coll);
    this.onChange?.({ op: 'create', db, coll: name, uuid: coll.uuid });
    return { coll, created: true };
  }

  drop(db: string, name: string): Collection | undefined {
    const colls = this.dbs.get(db);
    const coll = colls?.get(name);
    if (coll) {
      colls!.delete(name);
      if (colls!.size === 0) this.dbs.delete(db);
      this.onChange?.({ op: 'drop', db, coll: name });
    }
    return coll;
  }

  dropDatabase(db: string): void {
    if (this.dbs.delete(db)) this.onChange?.({ op: 'dropDb', db });
  }

  /** createIndexes and dropIndexes call this after changing `coll.indexes`. */
  indexesChanged(coll: Collection): void {
    this.onChange?.({ op: 'indexes', db: coll.db, coll: coll.name, indexes: coll.indexes.map((i) => ({ ...i })) });
  }

  /** Applies a change recorded by another Storage (a secondary applying its primary's oplog). */
  apply(change: StorageChange): void {
    if (change.op === 'dropDb') return this.dropDatabase(change.db);
    if (change.op === 'drop') return void this.drop(change.db, change.coll);
    const { coll } = this.getOrCreate(change.db, change.coll, change.op === 'create' ? change.uuid : undefined);
    if (change.op === 'put') coll.docs.set(change.key, change.doc);
    else if (change.op === 'del') coll.docs.delete(change.key);
    else if (change.op === 'indexes') coll.indexes.splice(0, coll.indexes.length, ...change.indexes.map((i) => ({ ...i })));
  }

  /** Becomes a copy of `source` (a rolled-back member resyncing from the new primary). Documents are shared: never mutated in place. */
  copyFrom(source: Storage): void {
    this.dbs.clear();
    for (const from of source.collections()) {
      const { coll } = this.getOrCreate(from.db, from.name, from.uuid);
      for (const [key, doc] of from.docs) coll.docs.set(key, doc);
      coll.indexes.splice(0, coll.indexes.length, ...from.indexes.map((i) => ({ ...i })));
    }
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
