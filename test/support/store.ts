// Stores on a fresh database of the run's MongoDB, closed after each test.
import type session from 'express-session';
import type { Collection, Document } from 'mongodb';
import { MongoStore, type ConnectMongoOptions } from '../../src/index';
import { onCleanup } from './cleanup';
import { mongoUrl, uniqueDbName } from './mongo';
import { rawCollection } from './raw';

/** Closed after the current test. */
export function track<S extends { close(): Promise<void> | void }>(store: S): S {
  onCleanup(() => store.close());
  return store;
}

/**
 * A store on its own database (`options.dbName` or a fresh one), connected with the run's mongoUrl unless
 * `client` or `clientPromise` is given, and closed after the test. `collection()` shows what is really stored.
 */
export function makeStore<T extends session.SessionData = session.SessionData>(
  options: Partial<ConnectMongoOptions<T>> = {},
): { store: MongoStore<T>; dbName: string; collection: () => Promise<Collection<Document>> } {
  const dbName = options.dbName ?? uniqueDbName('store');
  const connection = options.client || options.clientPromise ? {} : { mongoUrl: mongoUrl() };
  const store = track(MongoStore.create<T>({ ...connection, ...options, dbName } as ConnectMongoOptions<T>));
  return { store, dbName, collection: () => rawCollection(dbName, options.collectionName) };
}
