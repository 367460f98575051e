// An Express app for traffic under faults (outages, failpoints, concurrent requests, broken data), and the
// browser-like users that drive it: every answer says whether the store really acknowledged the write.
import express from 'express';
import session from 'express-session';
import type { MongoStore } from '../../src/index';
import { COOKIE_NAME, CookieJar, signedSid } from './cookies';
import { HOUR } from './session';
import { listen } from './listen';

/**
 * Starts an Express app whose routes answer only after the store acknowledged (explicit save), so a 200 means
 * the write reached MongoDB and a store error becomes a 500 (express-session alone would still answer 200).
 * The caller closes it.
 */
export async function startTrafficApp(store: MongoStore) {
  const app = express();
  app.use(session({ store, secret: 'reliability-cookie-secret', resave: false, saveUninitialized: false, cookie: { maxAge: HOUR } }));
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
  const listening = await listen(app);
  return { base: listening.url, close: listening.close };
}

export interface Reply {
  status: number; // 0: no answer before the client gave up (a hang)
  body: Record<string, unknown> | null;
}

/** One browser of a traffic app: keeps the session cookie; gives up after `giveUpMs` so a hang shows as status 0. */
export function trafficUser(base: string, giveUpMs: number) {
  const jar = new CookieJar();
  return {
    /** The Cookie header this browser sends; set it to share another browser's session. */
    get cookie(): string | undefined {
      return jar.header;
    },
    set cookie(value: string | undefined) {
      jar.header = value;
    },
    /** The session id, as express-session signs it in the cookie ("s:<sid>.<sig>"). */
    get sid(): string | undefined {
      return signedSid(jar.get(COOKIE_NAME));
    },
    async request(method: 'GET' | 'POST', path: string): Promise<Reply> {
      try {
        const res = await jar.fetch(base + path, { method, signal: AbortSignal.timeout(giveUpMs) });
        const text = await res.text();
        return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
      } catch (err) {
        if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') return { status: 0, body: null };
        throw err;
      }
    },
  };
}
