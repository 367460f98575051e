// Reusing a MongoClient your app already has, instead of letting the store open its own.
//   node --import tsx examples/existing-client.ts
// Two mounts show the two options: `client` (an already-connected client) and `clientPromise`
// (a connection still in progress). Note: like connect-mongo, store.close() closes the client it was given,
// so with a shared client, close the client once at shutdown instead of calling store.close() on each store.
import express from 'express';
import session from 'express-session';
import { MongoClient } from 'mongodb';
import MongoStore from '../src/index';
import { startExampleMongo } from './support/mongo';
import { closeServer, listen, onShutdownSignal } from './support/serve';

declare module 'express-session' {
  interface SessionData {
    views?: number;
  }
}

const mongo = await startExampleMongo();

// The app's own client, used for its own data too.
const clientPromise = MongoClient.connect(mongo.url);
const client = await clientPromise;
const dbName = process.env.MONGO_DB ?? 'connect-mongo-next-example';

const storeFromClient = MongoStore.create({ client, dbName, collectionName: 'sessions_client' });
const storeFromPromise = MongoStore.create({ clientPromise, dbName, collectionName: 'sessions_promise' });

const app = express();
const sessionOptions = { secret: process.env.SESSION_SECRET ?? 'example-secret-change-me', resave: false, saveUninitialized: false };
app.use('/client', session({ ...sessionOptions, name: 'client.sid', store: storeFromClient }));
app.use('/promise', session({ ...sessionOptions, name: 'promise.sid', store: storeFromPromise }));

const countViews: express.RequestHandler = (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1;
  res.json({ sessionId: req.sessionID, views: req.session.views });
};
app.get('/client', countViews);
app.get('/promise', countViews);

// The app keeps using the same client for its own collections.
app.get('/', async (_req, res) => {
  const sessions = await client.db(dbName).collection('sessions_client').countDocuments();
  res.json({ routes: ['/client', '/promise'], sessionsViaClient: sessions });
});

const server = await listen(app, 'existing-client example');

onShutdownSignal(async () => {
  await closeServer(server);
  await client.close(); // both stores share this client: close it once, here
  await mongo.stop();
});
