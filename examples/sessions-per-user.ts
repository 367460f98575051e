// Sessions per user: each login records whose session it is (the `userId` option), so a user can see their
// devices, end one of them or all the others, and a tombstone (`destroyGrace`) stops a request still in flight
// on an ended session from writing it back. Session ids are stored hashed (`hashSessionIds`).
//   node --import tsx examples/sessions-per-user.ts
// Listed sessions carry the id the store keeps (hashed with `hashSessionIds`): `store.storedId(req.sessionID)` says
// which one is this browser's, and `store.destroyStored(id)` ends one of them.
//   POST /login?user=alice · GET /devices · POST /devices/:id/logout · POST /logout-everywhere-else · POST /logout-everywhere
import express from 'express';
import session from 'express-session';
import MongoStore from '../src/index';
import { startExampleMongo } from './support/mongo';
import { closeServer, listen, onShutdownSignal } from './support/serve';

declare module 'express-session' {
  interface SessionData {
    account?: string;
  }
}

const mongo = await startExampleMongo();

const store = MongoStore.create({
  mongoUrl: mongo.url,
  dbName: process.env.MONGO_DB ?? 'connect-mongo-next-example',
  collectionName: 'sessions_per_user',
  userId: (s) => s.account,
  destroyGrace: 60,
  hashSessionIds: { secret: process.env.SESSION_ID_PEPPER ?? 'example-pepper-change-me' },
});
store.on('refused', (sid: string, what: string) => console.log(JSON.stringify({ refused: what, sid })));

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET ?? 'example-secret-change-me', resave: false, saveUninitialized: false, store }));

app.post('/login', (req, res, next) => {
  req.session.regenerate((err) => {
    if (err) return next(err);
    req.session.account = String(req.query.user ?? 'anonymous');
    res.json({ user: req.session.account, sessionId: req.sessionID });
  });
});

app.get('/devices', async (req, res) => {
  if (!req.session.account) return res.status(401).json({ error: 'not logged in' });
  const sessions = await store.sessionsByUser(req.session.account);
  const current = store.storedId(req.sessionID);
  res.json({ user: req.session.account, sessions: sessions.map((s) => ({ ...s, current: s.id === current })) });
});

app.post('/devices/:id/logout', async (req, res) => {
  if (!req.session.account) return res.status(401).json({ error: 'not logged in' });
  // Only a session of this user: the id comes from the request, and ids are no secret to whoever reads the database.
  const sessions = await store.sessionsByUser(req.session.account);
  if (!sessions.some((s) => s.id === req.params.id)) return res.status(404).json({ error: 'no such session' });
  await store.destroyStored(req.params.id);
  res.json({ ended: 1 });
});

app.post('/logout-everywhere-else', async (req, res) => {
  if (!req.session.account) return res.status(401).json({ error: 'not logged in' });
  res.json({ ended: await store.destroyByUser(req.session.account, { except: req.sessionID }) });
});

app.post('/logout-everywhere', async (req, res) => {
  if (!req.session.account) return res.status(401).json({ error: 'not logged in' });
  res.json({ ended: await store.destroyByUser(req.session.account) });
});

app.get('/', (req, res) => res.json({ user: req.session.account ?? null }));

const server = await listen(app, 'sessions-per-user example');

onShutdownSignal(async () => {
  await closeServer(server);
  await store.close();
  await mongo.stop();
});
