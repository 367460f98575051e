// The main job, driven as a user would: `npm start`, requests with a cookie jar, restart the app, same session.
import { describe, expect, it } from 'vitest';
import { CookieJar, mongoUrl, startExample, uniqueDbName } from '../../support';

type Views = { sessionId: string; views: number };
const npmStart: [string, ...string[]] = ['npm', 'start', '--silent'];

describe('npm start (examples/express.ts)', () => {
  it('serves sessions on an embedded MongoDB when MONGO_URL is unset, and shuts down cleanly', async () => {
    const app = await startExample({ command: npmStart, env: { MONGO_URL: undefined } });
    try {
      expect(app.output()).toMatch(/MongoDB: embedded (test server|mongodb-memory-server)/);
      const jar = new CookieJar();
      const first = await jar.json<Views>(app.url);
      const second = await jar.json<Views>(app.url);
      expect(first.views).toBe(1);
      expect(second).toEqual({ sessionId: first.sessionId, views: 2 });
      expect(await jar.json(`${app.url}/count`)).toEqual({ sessions: 1 });
    } finally {
      // Ctrl+C: the app closes the server, the store and the embedded MongoDB, then exits on its own.
      const stopped = await app.stop('SIGINT');
      expect(app.output()).toContain('shutdown complete');
      expect(app.output()).not.toContain('left open');
      expect(stopped.leftovers).toBe(false);
    }
  });

  it('keeps a session across a restart of the app process (MongoDB outlives the app)', async () => {
    const env = { MONGO_URL: mongoUrl(), MONGO_DB: uniqueDbName('example_restart') };
    const jar = new CookieJar();

    const firstRun = await startExample({ command: npmStart, env });
    let sessionId: string;
    try {
      expect(firstRun.output()).toContain('MongoDB: MONGO_URL');
      const one = await jar.json<Views>(firstRun.url);
      const two = await jar.json<Views>(firstRun.url);
      expect(two).toEqual({ sessionId: one.sessionId, views: 2 });
      sessionId = one.sessionId;
    } finally {
      expect((await firstRun.stop('SIGTERM')).leftovers).toBe(false);
      expect(firstRun.output()).toContain('shutdown complete');
    }

    const secondRun = await startExample({ command: npmStart, env });
    try {
      expect(secondRun.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      // Same cookie, new process: the session comes back from MongoDB.
      expect(await jar.json<Views>(secondRun.url)).toEqual({ sessionId, views: 3 });
      // A visitor without the cookie gets a session of their own.
      const stranger = await new CookieJar().json<Views>(secondRun.url);
      expect(stranger.sessionId).not.toBe(sessionId);
      expect(stranger.views).toBe(1);
      expect(await jar.json(`${secondRun.url}/count`)).toEqual({ sessions: 2 });
      // Logging out destroys the stored session; the next request starts over.
      expect(await jar.json(`${secondRun.url}/logout`, { method: 'POST' })).toEqual({ loggedOut: true });
      const after = await jar.json<Views>(secondRun.url);
      expect(after.views).toBe(1);
      expect(after.sessionId).not.toBe(sessionId);
    } finally {
      expect((await secondRun.stop('SIGTERM')).leftovers).toBe(false);
      expect(secondRun.output()).toContain('shutdown complete');
    }
  });
});
