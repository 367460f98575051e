// Shared fixtures for test/reliability-*.test.ts: process-level fault watchers, callback counters, an
// Express app on a store, a cookie-keeping HTTP user, and failpoints scoped to one store's appName.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { MongoClient, type Document } from 'mongodb';
import express from 'express';
import session from 'express-session';
import type { MongoStore } from '../../src/index';
import { uniqueDbName } from './mongo';

/** Collects unhandled rejections and uncaught exceptions until stop() (vitest's own listeners stay). */
export function watchProcess() {
  const unhandled: unknown[] = [];
  const uncaught: unknown[] = [];
  const onRejection = (reason: unknown) => unhandled.push(reason);
  const onException = (err: unknown) => uncaught.push(err);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    unhandled,
    uncaught,
    /** Lets pending rejections surface (two macrotasks), then detaches. */
    async stop(): Promise<void> {
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

export interface CallRecord {
  method: string;
  calls: number;
  args: unknown[][];
}

/**
 * Wraps every callback-taking store method so each call records how often its callback ran. express-session
 * calls get/set/touch/destroy with callbacks; `pending()` lists calls that never called back.
 */
export function countCallbacks(store: MongoStore) {
  const records: CallRecord[] = [];
  const target = store as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const method of ['get', 'set', 'touch', 'destroy', 'all', 'length', 'clear']) {
    const original = target[method].bind(store);
    target[method] = (...args: unknown[]) => {
      const last = args[args.length - 1];
      if (typeof last !== 'function') return original(...args);
      const record: CallRecord = { method, calls: 0, args: [] };
      records.push(record);
      const cb = last as (...a: unknown[]) => unknown;
      return original(...args.slice(0, -1), (...cbArgs: unknown[]) => {
        record.calls += 1;
        record.args.push(cbArgs);
        return cb(...cbArgs);
      });
    };
  }
  return {
    records,
    pending: () => records.filter((r) => r.calls === 0),
    repeated: () => records.filter((r) => r.calls > 1),
  };
}

/** A callback that counts its calls and resolves `first` with the arguments of the first one. */
export function onceCallback<A extends unknown[] = unknown[]>() {
  let resolve!: (args: A) => void;
  const first = new Promise<A>((r) => (resolve = r));
  const state = {
    calls: 0,
    first,
    cb: (...args: A) => {
      state.calls += 1;
      if (state.calls === 1) resolve(args);
    },
  };
  return state;
}

/**
 * An Express app whose routes answer only after the store acknowledged (explicit save), so a 200 means the
 * write reached MongoDB and a store error becomes a 500 (express-session alone would still answer 200).
 */
export async function startApp(store: MongoStore) {
  const app = express();
  app.use(
    session({ store, secret: 'reliability-cookie-secret', resave: false, saveUninitialized: false, cookie: { maxAge: 3_600_000 } }),
  );
  const save = (req: express.Request, res: express.Response, body: unknown) =>
    req.session.save((err) => (err ? res.status(500).json({ error: String(err) }) : res.json(body)));
  app.post('/login/:user', (req, res) => {
    const s = req.session as unknown as Record<string, unknown>;
    s.user = req.params.user;
    s.n = 0;
    save(req, res, { user: s.user, n: 0 });
  });
  app.post('/bump', (req, res) => {
    const s = req.session as unknown as Record<string, unknown>;
    if (!s.user) return void res.status(401).json({ error: 'no session' });
    s.n = (s.n as number) + 1;
    save(req, res, { user: s.user, n: s.n });
  });
  // Writes a payload that names its writer twice, so a half-applied or mixed document is detectable.
  app.post('/write/:i', (req, res) => {
    const s = req.session as unknown as Record<string, unknown>;
    s.writer = Number(req.params.i);
    s.echo = `w${req.params.i}`;
    s.blob = `w${req.params.i}`.repeat(50);
    save(req, res, { writer: s.writer });
  });
  app.get('/whoami', (req, res) => {
    const s = req.session as unknown as Record<string, unknown>;
    res.json({ user: s.user ?? null, n: s.n ?? null });
  });
  // Express's default handler answers store errors with a 500; a JSON body is easier to check.
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    // After a failed save() the route has already answered 500, and express-session, finding the session
    // still unsaved at res.end, saves again and passes that error to next() once the response is out.
    // Answering again would throw, and Express would then destroy the keep-alive socket under the client's
    // next request ("other side closed"): the error was already reported, so there is nothing to do.
    if (res.headersSent) return;
    res.status(500).json({ error: err.message });
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Reply {
  status: number; // 0: no answer before the client gave up (a hang)
  body: Record<string, unknown> | null;
}

/** One browser: keeps the session cookie; gives up after `giveUpMs` so a hang shows as status 0. */
export function user(base: string, giveUpMs: number) {
  let cookie: string | undefined;
  return {
    get cookie() {
      return cookie;
    },
    set cookie(value: string | undefined) {
      cookie = value;
    },
    /** The session id, as express-session signs it in the cookie ("s:<sid>.<sig>"). */
    get sid(): string | undefined {
      const value = cookie && decodeURIComponent(cookie.split('=')[1] ?? '');
      return value?.startsWith('s:') ? value.slice(2, value.lastIndexOf('.')) : undefined;
    },
    async request(method: 'GET' | 'POST', path: string): Promise<Reply> {
      try {
        const res = await fetch(base + path, {
          method,
          headers: cookie ? { cookie } : {},
          signal: AbortSignal.timeout(giveUpMs),
        });
        const setCookie = res.headers.get('set-cookie');
        if (setCookie) cookie = setCookie.split(';')[0];
        const text = await res.text();
        return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
      } catch (err) {
        if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') return { status: 0, body: null };
        throw err;
      }
    },
  };
}

/**
 * failCommand scoped to one appName, so tests sharing a server never trip each other's failpoints.
 * Works on the in-process test server and on a mongod started with enableTestCommands=1.
 */
export async function failPoints(url: string) {
  const appName = `rel_${uniqueDbName()}`;
  const admin = await MongoClient.connect(url);
  const set = (mode: unknown, data: Document = {}) =>
    admin.db('admin').command({ configureFailPoint: 'failCommand', mode, data: { appName, ...data } });
  return {
    appName,
    set,
    off: () => set('off'),
    admin,
    async close() {
      await set('off').catch(() => undefined);
      await admin.close();
    },
  };
}

/** Runs `tasks` with at most `width` in flight at once. */
export async function pool<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}

/**
 * The server a failpoint test talks to. failCommand is one server-wide setting, so on the in-process
 * backend each test file gets its own TestMongoServer (files run in parallel); on MONGO_URL /
 * mongodb-memory-server it is the shared mongod (started with enableTestCommands=1), scoped by appName.
 */
export async function faultServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const { mongoBackend, mongoUrl } = await import('./mongo');
  if (mongoBackend() !== 'in-process') return { url: mongoUrl(), stop: async () => {} };
  const { TestMongoServer } = await import('../../mongo-server');
  const server = new TestMongoServer();
  const url = await server.start();
  return { url, stop: () => server.stop() };
}

/**
 * For a whole test file: a faultServer() and a raw client on it, started before the file's tests and
 * closed after them. Read the fields inside tests (they are set by beforeAll).
 */
export function useFaultServer(): { url: string; raw: MongoClient } {
  const fixture = {} as { url: string; raw: MongoClient };
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const server = await faultServer();
    stop = server.stop;
    fixture.url = server.url;
    fixture.raw = await MongoClient.connect(server.url);
  });
  afterAll(async () => {
    await fixture.raw?.close();
    await stop?.();
  });
  return fixture;
}

// express-session's typings declare Cookie's constructor without its options argument.
const CookieWithOptions = session.Cookie as unknown as new (options: session.CookieOptions) => session.Cookie;

/** A session as express-session hands it to a store: a real Cookie (1 h), plus data. */
export function makeSession(data: object = {}): session.SessionData {
  return { cookie: new CookieWithOptions({ maxAge: 3_600_000, path: '/' }), ...data } as unknown as session.SessionData;
}
