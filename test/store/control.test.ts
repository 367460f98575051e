// The opt-in controls over sessions: per-user sessions, tombstones against resurrection, an absolute
// lifetime, ttl per session, disableTouch, streaming listings and a close() that leaves a shared client open.
// Each runs through Express with real cookies where a browser would be involved.
import express from 'express';
import session from 'express-session';
import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { MongoStore, type ConnectMongoOptions } from '../../src/index';
import { clockPast, commandLog, listen, makeSession, makeStore, mongoUrl, onCleanup, rawCollection, sid, track, uniqueDbName } from '../support';

declare module 'express-session' {
  interface SessionData {
    controlUser?: string;
    controlRemember?: boolean;
    controlHits?: number;
  }
}

/**
 * An app whose /slow request holds its session until `release()` is called, then changes it; `started()`
 * resolves once the request is held (its session loaded).
 */
async function app(store: MongoStore) {
  let release: () => void = () => {};
  let held: () => void = () => {};
  const holding = new Promise<void>((r) => (held = r));
  const gate = () => {
    held();
    return new Promise<void>((r) => (release = r));
  };
  const a = express();
  a.use(session({ secret: 'control', store, resave: false, saveUninitialized: false, cookie: { maxAge: 3_600_000 } }));
  a.post('/login/:user', (req, res, next) =>
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.controlUser = req.params.user;
      req.session.controlRemember = req.query.remember === '1';
      res.json({ sid: req.sessionID });
    }),
  );
  a.get('/me', (req, res) => res.json({ sid: req.sessionID, user: req.session.controlUser ?? null }));
  a.get('/slow', async (req, res) => {
    await gate();
    req.session.controlHits = (req.session.controlHits ?? 0) + 1;
    res.json({ sid: req.sessionID });
  });
  a.post('/logout', (req, res, next) => req.session.destroy((err) => (err ? next(err) : res.json({ ok: true }))));
  const { url, close } = await listen(a);
  onCleanup(close);
  return { agent: () => supertest.agent(url), started: () => holding, release: () => release() };
}

const userOf = (s: session.SessionData) => s.controlUser;

describe('userId: sessions per user, and "log out everywhere"', () => {
  it('stores the user id on the document, lists and ends that user’s sessions, keeps the one excepted', async () => {
    const { store, collection } = makeStore({ userId: userOf });
    const { agent } = await app(store);
    const [phone, laptop, bob] = [agent(), agent(), agent()];
    const phoneSid = (await phone.post('/login/alice')).body.sid as string;
    await laptop.post('/login/alice');
    await bob.post('/login/bob');
    const docs = await (await collection()).find({}, { projection: { userId: 1 } }).toArray();
    expect(docs.map((d) => d.userId).sort()).toEqual(['alice', 'alice', 'bob']);
    const listed = await store.sessionsByUser('alice');
    expect(listed).toHaveLength(2);
    expect(listed.map((s) => s.id)).toContain(phoneSid);
    expect(listed.every((s) => s.expires instanceof Date)).toBe(true);

    expect(await store.destroyByUser('alice', { except: phoneSid })).toBe(1);
    expect((await phone.get('/me')).body.user).toBe('alice');
    expect((await laptop.get('/me')).body.user).toBeNull();
    expect((await bob.get('/me')).body.user).toBe('bob');
    expect(await store.destroyByUser('alice')).toBe(1);
    expect((await phone.get('/me')).body.user).toBeNull();
  });

  it('removes the field when the function returns undefined; touch() never changes it; an index exists', async () => {
    const { store, collection } = makeStore({ userId: userOf });
    const id = sid();
    await store.set(id, makeSession({ controlUser: 'carol' }));
    await store.touch(id, makeSession({ controlUser: 'mallory' }));
    expect((await (await collection()).findOne({ _id: id as never }))?.userId).toBe('carol');
    await store.set(id, makeSession({}));
    expect(await (await collection()).findOne({ _id: id as never })).not.toHaveProperty('userId');
    const indexes = await (await collection()).listIndexes().toArray();
    expect(indexes.some((i) => i.key.userId === 1)).toBe(true);
  });

  it('refuses a non-string result, and the by-user methods without the option, naming `userId`', async () => {
    const { store } = makeStore({ userId: () => 42 as never });
    await expect(store.set(sid(), makeSession())).rejects.toThrow(/option `userId` must return/);
    const plain = makeStore().store;
    await expect(plain.destroyByUser('alice')).rejects.toThrow(/`userId` option/);
    await expect(plain.sessionsByUser('')).rejects.toThrow(/`userId` must be a non-empty string/);
  });
});

describe('destroyGrace: a logout is not undone by a slow request that started before it', () => {
  async function race(options: Partial<ConnectMongoOptions>) {
    const { store, collection } = makeStore(options);
    const refused: unknown[][] = [];
    store.on('refused', (...args: unknown[]) => refused.push(args));
    const { agent, started, release } = await app(store);
    const browser = agent();
    const loginSid = (await browser.post('/login/dave')).body.sid as string;
    const slow = browser.get('/slow').then((r) => r); // starts, holds the session
    await started();
    await browser.post('/logout');
    release();
    await slow;
    const doc = await (await collection()).findOne({ _id: loginSid as never });
    return { store, doc, refused, loginSid, after: (await browser.get('/me')).body };
  }

  it('without it, the late save brings the session back (the race is real)', async () => {
    const { doc, after, loginSid } = await race({});
    expect(doc?.session).toBeDefined();
    expect(after).toEqual({ sid: loginSid, user: 'dave' });
  });

  it('with it, the late save stores nothing, emits refused, and the next request gets a new session', async () => {
    const { store, doc, refused, after, loginSid } = await race({ destroyGrace: 60 });
    expect(doc).toMatchObject({ tombstone: true });
    expect(doc).not.toHaveProperty('session');
    expect(refused).toEqual([[loginSid, 'set']]);
    expect(after.user).toBeNull();
    expect(after.sid).not.toBe(loginSid);
    expect(await store.get(loginSid)).toBeNull();
    expect(await store.ids()).not.toContain(loginSid);
  });

  it('a late touch is refused too, and an expired tombstone refuses nothing', async () => {
    const { store, collection } = makeStore({ destroyGrace: 60, autoRemove: 'disabled' });
    const id = sid();
    await store.set(id, makeSession({ n: 1 }));
    await store.destroy(id);
    const refused: unknown[][] = [];
    store.on('refused', (...args: unknown[]) => refused.push(args));
    await store.touch(id, makeSession({ n: 1 }));
    expect(refused).toEqual([[id, 'touch']]);
    await (await collection()).updateOne({ _id: id as never }, { $set: { expires: new Date(Date.now() - 1000) } });
    await store.set(id, makeSession({ n: 2 }));
    expect(await store.get(id)).toMatchObject({ n: 2 });
  });
});

describe('maxLifetime: an absolute limit since creation', () => {
  it('caps expires at createdAt + maxLifetime, and regenerate() (a new id) restarts the clock', async () => {
    const { store, collection } = makeStore({ maxLifetime: 600 });
    const id = sid();
    await store.set(id, makeSession({ n: 1 }, 3_600_000));
    const doc = await (await collection()).findOne({ _id: id as never });
    expect(doc!.createdAt).toBeInstanceOf(Date);
    expect(doc!.expires.getTime()).toBe(doc!.createdAt.getTime() + 600_000);
    await store.touch(id, makeSession({ n: 1 }, 3_600_000));
    expect((await (await collection()).findOne({ _id: id as never }))!.expires.getTime()).toBe(doc!.createdAt.getTime() + 600_000);
    const fresh = sid();
    await clockPast(doc!.createdAt.getTime());
    await store.set(fresh, makeSession({ n: 1 }, 3_600_000));
    const next = await (await collection()).findOne({ _id: fresh as never });
    expect(next!.createdAt.getTime()).toBeGreaterThan(doc!.createdAt.getTime());
  });

  it('a session older than maxLifetime is gone for get, touch, all, length and ids, and refuses set', async () => {
    const { store, collection } = makeStore({ maxLifetime: 600, autoRemove: 'disabled' });
    const [old, young] = [sid(), sid()];
    await store.set(old, makeSession({ n: 1 }));
    await store.set(young, makeSession({ n: 2 }));
    await (await collection()).updateOne({ _id: old as never }, { $set: { createdAt: new Date(Date.now() - 601_000) } });
    expect(await store.get(old)).toBeNull();
    expect(await store.length()).toBe(1);
    expect(await store.ids()).toEqual([young]);
    expect(await store.all()).toHaveLength(1);
    const before = await (await collection()).findOne({ _id: old as never });
    await store.touch(old, makeSession({ n: 1 }));
    await store.set(old, makeSession({ n: 3 }));
    expect(await (await collection()).findOne({ _id: old as never })).toEqual(before);
  });
});

describe('ttl as a function', () => {
  it('decides per session and wins over the cookie ("remember me")', async () => {
    const ttl = (s: unknown) => ((s as session.SessionData).controlRemember ? 30 * 86_400 : 3600);
    const { store, collection } = makeStore({ ttl });
    const { agent } = await app(store);
    const remembered = (await agent().post('/login/erin?remember=1')).body.sid as string;
    const forgotten = (await agent().post('/login/erin')).body.sid as string;
    const expiresIn = async (id: string) => (await (await collection()).findOne({ _id: id as never }))!.expires.getTime() - Date.now();
    expect(await expiresIn(remembered)).toBeGreaterThan(29 * 86_400_000);
    expect(await expiresIn(forgotten)).toBeLessThanOrEqual(3_600_000);
    expect(await expiresIn(forgotten)).toBeGreaterThan(3_500_000);
  });

  it('0 or less destroys the session; a non-finite result is an error naming ttl', async () => {
    let seconds = 60;
    const { store } = makeStore({ ttl: () => seconds });
    const id = sid();
    await store.set(id, makeSession());
    seconds = 0;
    await store.set(id, makeSession());
    expect(await store.get(id)).toBeNull();
    seconds = Number.NaN;
    await expect(store.set(id, makeSession())).rejects.toThrow(/option `ttl` returned NaN/);
  });
});

describe('disableTouch', () => {
  it('touch() sends nothing and emits nothing, even with touchAfter', async () => {
    const { client, commands: updates } = commandLog({ keep: (e) => e.commandName === 'update' });
    const store = track(MongoStore.create({ client, dbName: uniqueDbName('notouch'), disableTouch: true, touchAfter: 1 }));
    const id = sid();
    await store.set(id, makeSession());
    const touched: unknown[] = [];
    store.on('touch', (x: unknown) => touched.push(x));
    updates.length = 0;
    await store.touch(id, makeSession());
    expect(updates).toEqual([]);
    expect(touched).toEqual([]);
  });
});

describe('ids() and entries()', () => {
  it('entries() streams in cursor batches and reports or skips what it cannot read', async () => {
    const { client, commands: getMores } = commandLog({ keep: (e) => e.commandName === 'getMore' });
    const dbName = uniqueDbName('entries');
    const store = track(MongoStore.create({ client, dbName }));
    const raw = await rawCollection(dbName);
    const expires = new Date(Date.now() + 60_000);
    await raw.insertMany(Array.from({ length: 2500 }, (_, i) => ({ _id: `s${i}` as never, session: JSON.stringify({ i }), expires })));
    await raw.insertOne({ _id: 'broken' as never, session: '{not json', expires });
    await raw.insertOne({ _id: 'expired' as never, session: '{}', expires: new Date(Date.now() - 1000) });
    await expect(async () => {
      for await (const entry of store.entries()) void entry;
    }).rejects.toThrow(/unreadable/);
    const skipped: string[] = [];
    let count = 0;
    for await (const [id, s] of store.entries({ skipUnreadable: true, onUnreadable: (bad) => skipped.push(bad) })) {
      expect(s).toEqual({ i: Number(id.slice(1)) });
      count++;
    }
    expect(count).toBe(2500);
    expect(skipped).toEqual(['broken']);
    expect(getMores.length).toBeGreaterThanOrEqual(2);
    expect((await store.ids()).length).toBe(2501);
  });
});

describe('closeClient', () => {
  it('false: close() leaves a shared client open; the default closes it, as connect-mongo', async () => {
    const shared = await MongoClient.connect(mongoUrl());
    const kept = MongoStore.create({ client: shared, dbName: uniqueDbName(), closeClient: false });
    await kept.set(sid(), makeSession());
    await kept.close();
    await expect(shared.db('admin').command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
    const closing = MongoStore.create({ clientPromise: Promise.resolve(shared), dbName: uniqueDbName() });
    await closing.length();
    await closing.close();
    await expect(shared.db('admin').command({ ping: 1 })).rejects.toThrow();
  });

  it('false with mongoUrl is an error naming the option', () => {
    expect(() => MongoStore.create({ mongoUrl: mongoUrl(), closeClient: false })).toThrow(/`closeClient: false`/);
  });
});
