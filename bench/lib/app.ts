// The Express app both the command-count section and the end-to-end section drive.
import express from 'express';
import session, { type Store } from 'express-session';
import { makeSession } from './session-data';

export function buildApp(store: unknown): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    session({
      store: store as Store,
      secret: 'bench cookie secret',
      resave: false,
      saveUninitialized: false,
      cookie: { maxAge: 24 * 3600 * 1000, httpOnly: true, sameSite: 'lax' },
    }),
  );
  // New visitor: signs in, the session gets ~1 KB of data.
  app.get('/login', (req, res) => {
    const { cookie: _ignored, ...data } = makeSession(1);
    Object.assign(req.session, data);
    res.json({ ok: true });
  });
  // Returning visitor who changes the session.
  app.get('/visit', (req, res) => {
    const s = req.session as unknown as { views?: number };
    s.views = (s.views ?? 0) + 1;
    res.json({ views: s.views });
  });
  // Returning visitor who only reads it.
  app.get('/read', (req, res) => {
    res.json({ views: (req.session as unknown as { views?: number }).views ?? null });
  });
  app.get('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
  });
  return app;
}
