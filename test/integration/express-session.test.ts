// The store behind express-session in real apps (Express 5, Express 4, Connect) with real cookies through
// supertest agents, checked both through the app and through the database with an independent client.
import { describe, expect, it } from 'vitest';
import type { Collection, Document } from 'mongodb';
import { createWebCryptoAdapter, type ConnectMongoOptions } from '../../src/index';
import { type AppOptions, FRAMEWORKS, HOUR, makeStore, monitoredClient, rawDb, sessionCookie, type SessionCookie, startFrameworkApp, uniqueDbName } from '../support';

/** The cookie's Expires has whole seconds; the document keeps milliseconds. */
const toSecond = (d: Date) => Math.floor(d.getTime() / 1000) * 1000;

describe.each(FRAMEWORKS)('%s + express-session + MongoStore', (framework) => {
  async function setup(storeOptions: Partial<ConnectMongoOptions> = {}, sessionOptions: AppOptions['session'] = {}, dbName = uniqueDbName('express')) {
    const sessions = async (): Promise<Collection<Document>> => (await rawDb(dbName)).collection('sessions');
    const { store } = makeStore({ ...storeOptions, dbName });
    const app = await startFrameworkApp(framework, {
      store,
      session: sessionOptions,
      vanish: async (sid) => {
        await (await sessions()).deleteOne({ _id: sid as unknown as Document['_id'] });
      },
    });
    return { dbName, store, app, agent: app.agent(), sessions };
  }

  const cookieOf = (res: { headers: Record<string, unknown> }): SessionCookie => {
    const cookie = sessionCookie(res);
    expect(cookie, 'response sets the session cookie').not.toBeNull();
    return cookie!;
  };

  describe('a session across requests', () => {
    it('counts across requests with one document whose expires matches the cookie', async () => {
      const { app, agent, sessions } = await setup();
      const r1 = await agent.get('/count').expect(200);
      const r2 = await agent.get('/count').expect(200);
      const r3 = await agent.get('/count').expect(200);
      expect([r1.body.count, r2.body.count, r3.body.count]).toEqual([1, 2, 3]);
      expect(new Set([r1.body.id, r2.body.id, r3.body.id]).size).toBe(1);

      const cookie = cookieOf(r3); // the session is modified on every request, so every response sets it
      expect(cookie.sid).toBe(r3.body.id);
      const docs = await (await sessions()).find().toArray();
      expect(docs).toHaveLength(1);
      expect(docs[0]._id).toBe(cookie.sid);
      expect(JSON.parse(docs[0].session).count).toBe(3);
      expect(docs[0].expires).toBeInstanceOf(Date);
      expect(toSecond(docs[0].expires)).toBe(cookie.expires!.getTime());
      expect(app.errors).toEqual([]);
    });

    it('stores nothing and sets no cookie for an uninitialised session (saveUninitialized: false)', async () => {
      const { app, agent, sessions } = await setup();
      const res = await agent.get('/peek').expect(200);
      expect(res.body.count).toBeNull();
      expect(sessionCookie(res)).toBeNull();
      await agent.get('/peek').expect(200);
      expect(await (await sessions()).countDocuments()).toBe(0);
      expect(app.errors).toEqual([]);
    });

    it('stores the uninitialised session when saveUninitialized is true', async () => {
      const { agent, sessions } = await setup({}, { saveUninitialized: true });
      const res = await agent.get('/peek').expect(200);
      const cookie = cookieOf(res);
      const docs = await (await sessions()).find().toArray();
      expect(docs.map((d) => d._id)).toEqual([cookie.sid]);
      expect(toSecond(docs[0].expires)).toBe(cookie.expires!.getTime());
    });

    it('keeps a session with a browser-session cookie (no maxAge) and stores the default ttl expiry', async () => {
      const { agent, sessions } = await setup({ ttl: 120 }, { cookie: { maxAge: undefined } });
      const r1 = await agent.get('/count').expect(200);
      expect(cookieOf(r1).expires).toBeNull();
      const r2 = await agent.get('/count').expect(200);
      expect(r2.body.count).toBe(2);
      const [doc] = await (await sessions()).find().toArray();
      expect(doc.expires).toBeInstanceOf(Date);
      // ttl (120 s) from the moment of the write: after now, and no later than two minutes from now.
      expect(doc.expires.getTime()).toBeGreaterThan(Date.now());
      expect(doc.expires.getTime()).toBeLessThanOrEqual(Date.now() + 120_000);
    });
  });

  describe('req.session methods through the store', () => {
    it('regenerate (login) gives a new id, deletes the old document and stores the new one', async () => {
      const { app, agent, sessions } = await setup();
      const before = await agent.get('/count').expect(200);
      const login = await agent.post('/login?user=ada').expect(200);
      expect(login.body.previousId).toBe(before.body.id);
      expect(login.body.id).not.toBe(before.body.id);
      const cookie = cookieOf(login);
      expect(cookie.sid).toBe(login.body.id);

      const docs = await (await sessions()).find().toArray();
      expect(docs.map((d) => d._id)).toEqual([login.body.id]);
      expect(JSON.parse(docs[0].session)).toMatchObject({ user: 'ada' });
      expect(JSON.parse(docs[0].session).count).toBeUndefined();
      expect(toSecond(docs[0].expires)).toBe(cookie.expires!.getTime());

      const after = await agent.get('/peek').expect(200);
      expect(after.body).toMatchObject({ id: login.body.id, user: 'ada', count: null });
      expect(app.errors).toEqual([]);
    });

    it('destroy (logout) removes the document; the next request starts an unsaved session', async () => {
      const { app, agent, sessions } = await setup();
      const login = await agent.post('/login?user=bob').expect(200);
      expect(await (await sessions()).countDocuments({ _id: login.body.id })).toBe(1);
      const logout = await agent.post('/logout').expect(200);
      expect(logout.body.destroyed).toBe(login.body.id);
      expect(await (await sessions()).countDocuments()).toBe(0);

      const after = await agent.get('/peek').expect(200);
      expect(after.body.user).toBeNull();
      expect(after.body.id).not.toBe(login.body.id);
      expect(await (await sessions()).countDocuments()).toBe(0);
      expect(app.errors).toEqual([]);
    });

    it("dropping req.session with unset: 'destroy' removes the document; with unset: 'keep' it stays", async () => {
      const destroying = await setup({}, { unset: 'destroy' });
      const r1 = await destroying.agent.get('/count').expect(200);
      await destroying.agent.post('/unset').expect(200);
      expect(await (await destroying.sessions()).countDocuments({ _id: r1.body.id })).toBe(0);

      const keeping = await setup({}, { unset: 'keep' });
      const r2 = await keeping.agent.get('/count').expect(200);
      await keeping.agent.post('/unset').expect(200);
      expect(await (await keeping.sessions()).countDocuments({ _id: r2.body.id })).toBe(1);
      expect((await keeping.agent.get('/peek').expect(200)).body.count).toBe(1);
      expect([...destroying.app.errors, ...keeping.app.errors]).toEqual([]);
    });

    it('save() writes through the store before the response', async () => {
      const { app, agent, sessions } = await setup();
      await agent.get('/count').expect(200);
      const res = await agent.post('/save?note=hello').expect(200);
      expect(res.body.stored).toMatchObject({ count: 1, note: 'hello' });
      const [doc] = await (await sessions()).find().toArray();
      expect(JSON.parse(doc.session)).toMatchObject({ count: 1, note: 'hello' });
      expect(app.errors).toEqual([]);
    });

    it('reload() replaces in-memory changes with the stored session', async () => {
      const { app, agent, sessions } = await setup();
      await agent.get('/count').expect(200);
      await agent.get('/count').expect(200);
      const res = await agent.post('/reload').expect(200);
      expect(res.body.count).toBe(2);
      const [doc] = await (await sessions()).find().toArray();
      expect(JSON.parse(doc.session).count).toBe(2);
      expect((await agent.get('/peek').expect(200)).body.count).toBe(2);
      expect(app.errors).toEqual([]);
    });

    it('reload() fails with an error when the store no longer has the session', async () => {
      const { app, agent, sessions } = await setup();
      const first = await agent.get('/count').expect(200);
      await (await sessions()).deleteOne({ _id: first.body.id });
      // The store returns no session, so express-session starts a new one, which reload() cannot find.
      const res = await agent.post('/reload').expect(500);
      expect(res.body.error).toMatch(/failed to load session/);
      expect(app.errors).toHaveLength(1);
      expect(await (await sessions()).countDocuments({ _id: first.body.id })).toBe(0);
    });
  });

  describe('rolling and touchAfter', () => {
    it('rolling: an unmodified request resets the cookie and the document expiry to match it', async () => {
      const { app, agent, sessions } = await setup({}, { rolling: true, cookie: { maxAge: 2 * HOUR } });
      const first = await agent.get('/count').expect(200);
      const firstCookie = cookieOf(first);
      const peek = await agent.get('/peek').expect(200);
      expect(peek.body.count).toBe(1);
      const rolled = cookieOf(peek);
      expect(rolled.sid).toBe(firstCookie.sid);
      const [doc] = await (await sessions()).find().toArray();
      expect(toSecond(doc.expires)).toBe(rolled.expires!.getTime());
      expect(app.errors).toEqual([]);
    });

    it('without rolling, an unmodified request sets no cookie but still touches the document', async () => {
      const { client, writes } = monitoredClient();
      const { app, agent } = await setup({ client });
      await agent.get('/count').expect(200);
      const updatesAfterSet = writes('update');
      expect(updatesAfterSet).toBe(1);
      const peek = await agent.get('/peek').expect(200);
      expect(sessionCookie(peek)).toBeNull();
      expect(writes('update')).toBe(updatesAfterSet + 1); // touch() with touchAfter 0 always writes
      expect(app.errors).toEqual([]);
    });

    it('touchAfter: returning visits within the window write nothing; after it, one touch updates lastModified', async () => {
      const { client, writes } = monitoredClient();
      const { app, agent, sessions } = await setup({ client, touchAfter: 3600 });
      const first = await agent.get('/count').expect(200);
      expect(writes('update')).toBe(1);
      const stored = await (await sessions()).findOne({ _id: first.body.id });
      expect(stored!.lastModified).toBeInstanceOf(Date);

      for (let i = 0; i < 3; i += 1) {
        const peek = await agent.get('/peek').expect(200);
        expect(peek.body.count).toBe(1);
      }
      expect(writes('update')).toBe(1);
      const unchanged = await (await sessions()).findOne({ _id: first.body.id });
      expect(unchanged!.lastModified.getTime()).toBe(stored!.lastModified.getTime());
      expect(unchanged!.expires.getTime()).toBe(stored!.expires.getTime());
      expect(unchanged!.session).toBe(stored!.session);

      // As if the window had passed: the stored lastModified is two hours old.
      const old = new Date(Date.now() - 2 * HOUR);
      await (await sessions()).updateOne({ _id: first.body.id }, { $set: { lastModified: old } });
      await agent.get('/peek').expect(200);
      expect(writes('update')).toBe(2);
      const touched = await (await sessions()).findOne({ _id: first.body.id });
      expect(touched!.lastModified.getTime()).toBeGreaterThan(old.getTime());
      expect(touched!.expires.getTime()).toBeGreaterThanOrEqual(stored!.expires.getTime());
      expect(JSON.parse(touched!.session).count).toBe(1);
      // lastModified is a document field, never part of the stored session.
      expect(JSON.parse(touched!.session).lastModified).toBeUndefined();

      // A modified session is always saved, within the window too.
      const counted = await agent.get('/count').expect(200);
      expect(counted.body.count).toBe(2);
      expect(writes('update')).toBe(3);
      expect(app.errors).toEqual([]);
    });
  });

  describe('a session document deleted during the request', () => {
    for (const rolling of [false, true]) {
      it(`touch does not fail the request and does not bring the document back (rolling: ${rolling})`, async () => {
        const { app, agent, sessions } = await setup({}, { rolling });
        const first = await agent.get('/count').expect(200);
        expect(await (await sessions()).countDocuments()).toBe(1);

        const res = await agent.get('/vanish').expect(200);
        expect(res.body).toEqual({ id: first.body.id, count: 1 });
        expect(await (await sessions()).countDocuments()).toBe(0);

        // express-session hands a store error to next(err) after the response; one more request later it has
        // surely reached the error handler if there was one.
        const next = await agent.get('/peek').expect(200);
        expect(next.body.count).toBeNull();
        expect(next.body.id).not.toBe(first.body.id);
        expect(await (await sessions()).countDocuments()).toBe(0);
        expect(app.errors).toEqual([]);
      });
    }

    it('with touchAfter the skipped touch does not bring the document back either', async () => {
      const { app, agent, sessions } = await setup({ touchAfter: 3600 });
      await agent.get('/count').expect(200);
      await agent.get('/vanish').expect(200);
      await agent.get('/peek').expect(200);
      expect(await (await sessions()).countDocuments()).toBe(0);
      expect(app.errors).toEqual([]);
    });
  });

  describe('encrypted sessions', () => {
    const variants: Array<[string, () => Partial<ConnectMongoOptions>]> = [
      ['cryptoAdapter: createWebCryptoAdapter', () => ({ cryptoAdapter: createWebCryptoAdapter({ secret: 'web crypto secret, 32 bytes or more', iterations: 1000 }) })],
      ['legacy crypto option (kruptein)', () => ({ crypto: { secret: 'kruptein secret, 32 bytes or more' } })],
    ];
    for (const [name, options] of variants) {
      it(`${name}: counts across requests, stores no plaintext, and a second app reads the sessions`, async () => {
        const a = await setup(options());
        const r1 = await a.agent.get('/count').expect(200);
        const r2 = await a.agent.get('/count').expect(200);
        expect(r2.body).toEqual({ id: r1.body.id, count: 2 });
        const docs = await (await a.sessions()).find().toArray();
        expect(docs).toHaveLength(1);
        expect(docs[0]._id).toBe(r1.body.id);
        const stored = JSON.stringify(docs[0].session);
        expect(stored).not.toContain('count');
        expect(stored).not.toContain('cookie');

        const cookie = cookieOf(r2);
        const b = await setup(options(), {}, a.dbName);
        const r3 = await b.agent.get('/count').set('Cookie', cookie.pair).expect(200);
        expect(r3.body).toEqual({ id: r1.body.id, count: 3 });
        expect((await a.agent.get('/peek').expect(200)).body.count).toBe(3);
        expect(a.app.errors).toEqual([]);
        expect(b.app.errors).toEqual([]);
      });
    }

    it('a store with another secret does not hand out the session', async () => {
      const a = await setup({ cryptoAdapter: createWebCryptoAdapter({ secret: 'the right secret, 32 bytes or more', iterations: 1000 }) });
      const r1 = await a.agent.get('/count').expect(200);
      const b = await setup({ cryptoAdapter: createWebCryptoAdapter({ secret: 'the wrong secret, 32 bytes or more', iterations: 1000 }) }, {}, a.dbName);
      const res = await b.agent.get('/peek').set('Cookie', cookieOf(r1).pair);
      expect(res.status).toBe(500);
      expect(b.app.errors).toHaveLength(1);
      // The unreadable request changed nothing stored.
      expect((await a.agent.get('/count').expect(200)).body.count).toBe(2);
    });
  });

  describe('two app instances on one database', () => {
    it('a second app with a fresh store reads and continues the first one\'s sessions', async () => {
      const a = await setup();
      await a.agent.get('/count').expect(200);
      const r2 = await a.agent.get('/count').expect(200);
      const cookie = cookieOf(r2);

      const b = await setup({}, {}, a.dbName);
      const r3 = await b.agent.get('/count').set('Cookie', cookie.pair).expect(200);
      expect(r3.body).toEqual({ id: cookie.sid, count: 3 });
      expect((await b.agent.get('/count').expect(200)).body.count).toBe(4); // b's agent keeps the cookie now
      expect((await a.agent.get('/peek').expect(200)).body.count).toBe(4);
      expect(await (await a.sessions()).countDocuments()).toBe(1);

      // Logout on b ends the session for a too.
      await b.agent.post('/logout').expect(200);
      const afterLogout = await a.agent.get('/peek').expect(200);
      expect(afterLogout.body.count).toBeNull();
      expect(await (await a.sessions()).countDocuments()).toBe(0);
      expect(a.app.errors).toEqual([]);
      expect(b.app.errors).toEqual([]);
    });
  });
});
