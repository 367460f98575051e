// Encrypting session data at rest with the Web Crypto adapter (AES-256-GCM, key derived with PBKDF2).
//   SESSION_CRYPTO_SECRET="$(openssl rand -base64 32)" node --import tsx examples/webcrypto.ts
// Without SESSION_CRYPTO_SECRET it makes up a random secret per run: a restarted app cannot read the sessions of the last run.
// GET /stored shows the raw document: `session` is ciphertext; `_id` and `expires` stay readable
// because MongoDB needs them for lookups and the TTL index.
import { randomBytes } from 'node:crypto';
import express from 'express';
import session from 'express-session';
import { MongoClient } from 'mongodb';
import MongoStore, { createWebCryptoAdapter } from '../src/index';
import { startExampleMongo } from './support/mongo';
import { closeServer, listen, onShutdownSignal } from './support/serve';

declare module 'express-session' {
  interface SessionData {
    views?: number;
    email?: string;
  }
}

const mongo = await startExampleMongo();
const dbName = process.env.MONGO_DB ?? 'connect-mongo-next-example';
const collectionName = 'sessions_webcrypto';

const store = MongoStore.create({
  mongoUrl: mongo.url,
  dbName,
  collectionName,
  cryptoAdapter: createWebCryptoAdapter({
    secret: process.env.SESSION_CRYPTO_SECRET ?? randomBytes(32).toString('base64'),
  }),
});

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET ?? 'example-secret-change-me', resave: false, saveUninitialized: false, store }));

app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1;
  req.session.email = 'someone@example.com';
  res.json({ sessionId: req.sessionID, views: req.session.views });
});

// For the demonstration only: never expose raw session documents in a real app.
// It reads through a client of its own, as any other tool looking at the database would.
const inspector = await MongoClient.connect(mongo.url);
app.get('/stored', async (req, res) => {
  const sessions = inspector.db(dbName).collection<{ _id: string }>(collectionName);
  res.json({ stored: await sessions.findOne({ _id: req.sessionID }) });
});

const server = await listen(app, 'webcrypto example');

onShutdownSignal(async () => {
  await closeServer(server);
  await store.close();
  await inspector.close();
  await mongo.stop();
});
