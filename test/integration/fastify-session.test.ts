// The store behind @fastify/session (which takes express-session-style stores) in a Fastify app, with real
// cookies through supertest agents: login, reads across requests, logout, and the store's events.
import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { MongoStore } from '../../src/index';
import { createWebCryptoAdapter, type ConnectMongoOptions } from '../../src/index';
import { HOUR, makeStore, onCleanup, parseSetCookie } from '../support';
import supertest from 'supertest';

declare module 'fastify' {
  interface Session {
    // Not `user`: the examples give express-session's SessionData a `user` of another type.
    member?: string;
    views?: number;
  }
}

const SECRET = 'a fastify session secret of 32 chars or more';
const USER = 'grace-hopper-1906';

/** The store's events, in order, as `name sid`. */
function recordEvents(store: MongoStore): string[] {
  const events: string[] = [];
  for (const name of ['create', 'update', 'set', 'touch', 'destroy', 'get']) store.on(name, (sid: string) => events.push(`${name} ${sid}`));
  return events;
}

async function startApp(storeOptions: Partial<ConnectMongoOptions>) {
  const { store, collection } = makeStore(storeOptions);
  const app = Fastify();
  await app.register(fastifyCookie);
  await app.register(fastifySession, { secret: SECRET, store, saveUninitialized: false, cookie: { secure: false, maxAge: HOUR } });
  app.post('/login', async (request) => {
    await request.session.regenerate();
    request.session.member = (request.query as { user: string }).user;
    request.session.views = 0;
    return { id: request.session.sessionId };
  });
  app.get('/me', async (request) => {
    if (request.session.views !== undefined) request.session.views += 1;
    return { id: request.session.sessionId, user: request.session.member ?? null, views: request.session.views ?? null };
  });
  app.post('/logout', async (request) => {
    await request.session.destroy();
    return { loggedOut: true };
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  onCleanup(() => app.close());
  return { store, collection, agent: () => supertest.agent(url) };
}

const length = (store: MongoStore) => new Promise<number>((resolve, reject) => store.length((e, n) => (e ? reject(e) : resolve(n!))));

describe.each([
  ['no encryption', {}],
  ['createWebCryptoAdapter', { cryptoAdapter: createWebCryptoAdapter({ secret: 'a web crypto secret of 32 bytes or more' }) }],
] as Array<[string, Partial<ConnectMongoOptions>]>)('Fastify + @fastify/session + MongoStore, %s', (_name, storeOptions) => {
  it('logs in, reads the session across requests, logs out; the store says what it did', async () => {
    const { store, collection, agent } = await startApp(storeOptions);
    const events = recordEvents(store);
    const browser = agent();

    const login = await browser.post(`/login?user=${USER}`).expect(200);
    const sid = login.body.id as string;
    const cookie = parseSetCookie(([] as string[]).concat(login.headers['set-cookie'])[0]);
    expect(cookie.name).toBe('sessionId');
    expect(decodeURIComponent(cookie.value).startsWith(`${sid}.`)).toBe(true); // the id, signed
    // regenerate() destroys the request's first id and stores the new session; the reply saves its data.
    const [destroyed, ...stored] = events;
    expect(destroyed).toMatch(/^destroy /);
    expect(destroyed).not.toBe(`destroy ${sid}`);
    expect(stored).toEqual([`create ${sid}`, `set ${sid}`, `update ${sid}`, `set ${sid}`]);
    events.length = 0;

    expect((await browser.get('/me').expect(200)).body).toEqual({ id: sid, user: USER, views: 1 });
    expect((await browser.get('/me').expect(200)).body).toEqual({ id: sid, user: USER, views: 2 });
    expect(events).toEqual([`get ${sid}`, `update ${sid}`, `set ${sid}`, `get ${sid}`, `update ${sid}`, `set ${sid}`]);

    const docs = await (await collection()).find().toArray();
    expect(docs.map((d) => d._id)).toEqual([sid]);
    expect(JSON.stringify(docs[0].session).includes(USER)).toBe(!storeOptions.cryptoAdapter);
    expect(docs[0].expires.getTime()).toBeGreaterThan(Date.now() + HOUR - 60_000);
    expect(await length(store)).toBe(1);

    events.length = 0;
    await browser.post('/logout').expect(200);
    expect(events).toEqual([`get ${sid}`, `destroy ${sid}`]);
    expect(await (await collection()).countDocuments()).toBe(0);
    const after = (await browser.get('/me').expect(200)).body;
    expect(after).toMatchObject({ user: null, views: null });
    expect(after.id).not.toBe(sid);
  });

  it("one user's logout leaves another's session alone", async () => {
    const { store, agent } = await startApp(storeOptions);
    const [ada, bob] = [agent(), agent()];
    await ada.post('/login?user=ada').expect(200);
    await bob.post('/login?user=bob').expect(200);
    expect(await length(store)).toBe(2);
    await ada.post('/logout').expect(200);
    expect((await bob.get('/me').expect(200)).body).toMatchObject({ user: 'bob', views: 1 });
    expect((await ada.get('/me').expect(200)).body).toMatchObject({ user: null });
    expect(await length(store)).toBe(1);
  });
});
