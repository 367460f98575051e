// Mongoose app: the store shares Mongoose's connection through getClient(), so there is one pool.
//   node --import tsx examples/mongoose.ts
import express from 'express';
import session from 'express-session';
import mongoose from 'mongoose';
import MongoStore from '../src/index';
import { startExampleMongo } from './support/mongo';
import { closeServer, listen, onShutdownSignal } from './support/serve';

declare module 'express-session' {
  interface SessionData {
    views?: number;
  }
}

const mongo = await startExampleMongo();
const dbName = process.env.MONGO_DB ?? 'connect-mongo-next-example';

// Mongoose ships its own copy of the driver; `client` accepts it whatever its version, no cast needed.
const connection = await mongoose.connect(mongo.url, { dbName });
const store = MongoStore.create({ client: connection.connection.getClient() });
// Or, without waiting at startup:
//   clientPromise: mongoose.connect(url, { dbName }).then((m) => m.connection.getClient())

const Visit = mongoose.model('Visit', new mongoose.Schema({ sessionId: String, at: Date }));

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET ?? 'example-secret-change-me', resave: false, saveUninitialized: false, store }));

app.get('/', async (req, res) => {
  req.session.views = (req.session.views ?? 0) + 1;
  await Visit.create({ sessionId: req.sessionID, at: new Date() });
  const visits = await Visit.countDocuments({ sessionId: req.sessionID });
  res.json({ sessionId: req.sessionID, views: req.session.views, visitsRecordedByMongoose: visits });
});

const server = await listen(app, 'mongoose example');

onShutdownSignal(async () => {
  await closeServer(server);
  await mongoose.disconnect(); // closes the shared client; the store has nothing else to release
  await mongo.stop();
});
