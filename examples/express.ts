// Express + express-session + connect-mongo-next, connecting with `mongoUrl`. This is what `npm start` runs.
//   npm start                      embedded MongoDB (see support/mongo.ts), port 3000
//   MONGO_URL=mongodb://127.0.0.1:27017 PORT=8080 npm start
// In your own app the import is `import MongoStore from 'connect-mongo-next'` (see examples/README.md).
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
  ttl: 14 * 24 * 60 * 60, // seconds; used when the cookie has no maxAge
  mongoOptions: { serverSelectionTimeoutMS: 5000 }, // while MongoDB is down, fail requests after 5 s, not 30
});

const app = express();
app.use(
  session({
    secret: process.env.SESSION_SECRET ?? 'example-secret-change-me',
    resave: false, // the store's touch() keeps expiry fresh without rewriting the session
    saveUninitialized: false, // no document until the session holds something
    store,
    cookie: { httpOnly: true, sameSite: 'lax', maxAge: 24 * 60 * 60 * 1000 },
  }),
);

app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1;
  res.json({ sessionId: req.sessionID, views: req.session.views });
});

app.post('/logout', (req, res, next) => {
  req.session.destroy((error) => (error ? next(error) : res.json({ loggedOut: true })));
});

app.get('/count', (_req, res, next) => {
  store.length((error, length) => (error ? next(error) : res.json({ sessions: length })));
});

const server = await listen(app, 'express example');

onShutdownSignal(async () => {
  await closeServer(server);
  await store.close(); // closes the MongoClient the store opened from mongoUrl
  await mongo.stop();
});
