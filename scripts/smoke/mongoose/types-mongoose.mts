// Type-checked (never run) with tsc --strict in an app whose own `mongodb` is 5.x while its Mongoose (8 or 9)
// bundles driver 6 or 7: the README's Mongoose patterns must compile with no cast, and the app's own
// MongoClient must still fit, with `collectionP` typed by the app's driver.
import mongoose from 'mongoose';
import { MongoClient, type Collection } from 'mongodb';
import session from 'express-session';
import MongoStore, { type InternalSessionType } from 'connect-mongo-next';

const url = 'mongodb://127.0.0.1:27017/app';

// The README's pattern, the most common way to use the store.
export const viaPromise = MongoStore.create({ clientPromise: mongoose.connect(url).then((m) => m.connection.getClient()) });
export const viaClient = MongoStore.create({ client: mongoose.connection.getClient(), closeClient: false });
const connection = mongoose.createConnection(url);
export const viaConnection = MongoStore.create({ clientPromise: connection.asPromise().then((c) => c.getClient()) });
// Either client, whichever the app picks at run time.
const mine = new MongoClient(url);
export const either = MongoStore.create({
  clientPromise: process.env.OWN_CLIENT ? mine.connect() : mongoose.connect(url).then((m) => m.connection.getClient()),
});

// The app's own driver types the collection.
export const own = MongoStore.create({ client: mine });
export const collection: Promise<Collection<InternalSessionType<session.SessionData>>> = own.collectionP;

// Mongoose objects that are not a client still fail to compile.
// @ts-expect-error a Connection is not a MongoClient: pass connection.getClient()
MongoStore.create({ client: mongoose.connection });
// @ts-expect-error mongoose.connect() resolves to the Mongoose instance, not a MongoClient
MongoStore.create({ clientPromise: mongoose.connect(url) });
