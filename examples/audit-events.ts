// Store events as an audit trail: `create`, `update`, `set`, `touch` and `destroy` carry the session id first
// (`touch` also passes the session itself, as connect-mongo does); this log keeps only the id.
//   node --import tsx examples/audit-events.ts     (every event is printed as a JSON line; GET /audit lists them)
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
  collectionName: 'sessions_audit',
});

type AuditEntry = { at: string; event: string; sessionId: string };
const auditLog: AuditEntry[] = [];
for (const event of ['create', 'update', 'set', 'touch', 'destroy'] as const) {
  store.on(event, (sessionId: string) => {
    const entry = { at: new Date().toISOString(), event, sessionId };
    auditLog.push(entry);
    if (auditLog.length > 1000) auditLog.shift();
    console.log(JSON.stringify({ audit: entry }));
  });
}

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET ?? 'example-secret-change-me', resave: false, saveUninitialized: false, store }));

app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1;
  res.json({ sessionId: req.sessionID, views: req.session.views });
});

app.post('/logout', (req, res, next) => {
  req.session.destroy((error) => (error ? next(error) : res.json({ loggedOut: true })));
});

app.get('/audit', (_req, res) => {
  res.json({ events: auditLog });
});

const server = await listen(app, 'audit-events example');

onShutdownSignal(async () => {
  await closeServer(server);
  await store.close();
  await mongo.stop();
});
