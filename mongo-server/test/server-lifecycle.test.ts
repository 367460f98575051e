// Server lifecycle seen through the driver: streaming heartbeats without pool clears, restart with data
// kept, and the TTL monitor. Restarting needs a server the test owns (the in-process test server).
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MongoClient, type Document } from 'mongodb';
import { mongoBackend, mongoUrl, uniqueDbName } from '../../test/support/mongo';
import { TestMongoServer } from '..';

const ownServer = mongoBackend() === 'in-process';
const DRIVER_MAJOR = Number((createRequire(import.meta.url)('mongodb/package.json') as { version: string }).version.split('.')[0]);
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function startOwn(options: ConstructorParameters<typeof TestMongoServer>[0] = {}): Promise<TestMongoServer> {
  const server = new TestMongoServer(options);
  await server.start();
  cleanups.push(() => server.stop());
  return server;
}

function track(client: MongoClient): MongoClient {
  cleanups.push(() => client.close());
  return client;
}

describe('streaming hello', () => {
  it('keeps a client healthy over many streamed heartbeats: no failed heartbeat, no pool cleared', async () => {
    const events = { succeeded: 0, awaited: 0, failed: [] as unknown[], cleared: 0 };
    const client = track(new MongoClient(mongoUrl(), { heartbeatFrequencyMS: 500 }));
    client.on('serverHeartbeatSucceeded', (e) => {
      events.succeeded++;
      // Driver 6+ marks streamed (awaited) heartbeats; driver 5 streams too but does not say so in events.
      if ((e as { awaited?: boolean }).awaited) events.awaited++;
    });
    client.on('serverHeartbeatFailed', (e) => events.failed.push(e.failure));
    client.on('connectionPoolCleared', () => events.cleared++);
    await client.connect();
    const c = client.db(uniqueDbName('hb')).collection('beats');
    cleanups.push(() => c.drop().catch(() => undefined));
    // Keep working while several heartbeat periods go by.
    await vi.waitFor(
      async () => {
        await c.insertOne({ at: new Date() });
        expect(events.succeeded).toBeGreaterThanOrEqual(5);
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(await c.countDocuments({})).toBeGreaterThan(0);
    if (DRIVER_MAJOR >= 6) expect(events.awaited).toBeGreaterThanOrEqual(3);
    expect(events.failed).toEqual([]);
    expect(events.cleared).toBe(0);
  });
});

describe.runIf(ownServer)('restart (needs a server the test can stop: the in-process test server)', () => {
  it('stop() closes every connection; start() again serves the same port and data with a new processId', async () => {
    const server = await startOwn();
    const url = server.url;
    const client = track(new MongoClient(url, { serverSelectionTimeoutMS: 500 }));
    const coll = client.db('restart').collection('kept');
    await coll.insertOne({ _id: 'survivor', v: 1 } as Document);
    const before = await client.db('admin').command({ hello: 1 });
    expect(before.topologyVersion?.processId).toBeDefined();

    await server.stop();
    await expect(coll.findOne({})).rejects.toThrow();

    expect(await server.start()).toBe(url);
    const fresh = track(new MongoClient(url));
    expect(await fresh.db('restart').collection('kept').findOne({ _id: 'survivor' } as Document)).toEqual({ _id: 'survivor', v: 1 });
    const after = await fresh.db('admin').command({ hello: 1 });
    expect(after.topologyVersion.processId.equals(before.topologyVersion.processId)).toBe(false);
    // The client from before the restart recovers on its own.
    await vi.waitFor(async () => expect(await coll.countDocuments({})).toBe(1), { timeout: 10_000, interval: 100 });
  });
});

describe('TTL monitor', () => {
  /** A server whose TTL monitor runs every second: our own, or the shared one with the parameter set (and restored). */
  async function ttlServer(): Promise<string> {
    if (ownServer) return (await startOwn({ ttlMonitorSleepSecs: 1 })).url;
    const admin = track(new MongoClient(mongoUrl())).db('admin');
    const { was } = await admin.command({ setParameter: 1, ttlMonitorSleepSecs: 1 });
    cleanups.push(() => admin.command({ setParameter: 1, ttlMonitorSleepSecs: was }));
    return mongoUrl();
  }

  it('deletes documents whose TTL-indexed date + expireAfterSeconds is past, and only those', async () => {
    const client = track(new MongoClient(await ttlServer()));
    const c = client.db(uniqueDbName('ttl')).collection('sessions');
    cleanups.push(() => c.drop().catch(() => undefined));
    await c.createIndex({ expires: 1 }, { expireAfterSeconds: 0 });
    const now = Date.now();
    await c.insertMany([
      { _id: 'expired', expires: new Date(now - 60_000) },
      { _id: 'future', expires: new Date(now + 3_600_000) },
      { _id: 'array-earliest-past', expires: [new Date(now + 3_600_000), new Date(now - 60_000)] },
      { _id: 'not-a-date', expires: 'yesterday' },
      { _id: 'no-field' },
    ] as Document[]);
    await vi.waitFor(async () => expect(await c.countDocuments({})).toBe(3), { timeout: 15_000, interval: 200 });
    expect((await c.find({}).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual(['future', 'no-field', 'not-a-date']);
  });

  it('honours expireAfterSeconds on a creation date', async () => {
    const client = track(new MongoClient(await ttlServer()));
    const c = client.db(uniqueDbName('ttl')).collection('created');
    cleanups.push(() => c.drop().catch(() => undefined));
    await c.createIndex({ createdAt: 1 }, { expireAfterSeconds: 3600 });
    await c.insertMany([
      { _id: 'old', createdAt: new Date(Date.now() - 7_200_000) },
      { _id: 'young', createdAt: new Date() },
    ] as Document[]);
    await vi.waitFor(async () => expect((await c.find({}).toArray()).map((d) => d._id)).toEqual(['young']), { timeout: 15_000, interval: 200 });
  });

  it.runIf(ownServer)('setParameter ttlMonitorSleepSecs takes effect at once (server started with the default 60)', async () => {
    const server = await startOwn();
    const client = track(new MongoClient(server.url));
    const admin = client.db('admin');
    expect((await admin.command({ getParameter: 1, ttlMonitorSleepSecs: 1 })).ttlMonitorSleepSecs).toBe(60);
    const c = client.db('ttlparam').collection('s');
    await c.createIndex({ expires: 1 }, { expireAfterSeconds: 0 });
    await c.insertOne({ expires: new Date(Date.now() - 1000) });
    expect(await admin.command({ setParameter: 1, ttlMonitorSleepSecs: 1 })).toMatchObject({ was: 60, ok: 1 });
    expect((await admin.command({ getParameter: 1, ttlMonitorSleepSecs: 1 })).ttlMonitorSleepSecs).toBe(1);
    await vi.waitFor(async () => expect(await c.countDocuments({})).toBe(0), { timeout: 10_000, interval: 200 });
  });
});
