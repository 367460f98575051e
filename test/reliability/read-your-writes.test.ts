// Read-your-writes on a replica set: an app whose client prefers secondaries (readPreference=secondaryPreferred,
// a common URI setting) still sees, on the next request, the session the previous one wrote, because the store
// reads from the primary unless told otherwise. Runs on MONGO_URL when it names a replica set (pausing
// replication needs enableTestCommands=1), otherwise on an in-process replica set.
import { describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { MongoStore } from '../../src/index';
import { makeSession, onCleanup, startTrafficApp, trafficUser, uniqueDbName, useReplicaSet, watchProcess } from '../support';

const rs = useReplicaSet();
const HANG_MS = 10_000;

async function storeOn(options: Partial<Parameters<typeof MongoStore.create>[0]> = {}) {
  const client = new MongoClient(rs.url, { readPreference: 'secondaryPreferred' });
  const dbName = uniqueDbName('ryw');
  const store = MongoStore.create({ client, dbName, ...options });
  onCleanup(() => store.close());
  // Connected and its TTL index built while every member still replicates.
  await store.collectionP;
  return { client, dbName, store };
}

async function pause(hosts: string[]): Promise<void> {
  await rs.pauseReplication(hosts, true);
  onCleanup(() => rs.pauseReplication(hosts, false));
}

describe('a client preferring secondaries (secondaryPreferred)', () => {
  it('no secondary replicating, w:1 writes: every request sees the session the previous one wrote; a store told to read secondaries does not', async () => {
    const watch = watchProcess();
    const { client, dbName, store } = await storeOn({ writeOperationOptions: { w: 1 } });
    const knowingly = MongoStore.create({ client, dbName, readPreference: 'secondaryPreferred', closeClient: false });
    onCleanup(() => knowingly.close());
    await pause(rs.hosts);
    const app = await startTrafficApp(store);
    onCleanup(() => app.close());

    const users = Array.from({ length: 8 }, (_, i) => ({ name: `user${i}`, http: trafficUser(app.base, HANG_MS) }));
    for (const u of users) {
      expect(await u.http.request('POST', `/login/${u.name}`)).toEqual({ status: 200, body: { user: u.name, n: 0 } });
      expect(await u.http.request('POST', '/bump')).toEqual({ status: 200, body: { user: u.name, n: 1 } });
      expect(await u.http.request('GET', '/whoami')).toEqual({ status: 200, body: { user: u.name, n: 1 } });
    }
    // Every read of the store sees the primary's data: get, length, all, ids.
    await store.set('direct', makeSession({ v: 1 }));
    expect(await store.get('direct')).toMatchObject({ v: 1 });
    expect(await store.length()).toBe(users.length + 1);
    expect((await store.all()).length).toBe(users.length + 1);
    expect(await store.ids()).toContain('direct');

    // What the app's own preference would have read: secondaries that have none of these sessions.
    expect(await knowingly.get(users[0].http.sid!)).toBeNull();
    expect(await knowingly.length()).toBe(0);
    // collectionP is the collection as the client sees it (connect-mongo's), with the client's preference.
    expect((await store.collectionP).readPreference?.mode).toBe('secondaryPreferred');
    await watch.stop();
    expect(watch.unhandled).toEqual([]);
  });

  it('majority writes, one secondary not replicating: the lagging secondary lacks the sessions, yet no request misses its own', async () => {
    const { dbName, store } = await storeOn();
    const [lagging] = await rs.secondaries();
    await pause([lagging]);
    const app = await startTrafficApp(store);
    onCleanup(() => app.close());
    const users = Array.from({ length: 16 }, (_, i) => ({ name: `user${i}`, http: trafficUser(app.base, HANG_MS) }));
    await Promise.all(
      users.map(async (u) => {
        expect((await u.http.request('POST', `/login/${u.name}`)).status).toBe(200);
        for (let n = 1; n <= 3; n++) {
          expect(await u.http.request('POST', '/bump')).toEqual({ status: 200, body: { user: u.name, n } });
          expect(await u.http.request('GET', '/whoami')).toEqual({ status: 200, body: { user: u.name, n } });
        }
      }),
    );
    const onLagging = rs.direct(lagging).db(dbName).collection('sessions');
    expect(await onLagging.countDocuments()).toBe(0);
  });
});
