// Injected server faults: MongoDB's failCommand failpoint scoped to one client's appName, and the server a
// failpoint test talks to.
import { afterAll, beforeAll } from 'vitest';
import { MongoClient, type Document } from 'mongodb';
import { mongoBackend, mongoUrl, uniqueDbName } from './mongo';

/**
 * failCommand scoped to one appName, so tests sharing a server never trip each other's failpoints.
 * Works on the in-process test server and on a mongod started with enableTestCommands=1.
 */
export async function failPoints(url: string) {
  const appName = `rel_${uniqueDbName()}`;
  const admin = await MongoClient.connect(url);
  const set = (mode: unknown, data: Document = {}) =>
    admin.db('admin').command({ configureFailPoint: 'failCommand', mode, data: { appName, ...data } });
  return {
    appName,
    set,
    off: () => set('off'),
    admin,
    async close() {
      await set('off').catch(() => undefined);
      await admin.close();
    },
  };
}

/**
 * The server a failpoint test talks to. failCommand is one server-wide setting, so on the in-process
 * backend each test file gets its own TestMongoServer (files run in parallel); on MONGO_URL /
 * mongodb-memory-server it is the shared mongod (started with enableTestCommands=1), scoped by appName.
 */
export async function faultServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (mongoBackend() !== 'in-process') return { url: mongoUrl(), stop: async () => {} };
  const { TestMongoServer } = await import('../../mongo-server'); // loaded only where a file needs its own
  const server = new TestMongoServer();
  const url = await server.start();
  return { url, stop: () => server.stop() };
}

/**
 * For a whole test file: a faultServer() and a raw client on it, started before the file's tests and
 * closed after them. Read the fields inside tests (they are set by beforeAll).
 */
export function useFaultServer(): { url: string; raw: MongoClient } {
  const fixture = {} as { url: string; raw: MongoClient };
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const server = await faultServer();
    stop = server.stop;
    fixture.url = server.url;
    fixture.raw = await MongoClient.connect(server.url);
  });
  afterAll(async () => {
    await fixture.raw?.close();
    await stop?.();
  });
  return fixture;
}
