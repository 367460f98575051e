// The two implementations under test, built the same way: each gets its own MongoClient from the
// same driver (node_modules/mongodb), and uses its own crypto adapter factories.
import { MongoClient, type MongoClientOptions } from 'mongodb';

export type Mode = 'plain' | 'webcrypto' | 'kruptein';
export const MODES: Mode[] = ['plain', 'webcrypto', 'kruptein'];

/** A session as the benchmark handles it (express-session's Session is a plain object plus a Cookie). */
export type Sess = Record<string, unknown>;
type Cb<R> = (err: unknown, result?: R) => void;

/** The callback API both stores implement, which is what express-session calls. */
export interface StoreLike {
  get(sid: string, cb: Cb<Sess | null>): void;
  set(sid: string, session: Sess, cb: Cb<void>): void;
  touch(sid: string, session: Sess, cb: Cb<void>): void;
  destroy(sid: string, cb: Cb<void>): void;
  all(cb: Cb<Sess[]>): void;
  close(): Promise<void> | void;
}

export interface Impl {
  key: 'ours' | 'theirs';
  label: string;
  source: string;
  MongoStore: new (options: Record<string, unknown>) => StoreLike;
  createWebCryptoAdapter: (o: { secret: string }) => unknown;
}

const SECRET = 'bench secret: correct horse battery staple';

type Which = 'src' | 'dist' | 'connect-mongo';

async function load(which: Which, key: Impl['key']): Promise<Impl> {
  if (which === 'connect-mongo') {
    const m = await import('connect-mongo');
    return {
      key,
      label: 'connect-mongo 6.0.0',
      source: 'node_modules/connect-mongo/dist/index.mjs',
      MongoStore: m.default as unknown as Impl['MongoStore'],
      createWebCryptoAdapter: m.createWebCryptoAdapter as Impl['createWebCryptoAdapter'],
    };
  }
  if (which !== 'src' && which !== 'dist') throw new Error(`BENCH_OURS/BENCH_THEIRS must be src, dist or connect-mongo (got ${which})`);
  const m = (await import(which === 'dist' ? '../../dist/index.js' : '../../src/index')) as { default: unknown; createWebCryptoAdapter: unknown };
  return {
    key,
    label: which === 'dist' ? 'ours (dist)' : 'ours',
    source: which === 'dist' ? 'dist/index.js (built by npm run build)' : 'src/index.ts (via tsx)',
    MongoStore: m.default as Impl['MongoStore'],
    createWebCryptoAdapter: m.createWebCryptoAdapter as Impl['createWebCryptoAdapter'],
  };
}

/**
 * Side A ("ours") is BENCH_OURS, default `src` (src/index.ts through tsx); side B ("theirs") is BENCH_THEIRS,
 * default `connect-mongo`. Each may be src, dist (the built package) or connect-mongo: BENCH_OURS=connect-mongo
 * is an A/A run of connect-mongo against itself (the noise floor), BENCH_THEIRS=dist compares src with dist.
 */
export async function loadImpls(): Promise<{ ours: Impl; theirs: Impl }> {
  const a = (process.env.BENCH_OURS ?? 'src') as Which;
  const b = (process.env.BENCH_THEIRS ?? 'connect-mongo') as Which;
  const ours = await load(a, 'ours');
  const theirs = await load(b, 'theirs');
  if (a === b) ours.label += ' (A/A control)';
  return { ours, theirs };
}

export function storeOptions(impl: Impl, mode: Mode): Record<string, unknown> {
  switch (mode) {
    case 'plain':
      return {};
    case 'webcrypto':
      return { cryptoAdapter: impl.createWebCryptoAdapter({ secret: SECRET }) };
    case 'kruptein':
      // The legacy option as connect-mongo users write it: defaults for everything but the secret.
      return { crypto: { secret: SECRET } };
  }
}

export async function newClient(url: string, extra: MongoClientOptions = {}): Promise<MongoClient> {
  const client = new MongoClient(url, { maxPoolSize: 100, ...extra });
  await client.connect();
  return client;
}

export interface BenchStore {
  impl: Impl;
  mode: Mode;
  store: StoreLike;
  client: MongoClient;
  collectionName: string;
  dbName: string;
  get(sid: string): Promise<Sess | null>;
  set(sid: string, s: Sess): Promise<void>;
  touch(sid: string, s: Sess): Promise<void>;
  destroy(sid: string): Promise<void>;
  all(): Promise<Sess[]>;
}

const call = <R>(fn: (cb: Cb<R>) => void) =>
  new Promise<R>((resolve, reject) => fn((err, result) => (err ? reject(err) : resolve(result as R))));

/** A store on its own collection; both stores are driven through the callback API, identically. */
export function makeStore(
  impl: Impl,
  mode: Mode,
  client: MongoClient,
  dbName: string,
  collectionName: string,
  extra: Record<string, unknown> = {},
): BenchStore {
  const store = new impl.MongoStore({ client, dbName, collectionName, ...storeOptions(impl, mode), ...extra });
  return {
    impl,
    mode,
    store,
    client,
    collectionName,
    dbName,
    get: (sid) => call((cb) => store.get(sid, cb)),
    set: (sid, s) => call((cb) => store.set(sid, s, cb)),
    touch: (sid, s) => call((cb) => store.touch(sid, s, cb)),
    destroy: (sid) => call((cb) => store.destroy(sid, cb)),
    all: () => call((cb) => store.all(cb)),
  };
}

/**
 * Not a store: the bare driver calls a plain store cannot avoid (findOne by _id + JSON.parse, upsert of
 * session + expires, ...), without expiry filter, options, events or crypto. Its CPU is the floor under
 * every store's figure.
 */
export function driverFloor(client: MongoClient, dbName: string, collectionName: string): BenchStore {
  const coll = client.db(dbName).collection<{ _id: string; session: string; expires: Date }>(collectionName);
  const expires = (s: Sess) => new Date((s.cookie as { expires: Date }).expires);
  return {
    impl: { key: 'theirs', label: 'bare driver', source: 'mongodb', MongoStore: undefined as never, createWebCryptoAdapter: () => undefined },
    mode: 'plain',
    store: { close: () => client.close() } as BenchStore['store'],
    client,
    collectionName,
    dbName,
    get: async (sid) => {
      const doc = await coll.findOne({ _id: sid });
      return doc ? (JSON.parse(doc.session) as Sess) : null;
    },
    set: async (sid, s) => void (await coll.updateOne({ _id: sid }, { $set: { session: JSON.stringify(s), expires: expires(s) } }, { upsert: true })),
    touch: async (sid, s) => void (await coll.updateOne({ _id: sid }, { $set: { expires: expires(s) } })),
    destroy: async (sid) => void (await coll.deleteOne({ _id: sid })),
    all: async () => (await coll.find({}).toArray()).map((d) => JSON.parse(d.session) as Sess),
  };
}
