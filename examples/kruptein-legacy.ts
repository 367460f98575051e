// The legacy `crypto` option (kruptein, as in connect-mongo 3-6): keep it when your database already holds
// sessions written with it. connect-mongo-next reads and writes the same format, so existing sessions survive
// the switch. For new apps prefer `cryptoAdapter: createWebCryptoAdapter(...)` (see webcrypto.ts).
//   SESSION_CRYPTO_SECRET='the secret your sessions were written with' node --import tsx examples/kruptein-legacy.ts
// Without SESSION_CRYPTO_SECRET it makes up a random secret per run: a restarted app cannot read the sessions of the last run.
import { randomBytes } from 'node:crypto';
import express from 'express';
import session from 'express-session';
import MongoStore from '../src/index';
import { startExampleMongo } from './support/mongo';
import { closeServer, listen, onShutdownSignal } from './support/serve';

declare module 'express-session' {
  interface SessionData {
    views?: number;
  }
}

const mongo = await startExampleMongo();

const store = MongoStore.create({
  mongoUrl: mongo.url,
  dbName: process.env.MONGO_DB ?? 'connect-mongo-next-example',
  collectionName: 'sessions_kruptein',
  // Same as `cryptoAdapter: createKrupteinAdapter({ secret })`; giving both options is an error.
  crypto: { secret: process.env.SESSION_CRYPTO_SECRET ?? randomBytes(32).toString('base64') },
});

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET ?? 'example-secret-change-me', resave: false, saveUninitialized: false, store }));

app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1;
  res.json({ sessionId: req.sessionID, views: req.session.views });
});

const server = await listen(app, 'kruptein-legacy example');

onShutdownSignal(async () => {
  await closeServer(server);
  await store.close();
  await mongo.stop();
});
