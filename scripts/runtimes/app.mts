// The Express app each runtime serves in `npm run test:runtimes`, on the packed package. TypeScript run as is
// (Node strips the types, Bun and Deno compile them) and type-checked against the tarball's declarations.
// One store per storage format, each under its own path, cookie and database:
//   /plain/...  no encryption   /webcrypto/...  createWebCryptoAdapter   /legacy/...  `crypto` (kruptein)
// Routes: POST login?user=NAME, GET me (counts views), GET stats (length() and all()), POST logout.
// POST /shutdown closes the server and the stores; the process must then exit by itself (nothing left open).
// Env: MONGO_URL, DB_PREFIX, SECRET. Prints "listening PORT" once it accepts connections.
import express, { type Router } from 'express';
import session from 'express-session';
import MongoStore, { createWebCryptoAdapter, type ConnectMongoOptions } from 'connect-mongo-next';

declare module 'express-session' {
  interface SessionData {
    user: string;
    views: number;
  }
}

const mongoUrl = process.env.MONGO_URL!;
const secret = process.env.SECRET!;
const FORMATS: Record<string, Partial<ConnectMongoOptions>> = {
  plain: {},
  webcrypto: { cryptoAdapter: createWebCryptoAdapter({ secret }) },
  legacy: { crypto: { secret } },
};

function sessionRoutes(format: string, store: MongoStore): Router {
  const router = express.Router();
  router.use(session({ name: `sid-${format}`, secret, store, resave: false, saveUninitialized: false }));
  router.post('/login', (req, res, next) => {
    req.session.regenerate((error) => {
      if (error) return next(error);
      req.session.user = String(req.query.user);
      req.session.views = 0;
      res.json({ user: req.session.user });
    });
  });
  router.get('/me', (req, res) => {
    if (req.session.views !== undefined) req.session.views += 1;
    res.json({ user: req.session.user ?? null, views: req.session.views ?? null });
  });
  router.get('/stats', (_req, res, next) => {
    store.length((lengthError, length) => {
      if (lengthError) return next(lengthError);
      store.all((allError, all) => {
        if (allError) return next(allError);
        const users = Object.values(all ?? {}).map((data) => data.user).sort();
        res.json({ length, users });
      });
    });
  });
  router.post('/logout', (req, res, next) => {
    req.session.destroy((error) => (error ? next(error) : res.json({ loggedOut: true })));
  });
  return router;
}

const stores: MongoStore[] = [];
const app = express();
for (const [format, options] of Object.entries(FORMATS)) {
  const store = MongoStore.create({ mongoUrl, dbName: `${process.env.DB_PREFIX}_${format}`, ...options });
  stores.push(store);
  app.use(`/${format}`, sessionRoutes(format, store));
}

app.post('/shutdown', (_req, res) => {
  res.json({ closing: true });
  server.close();
  Promise.all(stores.map((store) => store.close())).catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
});

const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : address}`);
});
