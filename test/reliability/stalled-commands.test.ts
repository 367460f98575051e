// A command the driver never settles. mongodb 6 and 7 can leave a command pending forever when MongoDB closes
// its connection at the moment the command is written (the driver waits for a socket 'drain' that never
// comes). The driver then finds the server gone and clears its connection pool; the store fails what is still
// pending three serverSelectionTimeoutMS later, so that request gets an error and its session's later writes,
// which wait for it (call order), go on. Here a proxy holds the command back for good, and a connection closed by a
// failpoint makes the driver clear its pool.
import { describe, expect, it } from 'vitest';
import { MongoClient, MongoNetworkError } from 'mongodb';
import { MongoStore } from '../../src/index';
import { failPoints, firstHost, holdProxy, makeSession, uniqueDbName, useFaultServer, watchProcess } from '../support';

const server = useFaultServer();
const SERVER_SELECTION_MS = 200; // the store fails a stalled command 3 × this after a pool clear

type Store = ReturnType<typeof MongoStore.create>;
// `holdsLater`: whether the session's later writes wait for it (a set() keeps their call order; a destroy()
// waits only for the writes before it).
const cases: Array<[string, object, (store: Store) => Promise<void>, boolean]> = [
  ['a set()', {}, (store) => store.set('victim', makeSession({ v: 2 })), true],
  ['a destroy() leaving a tombstone (a command of its own, not a shared one)', { destroyGrace: 60 }, (store) => store.destroy('victim'), false],
];

describe.each(cases)('%s still pending after the driver cleared its connection pool', (_, options, lose, holdsLater) => {
  it('fails with a network error, and the later writes of its session go on', async () => {
    const watch = watchProcess();
    const proxy = await holdProxy(firstHost(server.url));
    const fp = await failPoints(server.url);
    const client = new MongoClient(proxy.url, { appName: fp.appName, serverSelectionTimeoutMS: SERVER_SELECTION_MS });
    const poolCleared = new Promise<void>((resolve) => client.once('connectionPoolCleared', () => resolve()));
    const dbName = uniqueDbName('stalled');
    const store = MongoStore.create({ client, dbName, ...options });
    try {
      await store.set('victim', makeSession({ v: 1 }));
      const held = proxy.hold('update');
      const lost = lose(store);
      lost.catch(() => undefined); // awaited below
      let laterDone = false;
      const later = store.set('victim', makeSession({ v: 3 })).then(() => (laterDone = true));
      await held.reached;
      // Without a pool clear, a pending set() keeps its place: the next one waits (another session's read passes).
      await store.get('someone-else');
      if (holdsLater) expect(laterDone).toBe(false);

      // A read whose connection MongoDB closes: the driver clears its pool (and retries the read once).
      await fp.set({ times: 1 }, { failCommands: ['find'], closeConnection: true });
      await store.get('someone-else').catch(() => undefined);
      await poolCleared;

      const err = await lost.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(MongoNetworkError);
      expect((err as Error).message).toMatch(/^connect-mongo: no reply from MongoDB 600 ms after the driver found its connections closed$/);
      await later;
      expect(await store.get('victim')).toMatchObject({ v: 3 });
      expect(await server.raw.db(dbName).collection('sessions').countDocuments()).toBe(1);
    } finally {
      await store.close();
      await fp.close();
    }
    await watch.expectQuiet();
  });
});
