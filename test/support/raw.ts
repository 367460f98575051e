// The one client of the run's MongoDB, independent of any store, that a test file uses to look at (and plant)
// documents behind a store's back: what is really stored.
import { afterAll } from 'vitest';
import { MongoClient, type Collection, type Db, type Document } from 'mongodb';
import { mongoUrl } from './mongo';

let raw: Promise<MongoClient> | undefined;

afterAll(async () => {
  const client = raw;
  raw = undefined;
  await client?.then((c) => c.close()).catch(() => {});
});

/** A client of the run's MongoDB independent of any store (one per test file, closed after it). */
export function rawClient(): Promise<MongoClient> {
  raw ??= MongoClient.connect(mongoUrl());
  return raw;
}

/** A database seen through rawClient(): what is really stored. */
export async function rawDb(dbName: string): Promise<Db> {
  return (await rawClient()).db(dbName);
}

/** A collection seen through rawClient(): what is really stored. */
export async function rawCollection(dbName: string, collectionName = 'sessions'): Promise<Collection<Document>> {
  return (await rawDb(dbName)).collection(collectionName);
}

/** What an attacker who can write the collection does: puts one session's stored `session` into another's document. */
export async function copyStoredSession(collection: Collection<Document>, from: string, to: string): Promise<void> {
  const source = await collection.findOne({ _id: from as never });
  await collection.updateOne({ _id: to as never }, { $set: { session: source!.session } });
}
