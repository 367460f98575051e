// One small session app, built three ways (Express 5, Express 4, Connect) over express-session and a real
// MongoStore, listening on a real port so supertest agents exchange real cookies. The server is closed
// after each test.
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express5 from 'express';
import express4 from 'express4';
import connect from 'connect';
import session, { type SessionOptions, type Store } from 'express-session';
import supertest from 'supertest';
import { onCleanup } from './cleanup';
import { commandLog } from './commands';
import { listen } from './listen';
import { HOUR } from './session';

export type Framework = 'express5' | 'express4' | 'connect';
export const FRAMEWORKS: Framework[] = ['express5', 'express4', 'connect'];

export const SESSION_SECRET = 'integration-test-secret';

// The fields the routes use. Kept local: augmenting express-session's SessionData here would leak into
// every other file of the type-check (examples and tests declare their own fields).
interface AppSessionData {
  count?: number;
  user?: string;
  note?: string;
  lastModified?: Date | string;
}

type Req = IncomingMessage & { session: session.Session & AppSessionData; sessionID: string };
type Res = ServerResponse;
type Next = (err?: unknown) => void;

/**
 * A client with command monitoring, to hand to a store as `client`: counts the write commands the store
 * sends to its sessions collection. Closed after the test.
 */
export function monitoredClient() {
  const { client, commands } = commandLog();
  onCleanup(() => client.close());
  return {
    client,
    writes: (command: 'update' | 'delete' | 'insert') =>
      commands.filter((e) => e.commandName === command && e.command[command] === 'sessions').length,
  };
}

// ---- the app -------------------------------------------------------------------------------------------

export interface AppOptions {
  store: Store;
  session?: Partial<SessionOptions>;
  /** Called by GET /vanish while the request holds the session: deletes its document behind the store's back. */
  vanish?: (sid: string) => Promise<void>;
}

export interface FrameworkApp {
  url: string;
  /** A cookie-keeping client of this app. */
  agent: () => ReturnType<typeof supertest.agent>;
  /** Errors that reached the app's error handler (e.g. a store error passed to next(err) by express-session). */
  errors: unknown[];
}

const send = (res: Res, body: unknown, status = 200) => {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
};

const query = (req: Req) => new URL(req.url ?? '/', 'http://x').searchParams;

/** The app's routes, written against Node's req/res so the same code runs on all three frameworks. */
function routes(options: AppOptions): Record<string, (req: Req, res: Res, next: Next) => void> {
  return {
    // Modifies the session on every request.
    'GET /count': (req, res) => {
      req.session.count = (req.session.count ?? 0) + 1;
      send(res, { id: req.sessionID, count: req.session.count });
    },
    // Reads without modifying: the end of the request touches (or skips) instead of saving.
    'GET /peek': (req, res) => {
      send(res, {
        id: req.sessionID,
        count: req.session.count ?? null,
        user: req.session.user ?? null,
        lastModified: req.session.lastModified ?? null,
      });
    },
    // Login: a new session id (req.session.regenerate), then data, then an explicit save.
    'POST /login': (req, res, next) => {
      const previousId = req.sessionID;
      req.session.regenerate((err) => {
        if (err) return next(err);
        req.session.user = query(req).get('user') ?? 'anonymous';
        req.session.save((err2) => (err2 ? next(err2) : send(res, { id: req.sessionID, previousId })));
      });
    },
    'POST /logout': (req, res, next) => {
      const id = req.sessionID;
      req.session.destroy((err) => (err ? next(err) : send(res, { destroyed: id })));
    },
    // Dropping req.session: with `unset: 'destroy'` express-session destroys it in the store at the end.
    'POST /unset': (req, res) => {
      const id = req.sessionID;
      (req as { session: unknown }).session = null;
      send(res, { unset: id });
    },
    // Explicit save, then what the store holds at that moment (before express-session's own end-of-request save).
    'POST /save': (req, res, next) => {
      req.session.note = query(req).get('note') ?? '';
      req.session.save((err) => {
        if (err) return next(err);
        options.store.get(req.sessionID, (err2, stored) => (err2 ? next(err2) : send(res, { id: req.sessionID, stored })));
      });
    },
    // Changes the session in memory, then reload() brings back the stored version.
    'POST /reload': (req, res, next) => {
      req.session.count = -1;
      req.session.reload((err) => (err ? next(err) : send(res, { id: req.sessionID, count: req.session.count ?? null })));
    },
    // The document disappears during the request (a TTL reap or a logout elsewhere); the session is unmodified,
    // so express-session touches it at the end of this request.
    'GET /vanish': (req, res, next) => {
      if (!options.vanish) return next(new Error('no vanish hook'));
      options.vanish(req.sessionID).then(() => send(res, { id: req.sessionID, count: req.session.count ?? null }), next);
    },
  };
}

function sessionOptions(options: AppOptions): SessionOptions {
  return {
    secret: SESSION_SECRET,
    resave: false,
    saveUninitialized: false,
    cookie: { maxAge: HOUR },
    ...options.session,
    store: options.store,
  };
}

/** Starts the app on 127.0.0.1 with a random port; the server is closed after the test. */
export async function startFrameworkApp(framework: Framework, options: AppOptions): Promise<FrameworkApp> {
  const errors: unknown[] = [];
  const table = routes(options);
  const sessionMiddleware = session(sessionOptions(options));
  const onError = (err: unknown, _req: Req, res: Res, _next: Next) => {
    errors.push(err);
    if (res.headersSent) return void res.end();
    send(res, { error: (err as Error)?.message ?? String(err) }, 500);
  };

  let handler: http.RequestListener;
  if (framework === 'connect') {
    // Connect has no router: one middleware dispatches on method and path.
    const app = connect();
    app.use(sessionMiddleware as unknown as connect.NextHandleFunction);
    app.use(((req: Req, res: Res, next: Next) => {
      const route = table[`${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`];
      if (!route) return send(res, { error: 'not found' }, 404);
      route(req, res, next);
    }) as unknown as connect.NextHandleFunction);
    app.use(onError as unknown as connect.ErrorHandleFunction);
    handler = app as unknown as http.RequestListener;
  } else {
    const app = framework === 'express5' ? express5() : express4();
    app.use(sessionMiddleware);
    for (const [key, route] of Object.entries(table)) {
      const [method, path] = key.split(' ');
      const h = route as unknown as express5.RequestHandler;
      if (method === 'GET') app.get(path, h);
      else app.post(path, h);
    }
    app.use(onError as unknown as express5.ErrorRequestHandler);
    handler = app as unknown as http.RequestListener;
  }

  const listening = await listen(handler);
  onCleanup(listening.close);
  return { url: listening.url, agent: () => supertest.agent(listening.url), errors };
}

