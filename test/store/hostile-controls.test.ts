// The opt-in controls (hashSessionIds, maxLifetime, destroyGrace, userId) against someone who reads or writes
// the sessions collection without a key, reads what the process logs, or races a logout with a slow request.
// Each test is the attack; it must fail on a store that does not keep the promise.
import { createHash } from 'node:crypto';
import { format, inspect } from 'node:util';
import express from 'express';
import session from 'express-session';
import supertest from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MongoStore, createWebCryptoAdapter } from '../../src/index';
import { TestMongoServer } from '../../mongo-server';
import { commandLog, listen, makeSession, makeStore, onCleanup, sid, track, uniqueDbName } from '../support';

declare module 'express-session' {
  interface SessionData {
    hostileUser?: string;
    hostileHits?: number;
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const DAY = 86_400_000;
const userOf = (s: session.SessionData) => s.hostileUser;

/**
 * An app whose GET /slow loads its session, says so (`loaded`), and saves it only once `release()` is called:
 * a request still in flight while something else happens to its session.
 */
async function slowApp(store: MongoStore) {
  let loaded: () => void = () => {};
  let release: () => void = () => {};
  const a = express();
  a.use(session({ secret: 'hostile', store, resave: false, saveUninitialized: false, cookie: { maxAge: 14 * DAY } }));
  a.post('/login/:user', (req, res, next) =>
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.hostileUser = req.params.user;
      res.json({ sid: req.sessionID });
    }),
  );
  a.get('/me', (req, res) => res.json({ sid: req.sessionID, user: req.session.hostileUser ?? null }));
  a.get('/slow', async (req, res) => {
    const gate = new Promise<void>((r) => (release = r));
    loaded();
    await gate;
    req.session.hostileHits = (req.session.hostileHits ?? 0) + 1;
    res.json({ sid: req.sessionID });
  });
  const { url, close } = await listen(a);
  onCleanup(close);
  return {
    agent: () => supertest.agent(url),
    /** Starts GET /slow on `agent`; resolves once its session is loaded, with the response still pending. */
    slow: async (agent: ReturnType<typeof supertest.agent>) => {
      const started = new Promise<void>((r) => (loaded = r));
      const response = agent.get('/slow').then((r) => r);
      await started;
      return { finish: () => (release(), response) };
    },
  };
}

describe('hashSessionIds: a hashed _id from a dump is not a session id', () => {
  it('with migrate, get/touch/set/destroy of a hashed _id never reach the session stored under it', async () => {
    const { store, collection } = makeStore({ hashSessionIds: { migrate: true } });
    const victim = sid('victim');
    await store.set(victim, makeSession({ hostileUser: 'victim' }));
    const dumped = (await (await collection()).find({}).toArray()).map((d) => String(d._id));
    expect(dumped).toEqual([sha256(victim)]);
    const [replayed] = dumped;
    const before = await (await collection()).findOne({ _id: replayed as never });

    expect(await store.get(replayed)).toBeNull();
    await store.touch(replayed, makeSession({}, 300 * DAY));
    await store.set(replayed, makeSession({ hostileUser: 'attacker' }));
    await store.destroy(replayed);

    expect(await (await collection()).findOne({ _id: replayed as never })).toEqual(before);
    expect(await store.get(victim)).toMatchObject({ hostileUser: 'victim' });
  });

  it('with migrate, a write sends the plain sid only to move a session found under it', async () => {
    const { client, commands } = commandLog({ keep: (e) => ['find', 'update', 'delete'].includes(e.commandName) });
    const dbName = uniqueDbName('migrate');
    const store = track(MongoStore.create({ client, dbName, hashSessionIds: { migrate: true } }));
    const fresh = sid('fresh');
    await store.set(fresh, makeSession({ n: 1 }));
    await store.set(fresh, makeSession({ n: 2 }));
    expect(commands.map((c) => c.commandName)).toEqual(['update', 'update']);
    expect(JSON.stringify(commands.map((c) => c.command))).not.toContain(fresh);

    const legacy = sid('legacy');
    await makeStore({ dbName }).store.set(legacy, makeSession({ n: 1 }));
    commands.length = 0;
    const loaded = await store.get(legacy);
    await store.set(legacy, loaded!);
    expect(commands.map((c) => c.commandName)).toEqual(['find', 'update', 'delete']);
    expect(await (await store.collectionP).find({}).map((d) => d._id).toArray()).toEqual(
      expect.arrayContaining([sha256(fresh), sha256(legacy)]),
    );
    expect(await (await store.collectionP).countDocuments()).toBe(2);
    commands.length = 0;
    await store.destroy(fresh); // the plain id may still hold it: both go in one command
    expect(commands.map((c) => c.commandName)).toEqual(['delete']);
  });

  it('with migrate, destroyByUser(u, { except }) keeps the current session when it is not moved yet', async () => {
    const { dbName, collection } = makeStore();
    const plain = makeStore({ dbName, userId: userOf }).store;
    const [current, other] = [sid('current'), sid('other')];
    await plain.set(current, makeSession({ hostileUser: 'alice' }));
    await plain.set(other, makeSession({ hostileUser: 'alice' }));
    const { store } = makeStore({ dbName, userId: userOf, hashSessionIds: { migrate: true } });
    expect(await store.destroyByUser('alice', { except: current })).toBe(1);
    expect(await store.get(current)).toMatchObject({ hostileUser: 'alice' });
    expect(await (await collection()).countDocuments({ _id: other as never })).toBe(0);
  });
});

describe('hashSessionIds with migrate and destroyGrace', () => {
  it('a late save of a session not moved yet, loaded before its logout, stores nothing', async () => {
    const { dbName, collection } = makeStore();
    const id = sid('unmoved');
    await makeStore({ dbName }).store.set(id, makeSession({ hostileUser: 'frank' }));
    const { store } = makeStore({ dbName, hashSessionIds: { migrate: true }, destroyGrace: 60 });
    const refused: unknown[][] = [];
    store.on('refused', (...args: unknown[]) => refused.push(args));
    const loaded = await store.get(id); // the slow request
    await store.destroy(id); // the logout
    await store.set(id, Object.assign(loaded!, { hostileHits: 1 })); // the slow request ends
    expect(await store.get(id)).toBeNull();
    expect(await (await collection()).find({ session: { $exists: true } }).toArray()).toEqual([]);
    expect(refused).toEqual([[sha256(id), 'set']]);
  });
});

describe('hashSessionIds: every id the store hands out can be used', () => {
  it('storedId(sid) says which listed session is the caller’s; destroyStored() ends a listed one', async () => {
    const { store } = makeStore({ hashSessionIds: { secret: 'pepper-0123456789abcdef0123456789' }, userId: userOf, destroyGrace: 60 });
    const [phone, laptop] = [sid('phone'), sid('laptop')];
    await store.set(phone, makeSession({ hostileUser: 'alice' }));
    await store.set(laptop, makeSession({ hostileUser: 'alice' }));
    const listed = (await store.sessionsByUser('alice')).map((s) => s.id);
    expect(listed).toContain(store.storedId(phone));
    expect((await store.ids()).sort()).toEqual(listed.sort());
    const laptopId = listed.find((id) => id !== store.storedId(phone))!;
    expect(laptopId).toBe(store.storedId(laptop));
    await store.destroyStored(laptopId);
    expect(await store.get(laptop)).toBeNull();
    expect(await store.get(phone)).toMatchObject({ hostileUser: 'alice' });
    expect((await store.sessionsByUser('alice')).map((s) => s.id)).toEqual([store.storedId(phone)]);
  });
});

describe('maxLifetime: a session that outlived its lifetime never comes back', () => {
  afterEach(() => void vi.useRealTimers());

  it('a slow request saving after the TTL monitor removed the session does not restart its lifetime', async () => {
    const { store, collection } = makeStore({ maxLifetime: 3600 });
    const { agent, slow } = await slowApp(store);
    const browser = agent();
    const id = (await browser.post('/login/erin')).body.sid as string;
    const created = (await (await collection()).findOne({ _id: id as never }))!.createdAt as Date;
    const request = await slow(browser);
    await (await collection()).deleteOne({ _id: id as never }); // what the TTL monitor does at createdAt + maxLifetime
    await request.finish();
    const doc = await (await collection()).findOne({ _id: id as never });
    expect(doc?.createdAt).toEqual(created);
    expect((doc!.expires as Date).getTime()).toBeLessThanOrEqual(created.getTime() + 3_600_000);
  });

  it('once past its lifetime, a late save of a session loaded while it was live stores nothing', async () => {
    const { store, collection } = makeStore({ maxLifetime: 3600 });
    const refused: unknown[][] = [];
    store.on('refused', (...args: unknown[]) => refused.push(args));
    const { agent, slow } = await slowApp(store);
    const browser = agent();
    const id = (await browser.post('/login/erin')).body.sid as string;
    const request = await slow(browser);
    await (await collection()).deleteOne({ _id: id as never });
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 3_601_000 }); // the store's clock, past the lifetime
    await request.finish();
    expect(await (await collection()).findOne({ _id: id as never })).toBeNull();
    expect(refused).toEqual([[id, 'set']]);
  });

  it('a session written before maxLifetime was on gets a creation date at its next set() or touch()', async () => {
    const { dbName, collection } = makeStore();
    const [written, touched] = [sid(), sid()];
    const before = makeStore({ dbName }).store;
    await before.set(written, makeSession({ n: 1 }, 14 * DAY));
    await before.set(touched, makeSession({ n: 1 }, 14 * DAY));
    const { store } = makeStore({ dbName, maxLifetime: 3600 });
    await store.set(written, (await store.get(written))!);
    await store.touch(touched, makeSession({ n: 1 }, 14 * DAY));
    for (const id of [written, touched]) {
      const doc = await (await collection()).findOne({ _id: id as never });
      expect(doc!.createdAt).toBeInstanceOf(Date);
      expect((doc!.expires as Date).getTime()).toBeLessThanOrEqual((doc!.createdAt as Date).getTime() + 3_600_000);
    }
  });
});

describe('maxLifetime: a creation date planted by someone writing the collection', () => {
  it('a createdAt that is not a date makes the session gone for every method, never immortal', async () => {
    const { store, collection } = makeStore({ maxLifetime: 3600, autoRemove: 'disabled' });
    const id = sid();
    await store.set(id, makeSession({ n: 1 }));
    await (await collection()).updateOne({ _id: id as never }, { $set: { createdAt: 'forever' } });
    expect(await store.get(id)).toBeNull();
    expect(await store.ids()).toEqual([]);
    expect(await store.length()).toBe(0);
  });
});

describe('tombstones, whatever the options of the instance reading them', () => {
  it('a store without destroyGrace sees no session in a tombstone, and does not write a session into one', async () => {
    const { dbName, collection } = makeStore();
    const graceful = makeStore({ dbName, destroyGrace: 600 }).store;
    const id = sid();
    await graceful.set(id, makeSession({ n: 1 }));
    await graceful.destroy(id);
    const tombstone = await (await collection()).findOne({ _id: id as never });
    expect(tombstone).toMatchObject({ tombstone: true });

    const { store: older } = makeStore({ dbName });
    expect(await older.get(id)).toBeNull();
    expect(await older.all()).toEqual([]);
    expect(await older.length()).toBe(0);
    expect(await older.ids()).toEqual([]);
    await older.set(id, makeSession({ n: 2 }));
    await older.touch(id, makeSession({ n: 2 }));
    await older.destroy(id);
    expect(await (await collection()).findOne({ _id: id as never })).toEqual(tombstone);
    expect(await graceful.get(id)).toBeNull();
  });

  it('destroy() of an id that was never stored writes nothing', async () => {
    const { store, collection } = makeStore({ destroyGrace: 600 });
    await Promise.all(Array.from({ length: 20 }, () => store.destroy(sid('anonymous'))));
    expect(await (await collection()).countDocuments()).toBe(0);
  });
});

describe('inspecting the store shows no secret', () => {
  const PEPPER = 'pepper-Vb7Qm2Kx9Lz4Wn8Rt1';
  const KEY = 'adapter-secret-Hc5Jd3Fp6Gs0Yu2-0123456789abcdef';
  const PASSWORD = 'uri-password-Tq8Ze4Mw1Na7';

  /** Every string reachable from `root` through own enumerable properties (Buffers as text, hex and base64). */
  function reachableText(root: unknown): string {
    const seen = new Set<unknown>();
    const out: string[] = [];
    const visit = (v: unknown, depth: number) => {
      if (typeof v === 'string') return void out.push(v);
      if (typeof v !== 'object' || v === null || seen.has(v) || depth > 60) return;
      seen.add(v);
      if (ArrayBuffer.isView(v)) {
        const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        return void out.push(b.toString('utf8'), b.toString('hex'), b.toString('base64'));
      }
      if (v instanceof Map) {
        for (const [k, x] of v) {
          visit(k, depth + 1);
          visit(x, depth + 1);
        }
      }
      if (v instanceof Set) for (const x of v) visit(x, depth + 1);
      for (const key of Object.keys(v)) visit((v as Record<string, unknown>)[key], depth + 1);
    };
    visit(root, 0);
    return out.join('\n');
  }

  it('neither the hashSessionIds pepper, an adapter secret nor the password of the URL the store connected with', async () => {
    const server = new TestMongoServer({ users: [{ user: 'app', password: PASSWORD }] });
    const url = await server.start();
    onCleanup(() => server.stop());
    const leaks: string[] = [];
    for (const encryption of [{ cryptoAdapter: createWebCryptoAdapter({ secret: KEY }) }, { crypto: { secret: KEY } }]) {
      const store = track(
        MongoStore.create({
          mongoUrl: url.replace('mongodb://', `mongodb://app:${PASSWORD}@`),
          dbName: uniqueDbName('inspect'),
          hashSessionIds: { secret: PEPPER },
          ...encryption,
        }),
      );
      const id = sid();
      await store.set(id, makeSession({ n: 1 }));
      await Promise.all([store.get(id), store.get(sid())]);
      const views: Array<[string, string]> = [
        ['inspect', inspect(store, { depth: Infinity, showHidden: true, getters: true })],
        ['inspect without custom inspectors', inspect(store, { depth: Infinity, showHidden: true, customInspect: false })],
        ['%o', format('%o', store)],
        ['%O', format('%O', store)],
        ['JSON.stringify', JSON.stringify(store) ?? ''],
        ['own enumerable properties', reachableText(store)],
      ];
      for (const [view, text] of views) {
        for (const secret of [PEPPER, KEY, PASSWORD]) {
          for (const form of [secret, Buffer.from(secret).toString('hex'), Buffer.from(secret).toString('base64')]) {
            if (text.includes(form)) leaks.push(`${secret} in ${view} (${Object.keys(encryption)[0]})`);
          }
        }
      }
      expect(inspect(store)).toMatch(/MongoStore/);
    }
    expect(leaks).toEqual([]);
  });
});
