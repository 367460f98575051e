// Secrets at rest: hashed session ids (and their migration from plain ids), with no session id reaching
// MongoDB, debug output or events.
import { createHash, createHmac } from 'node:crypto';
import { format } from 'node:util';
import Debug from 'debug';
import { describe, expect, it } from 'vitest';
import { MongoClient, type CommandStartedEvent } from 'mongodb';
import { MongoStore } from '../src/index';
import { mongoUrl, uniqueDbName } from './helpers/mongo';
import { makeSession, makeStore, sid, track } from './store-helpers';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hmac = (key: string, s: string) => createHmac('sha256', key).update(s).digest('hex');

/** Runs fn with connect-mongo's debug output captured. */
async function captureDebug(fn: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const savedLog = Debug.log;
  const saved = Debug.disable();
  Debug.log = (...args: unknown[]) => void lines.push(format(...args));
  Debug.enable('connect-mongo');
  try {
    await fn();
  } finally {
    Debug.log = savedLog;
    Debug.disable();
    if (saved) Debug.enable(saved);
  }
  return lines.join('\n');
}

describe('hashSessionIds', () => {
  it('true: _id is SHA-256 of the sid; the sid reaches neither MongoDB, debug output nor events', async () => {
    const client = new MongoClient(mongoUrl(), { monitorCommands: true });
    const commands: CommandStartedEvent[] = [];
    client.on('commandStarted', (e) => commands.push(e));
    const dbName = uniqueDbName('hashed');
    const store = track(MongoStore.create({ client, dbName, hashSessionIds: true }));
    const id = sid('plain-session-id');
    const events: unknown[][] = [];
    for (const e of ['create', 'update', 'set', 'get', 'touch', 'destroy']) store.on(e, (...a: unknown[]) => events.push([e, a[0]]));
    const debugText = await captureDebug(async () => {
      await store.set(id, makeSession({ n: 1 }));
      expect(await store.get(id)).toMatchObject({ n: 1 });
      await store.touch(id, makeSession({ n: 1 }));
      const docs = await (await store.collectionP).find({}).toArray();
      expect(docs.map((d) => d._id)).toEqual([sha256(id)]);
      await store.destroy(id);
      expect(await store.get(id)).toBeNull();
    });
    expect(JSON.stringify(commands.map((c) => c.command))).not.toContain(id);
    expect(debugText).not.toContain(id);
    expect(debugText).toContain(sha256(id).slice(0, 16));
    expect(JSON.stringify(events)).not.toContain(id);
    expect(events[0]).toEqual(['create', sha256(id)]);
  });

  it('{ secret }: _id is HMAC-SHA-256(secret, sid)', async () => {
    const { store, collection } = makeStore({ hashSessionIds: { secret: 'pepper' } });
    const id = sid();
    await store.set(id, makeSession());
    expect(await (await collection()).findOne({ _id: hmac('pepper', id) as never })).not.toBeNull();
  });

  it('{ migrate }: a session stored under its plain id is found, and its next write moves it', async () => {
    const { dbName, collection } = makeStore();
    const plain = makeStore({ dbName }).store;
    const id = sid();
    await plain.set(id, makeSession({ before: 'hashing' }));
    const { store } = makeStore({ dbName, hashSessionIds: { migrate: true } });
    expect(await store.get(id)).toMatchObject({ before: 'hashing' });
    await store.touch(id, makeSession({ before: 'hashing' }));
    await store.set(id, makeSession({ after: 'hashing' }));
    const ids = (await (await collection()).find({}).toArray()).map((d) => d._id);
    expect(ids).toEqual([sha256(id)]);
    expect(await store.get(id)).toMatchObject({ after: 'hashing' });
    const again = sid();
    await plain.set(again, makeSession());
    await store.destroy(again);
    expect(await (await collection()).countDocuments({ _id: again as never })).toBe(0);
  });

  it('without migrate, a plain-id session is not found; with transformId it is a clear error', async () => {
    const { dbName } = makeStore();
    const id = sid();
    await makeStore({ dbName }).store.set(id, makeSession());
    expect(await makeStore({ dbName, hashSessionIds: true }).store.get(id)).toBeNull();
    expect(() => MongoStore.create({ mongoUrl: mongoUrl(), hashSessionIds: true, transformId: (s) => s })).toThrow(
      /`hashSessionIds` and `transformId` cannot be used together/,
    );
    expect(() => MongoStore.create({ mongoUrl: mongoUrl(), hashSessionIds: 'yes' as never })).toThrow(/`hashSessionIds` must be/);
  });
});
