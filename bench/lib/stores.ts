// The two implementations under test, built the same way: each gets its own MongoClient from the
// same driver (node_modules/mongodb), and uses its own crypto adapter factories.
import { MongoClient, type MongoClientOptions } from 'mongodb';
import type { Store } from 'express-session';
import { promisify } from 'node:util';

export type Mode = 'plain' | 'webcrypto' | 'kruptein';
export const MODES: Mode[] = ['plain', 'webcrypto', 'kruptein'];

export interface Impl {
  key: 'ours' | 'theirs';
  label: string;
  source: string;
  MongoStore: new (options: Record<string, unknown>) => Store & { close(): Promise<void> | void };
  createWebCryptoAdapter: (o: { secret: string }) => unknown;
}

const SECRET = 'bench secret: correct horse battery staple';

async function loadTheirs(): Promise<Impl> {
  const m: any = await import('connect-mongo');
  return {
    key: 'theirs',
    label: 'connect-mongo 6.0.0',
    source: 'node_modules/connect-mongo/dist/index.mjs',
    MongoStore: m.default ?? m.MongoStore,
    createWebCryptoAdapter: m.createWebCryptoAdapter,
  };
}

/**
 * BENCH_OURS selects what "ours" is: `src` (default: src/index.ts through tsx), `dist` (the built
 * package), or `connect-mongo` (an A/A run of connect-mongo against itself, to see the noise floor).
 */
export async function loadImpls(): Promise<{ ours: Impl; theirs: Impl }> {
  const theirs = await loadTheirs();
  const which = process.env.BENCH_OURS ?? 'src';
  let ours: Impl;
  if (which === 'connect-mongo') {
    ours = { ...(await loadTheirs()), key: 'ours', label: 'connect-mongo 6.0.0 (A/A control)' };
  } else {
    const spec = which === 'dist' ? '../../dist/index.js' : '../../src/index';
    const m: any = await import(spec);
    ours = {
      key: 'ours',
      label: 'ours',
      source: which === 'dist' ? 'dist/index.js (built)' : 'src/index.ts (via tsx)',
      MongoStore: m.default ?? m.MongoStore,
      createWebCryptoAdapter: m.createWebCryptoAdapter,
    };
  }
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
  store: any;
  client: MongoClient;
  collectionName: string;
  dbName: string;
  get(sid: string): Promise<any>;
  set(sid: string, s: unknown): Promise<void>;
  touch(sid: string, s: unknown): Promise<void>;
  destroy(sid: string): Promise<void>;
  all(): Promise<any[]>;
}

/** A store on its own collection; both stores are driven through the callback API, identically. */
export function makeStore(
  impl: Impl,
  mode: Mode,
  client: MongoClient,
  dbName: string,
  collectionName: string,
  extra: Record<string, unknown> = {},
): BenchStore {
  const store: any = new impl.MongoStore({ client, dbName, collectionName, ...storeOptions(impl, mode), ...extra });
  return {
    impl,
    mode,
    store,
    client,
    collectionName,
    dbName,
    get: promisify(store.get.bind(store)),
    set: promisify(store.set.bind(store)),
    touch: promisify(store.touch.bind(store)),
    destroy: promisify(store.destroy.bind(store)),
    all: promisify(store.all.bind(store)),
  };
}
