// Connect instead of Express: express-session is plain Connect middleware, and so is the store behind it.
//   node --import tsx examples/connect.ts
import connect from 'connect';
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
  collectionName: 'sessions_connect',
});

const app = connect();
// express-session is typed with Express's Request; Connect's middleware type uses Node's IncomingMessage.
const sessionMiddleware = session({ secret: process.env.SESSION_SECRET ?? 'example-secret-change-me', resave: false, saveUninitialized: false, store });
app.use(sessionMiddleware as connect.NextHandleFunction);
app.use((req, res) => {
  // Connect hands the raw Node request on; express-session has added `session` and `sessionID` to it.
  const { session: userSession, sessionID } = req as typeof req & Pick<Express.Request, 'session' | 'sessionID'>;
  userSession.views = (userSession.views ?? 0) + 1;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ sessionId: sessionID, views: userSession.views }));
});

const server = await listen(app, 'connect example');

onShutdownSignal(async () => {
  await closeServer(server);
  await store.close();
  await mongo.stop();
});
