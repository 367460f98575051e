// Every example starts against the run's MongoDB, answers requests with a session, and exits cleanly on SIGTERM.
import { afterEach, describe, expect, it } from 'vitest';
import { CookieJar, mongoUrl, type RunningExample, startExample, uniqueDbName } from '../../support';

type Views = { sessionId: string; views: number };

let app: RunningExample | undefined;

async function start(file: string): Promise<RunningExample> {
  app = await startExample({ file: `examples/${file}`, env: { MONGO_URL: mongoUrl(), MONGO_DB: uniqueDbName('example') } });
  return app;
}

afterEach(async () => {
  if (!app) return;
  const running = app;
  app = undefined;
  const stopped = await running.stop('SIGTERM');
  expect(running.output()).not.toContain('left open');
  expect(running.output()).not.toMatch(/Warning/); // with their own defaults, the examples trigger none
  expect(stopped).toEqual({ code: 0, exitSignal: null, leftovers: false });
});

describe('examples', () => {
  it('existing-client.ts: one MongoClient shared through `client` and `clientPromise`', async () => {
    const { url } = await start('existing-client.ts');
    const jar = new CookieJar();
    await jar.json<Views>(`${url}/client`);
    expect((await jar.json<Views>(`${url}/client`)).views).toBe(2);
    expect((await jar.json<Views>(`${url}/promise`)).views).toBe(1);
    expect(await jar.json(url)).toMatchObject({ sessionsViaClient: 1 });
  });

  it('sessions-per-user.ts: devices listed under hashed ids, this one marked; end one, then everywhere else', async () => {
    const { url } = await start('sessions-per-user.ts');
    const [phone, laptop, tablet] = [new CookieJar(), new CookieJar(), new CookieJar()];
    const sessionIds: string[] = [];
    for (const device of [phone, laptop, tablet]) {
      sessionIds.push((await device.json<{ sessionId: string }>(`${url}/login?user=alice`, { method: 'POST' })).sessionId);
    }
    type Devices = { sessions: Array<{ id: string; current: boolean }> };
    const listed = (await phone.json<Devices>(`${url}/devices`)).sessions;
    expect(listed).toHaveLength(3);
    expect(listed.filter((s) => s.current)).toHaveLength(1);
    expect(listed.some((s) => sessionIds.includes(s.id))).toBe(false);
    const laptopId = (await laptop.json<Devices>(`${url}/devices`)).sessions.find((s) => s.current)!.id;
    expect(await phone.json(`${url}/devices/${laptopId}/logout`, { method: 'POST' })).toEqual({ ended: 1 });
    expect(await laptop.json(url)).toEqual({ user: null });
    expect(await phone.json(`${url}/logout-everywhere-else`, { method: 'POST' })).toEqual({ ended: 1 });
    expect(await tablet.json(url)).toEqual({ user: null });
    expect(await phone.json(url)).toEqual({ user: 'alice' });
  });

  it('mongoose.ts: the store rides on Mongoose\'s connection', async () => {
    const { url } = await start('mongoose.ts');
    const jar = new CookieJar();
    await jar.json(url);
    expect(await jar.json(url)).toMatchObject({ views: 2, visitsRecordedByMongoose: 2 });
  });

  it('webcrypto.ts: the stored session is ciphertext; _id and expires are not', async () => {
    const { url } = await start('webcrypto.ts');
    const jar = new CookieJar();
    const { sessionId } = await jar.json<Views>(url);
    const { stored } = await jar.json<{ stored: { _id: string; session: unknown; expires: string } }>(`${url}/stored`);
    expect(stored._id).toBe(sessionId);
    expect(typeof stored.session).toBe('string');
    expect(stored.session).not.toContain('someone@example.com');
    expect(stored.session).not.toContain('views');
    expect(new Date(stored.expires).getTime()).toBeGreaterThan(Date.now());
    expect((await jar.json<Views>(url)).views).toBe(2);
  });

  it('kruptein-legacy.ts: the legacy `crypto` option round-trips', async () => {
    const { url } = await start('kruptein-legacy.ts');
    const jar = new CookieJar();
    await jar.json(url);
    expect((await jar.json<Views>(url)).views).toBe(2);
  });

  it('typed-session.ts: sign in, then read the typed user back', async () => {
    const { url } = await start('typed-session.ts');
    const jar = new CookieJar();
    expect((await jar.fetch(`${url}/me`)).status).toBe(401);
    expect(await jar.json(`${url}/login?name=ada`, { method: 'POST' })).toEqual({ signedIn: 'ada' });
    expect(await jar.json(`${url}/me`)).toEqual({ name: 'ada', roles: ['reader'] });
  });

  it('connect.ts: Connect instead of Express', async () => {
    const { url } = await start('connect.ts');
    const jar = new CookieJar();
    await jar.json(url);
    expect((await jar.json<Views>(url)).views).toBe(2);
  });

  it('interval-cleanup.ts: autoRemove "interval"', async () => {
    const { url } = await start('interval-cleanup.ts');
    const jar = new CookieJar();
    const body = await jar.json<Views & { expires: string }>(url);
    expect(body.views).toBe(1);
    expect(new Date(body.expires).getTime()).toBeGreaterThan(Date.now());
  });

  it('audit-events.ts: create, update and destroy are logged with the session id', async () => {
    const { url } = await start('audit-events.ts');
    const jar = new CookieJar();
    const { sessionId } = await jar.json<Views>(url);
    await jar.json(url);
    await jar.json(`${url}/logout`, { method: 'POST' });
    const { events } = await jar.json<{ events: { event: string; sessionId: string }[] }>(`${url}/audit`);
    const mine = events.filter((e) => e.sessionId === sessionId).map((e) => e.event);
    expect(mine).toEqual(['create', 'set', 'update', 'set', 'destroy']);
  });

  it('graceful-shutdown.ts: serves, then closes server, store and client on SIGTERM', async () => {
    const running = await start('graceful-shutdown.ts');
    const jar = new CookieJar();
    expect((await jar.json<Views>(running.url)).views).toBe(1);
    app = undefined;
    expect(await running.stop('SIGTERM')).toEqual({ code: 0, exitSignal: null, leftovers: false });
    expect(running.output()).toContain('closed: exiting with nothing left open');
  });
});
