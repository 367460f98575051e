// TypeScript: declare what your sessions hold once, and req.session is typed everywhere.
//   node --import tsx examples/typed-session.ts
//   curl -c jar -b jar -X POST 'http://127.0.0.1:3000/login?name=ada' ; curl -b jar http://127.0.0.1:3000/me
import express from 'express';
import session, { type SessionData } from 'express-session';
import MongoStore, { type ConnectMongoOptions } from '../src/index';
import { startExampleMongo } from './support/mongo';
import { closeServer, listen, onShutdownSignal } from './support/serve';

// Module augmentation: merges into express-session's SessionData, which MongoStore is generic over.
declare module 'express-session' {
  interface SessionData {
    views?: number;
    user?: { name: string; roles: string[]; signedInAt: string };
  }
}

const mongo = await startExampleMongo();

const options: ConnectMongoOptions<SessionData> = {
  mongoUrl: mongo.url,
  dbName: process.env.MONGO_DB ?? 'connect-mongo-next-example',
  collectionName: 'sessions_typed',
  touchAfter: 60, // seconds: an unchanged session is written at most once a minute
};
const store: MongoStore<SessionData> = MongoStore.create(options);

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET ?? 'example-secret-change-me', resave: false, saveUninitialized: false, store }));

app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1;
  res.json({ sessionId: req.sessionID, views: req.session.views });
});

app.post('/login', (req, res, next) => {
  const name = String(req.query.name ?? 'anonymous');
  // A new session id at sign-in protects against session fixation.
  req.session.regenerate((error) => {
    if (error) return next(error);
    req.session.user = { name, roles: ['reader'], signedInAt: new Date().toISOString() };
    res.json({ signedIn: name });
  });
});

app.get('/me', (req, res) => {
  const user = req.session.user; // typed: { name; roles; signedInAt } | undefined
  if (!user) {
    res.status(401).json({ error: 'not signed in' });
    return;
  }
  res.json({ name: user.name, roles: user.roles });
});

const server = await listen(app, 'typed-session example');

onShutdownSignal(async () => {
  await closeServer(server);
  await store.close();
  await mongo.stop();
});
