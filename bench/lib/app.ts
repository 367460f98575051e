// The Express app both the command-count section and the end-to-end section drive.
import express from 'express';
import session from 'express-session';
import { makeSession } from './session-data';

export function buildApp(store: any): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    session({
      store,
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
  app.get('/visit', (req: any, res) => {
    req.session.views = (req.session.views ?? 0) + 1;
    res.json({ views: req.session.views });
  });
  // Returning visitor who only reads it.
  app.get('/read', (req: any, res) => {
    res.json({ views: req.session.views ?? null });
  });
  app.get('/logout', (req, res, next) => {
    req.session.destroy((err) => (err ? next(err) : res.json({ ok: true })));
  });
  return app;
}
