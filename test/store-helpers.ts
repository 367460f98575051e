// Shared fixtures for the store-* and compat-* tests: stores on a fresh database of the run's MongoDB,
// a raw MongoClient to look at (and plant) documents, and real express-session sessions.
import { afterAll, afterEach } from 'vitest';
import { MongoClient, type Collection, type Document } from 'mongodb';
import session from 'express-session';
import { MongoStore, type ConnectMongoOptions } from '../src/index';
import { mongoUrl, uniqueDbName } from './helpers/mongo';

const stores = new Set<{ close(): Promise<void> | void }>();
let raw: MongoClient | undefined;

afterEach(async () => {
  const open = [...stores];
  stores.clear();
  await Promise.all(open.map((s) => Promise.resolve(s.close()).catch(() => {})));
});

afterAll(async () => {
  await raw?.close();
  raw = undefined;
});

/** Closed after each test. */
export function track<S extends { close(): Promise<void> | void }>(store: S): S {
  stores.add(store);
  return store;
}

/** A store on its own database; `dbName` is returned so tests can inspect the documents. */
export function makeStore<T extends session.SessionData = session.SessionData>(
  options: Partial<ConnectMongoOptions<T>> = {},
): { store: MongoStore<T>; dbName: string; collection: () => Promise<Collection<Document>> } {
  const dbName = options.dbName ?? uniqueDbName('store');
  const store = track(MongoStore.create<T>({ mongoUrl: mongoUrl(), ...options, dbName } as ConnectMongoOptions<T>));
  return { store, dbName, collection: () => rawCollection(dbName, options.collectionName) };
}

/** A collection seen through an independent client: what is really stored. */
export async function rawCollection(dbName: string, collectionName = 'sessions'): Promise<Collection<Document>> {
  raw ??= await MongoClient.connect(mongoUrl());
  return raw.db(dbName).collection(collectionName);
}

export async function rawClient(): Promise<MongoClient> {
  raw ??= await MongoClient.connect(mongoUrl());
  return raw;
}

/** A session as express-session hands it to a store: a real Cookie, plus data. */
export function makeSession<D extends object>(data: D = {} as D, maxAge: number | null = 60 * 60 * 1000) {
  // @types/express-session declares no constructor arguments; the real Cookie takes the cookie options
  const CookieClass = session.Cookie as unknown as new (o: object) => session.Cookie & { toJSON(): Record<string, unknown> };
  const cookie = new CookieClass({ maxAge: maxAge ?? undefined, httpOnly: true, path: '/' });
  return { cookie, ...data } as unknown as session.SessionData & D & { cookie: typeof cookie };
}

/** What the session looks like after a JSON round trip (the cookie's expires becomes a string). */
export function asJson<S>(s: S): unknown {
  return JSON.parse(JSON.stringify(s));
}

let counter = 0;
export function sid(prefix = 'sid'): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Runs fn with uncaught exceptions captured instead of failing the run (for rethrown callback errors). */
export async function captureUncaught(fn: () => Promise<void>): Promise<unknown[]> {
  const caught: unknown[] = [];
  const saved = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const handler = (err: unknown) => caught.push(err);
  process.on('uncaughtException', handler);
  try {
    await fn();
  } finally {
    process.off('uncaughtException', handler);
    for (const l of saved) process.on('uncaughtException', l);
  }
  return caught;
}

/** Collects the unhandled rejections that happen while fn runs (and one macrotask after). */
export async function captureUnhandled(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const saved = process.listeners('unhandledRejection');
  process.removeAllListeners('unhandledRejection');
  const handler = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', handler);
  try {
    await fn();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('unhandledRejection', handler);
    for (const l of saved) process.on('unhandledRejection', l as (...a: unknown[]) => void);
  }
  return seen;
}
