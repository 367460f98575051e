// Graceful shutdown: on SIGTERM (what Docker, Kubernetes and systemd send) or Ctrl+C, stop taking requests,
// let the ones in flight finish their session writes, then close the store. store.close() clears the
// autoRemove timer and closes the MongoClient, so the process can exit by itself with nothing left open.
//   node --import tsx examples/graceful-shutdown.ts    then Ctrl+C
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import MongoStore from '../src/index';
import { startExampleMongo } from './support/mongo';

declare module 'express-session' {
  interface SessionData {
    views?: number;
  }
}

const mongo = await startExampleMongo();

const store = MongoStore.create({
  mongoUrl: mongo.url,
  dbName: process.env.MONGO_DB ?? 'connect-mongo-next-example',
  collectionName: 'sessions_shutdown',
});

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET ?? 'example-secret-change-me', resave: false, saveUninitialized: false, store }));
app.get('/', (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1;
  res.json({ sessionId: req.sessionID, views: req.session.views });
});

const server = createServer(app);
server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address() as AddressInfo;
  console.log(`graceful-shutdown example listening on http://${address}:${port}`);
});

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  console.log(`${signal}: closing the HTTP server`);
  // close() stops new connections and resolves once open requests are done; idle keep-alive sockets
  // would hold it open, so drop those now.
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  server.closeIdleConnections();
  await closed;
  console.log('closing the session store');
  await store.close();
  await mongo.stop();
  console.log('closed: exiting with nothing left open');
  // No process.exit(): if something still held the event loop, the process would stay up and show it.
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    shutdown(signal).catch((error: unknown) => {
      console.error('shutdown failed:', error);
      process.exitCode = 1;
    });
  });
}
