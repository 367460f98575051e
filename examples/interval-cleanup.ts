// autoRemove: 'interval' for MongoDB-compatible services without TTL indexes (Azure Cosmos DB's older API
// versions, some DocumentDB setups) or where the app may not create indexes. The store then deletes expired
// sessions itself every `autoRemoveInterval` minutes. Expired sessions are never returned in between:
// reads filter on `expires` whatever the removal mode.
//   node --import tsx examples/interval-cleanup.ts
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
  collectionName: 'sessions_interval',
  autoRemove: 'interval',
  autoRemoveInterval: 1, // minutes (default 10); the timer is unref()'d and cleared by store.close()
  ttl: 5 * 60, // seconds, for cookies without maxAge
});

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET ?? 'example-secret-change-me', resave: false, saveUninitialized: false, store }));

app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1;
  req.session.cookie.maxAge = 2 * 60 * 1000; // this session expires two minutes after its last write
  res.json({ sessionId: req.sessionID, views: req.session.views, expires: req.session.cookie.expires });
});

const server = await listen(app, 'interval-cleanup example');

onShutdownSignal(async () => {
  await closeServer(server);
  await store.close(); // also stops the cleanup timer
  await mongo.stop();
});
