// The one client of the run's MongoDB, independent of any store, that a test file uses to look at (and plant)
// documents behind a store's back: what is really stored.
import { afterAll, expect } from 'vitest';
import { MongoClient, type Collection, type Db, type Document } from 'mongodb';
import { mongoUrl } from './mongo';
import { makeSession, sid } from './session';

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

interface ReadsAndWrites {
  get(sid: string): Promise<unknown>;
  set(sid: string, session: never): Promise<void>;
}

/**
 * The moved-ciphertext attack on a store that binds ciphertexts to their id: the victim's stored `session`
 * copied into the attacker's document does not decrypt there, and the victim's session still reads.
 */
export async function expectMovedCiphertextRefused(store: ReadsAndWrites, collection: Collection<Document>): Promise<void> {
  const [victim, attacker] = [sid('victim'), sid('attacker')];
  await store.set(victim, makeSession({ role: 'admin' }) as never);
  await store.set(attacker, makeSession({ role: 'user' }) as never);
  await copyStoredSession(collection, victim, attacker);
  await expect(store.get(attacker)).rejects.toThrow(/unreadable/);
  expect(await store.get(victim)).toMatchObject({ role: 'admin' });
}
