// Smoke test of the installed tarball from an ES module, the way an app would use it.
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import session from 'express-session';
import MongoStore, { MongoStore as NamedMongoStore, createKrupteinAdapter, createWebCryptoAdapter } from 'connect-mongo-next';

// 32 bytes or more, so that no weak-secret warning is printed.
const SECRET = 'a smoke test secret of 32 bytes or more';

assert.equal(MongoStore, NamedMongoStore, 'default and named exports are the same class');
assert.equal(MongoStore.name, 'MongoStore');
assert.equal(typeof MongoStore.create, 'function');

const store = MongoStore.create({
  mongoUrl: process.env.MONGO_URL,
  dbName: `smoke_esm${process.env.SMOKE_DB_SUFFIX ?? ''}`, // runtimes run side by side, each in its own database
  cryptoAdapter: createWebCryptoAdapter({ secret: SECRET }),
});
assert.ok(store instanceof session.Store, 'a MongoStore is an express-session Store');
assert.equal(typeof session({ secret: 's', store, resave: false, saveUninitialized: false }), 'function');

const cookie = { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000).toISOString(), httpOnly: true, path: '/' };
await promisify(store.set.bind(store))('esm-sid', { cookie, views: 3 });
const loaded = await promisify(store.get.bind(store))('esm-sid');
assert.equal(loaded.views, 3);
assert.equal(await promisify(store.length.bind(store))(), 1);
await promisify(store.destroy.bind(store))('esm-sid');
assert.equal(await promisify(store.get.bind(store))('esm-sid'), null);
await store.close();

const kruptein = createKrupteinAdapter({ secret: SECRET });
assert.equal(await kruptein.decrypt(await kruptein.encrypt('hello')), 'hello');
console.log('esm.mjs: import default/named, create, set/get/length/destroy, close, adapters: ok');
