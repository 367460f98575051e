// Smoke test of the installed tarball from CommonJS: require() must return the class itself
// (connect-mongo 6 returns a namespace object, where require(...).create is undefined).
const assert = require('node:assert/strict');
const { promisify } = require('node:util');
const session = require('express-session');
const MongoStore = require('connect-mongo-next');

assert.equal(typeof MongoStore, 'function', 'require() returns the class');
assert.equal(MongoStore.name, 'MongoStore');
assert.equal(MongoStore.default, MongoStore);
assert.equal(MongoStore.MongoStore, MongoStore);
const { createWebCryptoAdapter, createKrupteinAdapter } = require('connect-mongo-next');
assert.equal(typeof createWebCryptoAdapter, 'function');
assert.equal(typeof createKrupteinAdapter, 'function');

// Runtimes run side by side (npm run test:runtimes), each in its own database.
const dbName = `smoke_cjs${process.env.SMOKE_DB_SUFFIX ?? ''}`;

async function main() {
  const viaCreate = MongoStore.create({ mongoUrl: process.env.MONGO_URL, dbName, crypto: { secret: 'a legacy smoke secret of 32 bytes or more' } });
  const viaNew = new MongoStore({ mongoUrl: process.env.MONGO_URL, dbName });
  assert.ok(viaCreate instanceof session.Store);
  assert.ok(viaNew instanceof MongoStore);

  const cookie = { originalMaxAge: 60000, expires: new Date(Date.now() + 60000).toISOString(), httpOnly: true, path: '/' };
  await promisify(viaCreate.set.bind(viaCreate))('cjs-sid', { cookie, user: 'ada' });
  const loaded = await promisify(viaCreate.get.bind(viaCreate))('cjs-sid');
  assert.equal(loaded.user, 'ada');
  // The other store reads the same collection without the secret: it sees ciphertext, not the user.
  const raw = await promisify(viaNew.length.bind(viaNew))();
  assert.equal(raw, 1);
  await promisify(viaCreate.clear.bind(viaCreate))();
  assert.equal(await promisify(viaNew.length.bind(viaNew))(), 0);
  await viaCreate.close();
  await viaNew.close();
  console.log('cjs.cjs: require() is the class, .default/.MongoStore/.create/new, set/get/clear, close: ok');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
