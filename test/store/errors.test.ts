// The store's errors are one family: each has a stable `code` per kind of failure, extends the built-in class
// connect-mongo throws for it (so `instanceof TypeError` keeps working), and keeps connect-mongo's text.
import { describe, expect, it } from 'vitest';
import { MongoStore, createKrupteinAdapter, createWebCryptoAdapter, type ConnectMongoErrorCode } from '../../src/index';
import { ConnectMongoError } from '../../src/errors';
import { makeSession, makeStore, sid, track } from '../support';

/** The error `fn` throws or rejects with. */
async function caught(fn: () => unknown): Promise<Error & { code?: unknown }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { code?: unknown };
  }
  throw new Error('expected a failure');
}

function expectFamily(err: Error & { code?: unknown }, code: ConnectMongoErrorCode, builtIn: ErrorConstructor, text: RegExp) {
  expect(err).toBeInstanceOf(builtIn);
  expect(err).toBeInstanceOf(ConnectMongoError);
  expect(err.code).toBe(code);
  expect(err.message).toMatch(/^connect-mongo: /);
  expect(err.message).toMatch(text);
}

describe('errors with a code', () => {
  it('a bad option: TypeError or RangeError, CONNECT_MONGO_BAD_OPTION, naming the option', async () => {
    expectFamily(await caught(() => MongoStore.create({} as never)), 'CONNECT_MONGO_BAD_OPTION', TypeError, /You must provide either mongoUrl\|clientPromise\|client in options/);
    expectFamily(await caught(() => MongoStore.create({ mongoUrl: 'mongodb://127.0.0.1/x', ttl: '60' as never })), 'CONNECT_MONGO_BAD_OPTION', TypeError, /option `ttl` must be a number/);
    expectFamily(await caught(() => MongoStore.create({ mongoUrl: 'mongodb://127.0.0.1/x', ttl: -1 })), 'CONNECT_MONGO_BAD_OPTION', RangeError, /option `ttl` must be greater than 0/);
  });

  it("the adapter factories' option errors are the same family, with connect-mongo's wording inside", async () => {
    const missing = await caught(() => createWebCryptoAdapter({ secret: undefined as never }));
    expectFamily(missing, 'CONNECT_MONGO_BAD_OPTION', Error, /createWebCryptoAdapter requires a secret/);
    expectFamily(await caught(() => createWebCryptoAdapter({ secret: 'x'.repeat(32), ivLength: 3 })), 'CONNECT_MONGO_BAD_OPTION', RangeError, /"ivLength"/);
    expectFamily(await caught(() => createKrupteinAdapter({ secret: '' })), 'CONNECT_MONGO_BAD_OPTION', Error, /createKrupteinAdapter requires a non-empty secret/);
    const adapter = createWebCryptoAdapter({ secret: 'y'.repeat(32) });
    expectFamily(await caught(() => adapter.decrypt('bm90IGEgY2lwaGVydGV4dA')), 'CONNECT_MONGO_UNDECRYPTABLE', Error, /Unable to decrypt session data/);
  });

  it('a bad argument, a refused write, a closed store', async () => {
    const { store } = makeStore({ stringify: false });
    expectFamily(await caught(() => store.get({ $gt: '' } as never)), 'CONNECT_MONGO_BAD_ARGUMENT', TypeError, /`sid` must be a non-empty string/);
    const bigint = makeSession({ n: 1n as never });
    expectFamily(await caught(() => store.set(sid(), bigint)), 'CONNECT_MONGO_REFUSED_WRITE', TypeError, /BigInt/);
    await store.close();
    expectFamily(await caught(() => store.get(sid())), 'CONNECT_MONGO_CLOSED', Error, /the store is closed/);
  });

  it('unreadable and undecryptable stored sessions have codes of their own', async () => {
    const { store, collection } = makeStore();
    const id = sid();
    await (await collection()).insertOne({ _id: id as never, session: '{not json', expires: new Date(Date.now() + 60_000) });
    expectFamily(await caught(() => store.get(id)), 'CONNECT_MONGO_UNREADABLE_SESSION', Error, /the stored session is unreadable \(invalid JSON\)/);

    const { store: encrypted, dbName } = makeStore({ cryptoAdapter: createWebCryptoAdapter({ secret: 'a'.repeat(32) }) });
    await encrypted.set(id, makeSession());
    const other = makeStore({ dbName, cryptoAdapter: createWebCryptoAdapter({ secret: 'b'.repeat(32) }) }).store;
    expectFamily(await caught(() => other.get(id)), 'CONNECT_MONGO_UNDECRYPTABLE', Error, /the stored session is unreadable/);
  });

  it("an unreachable MongoDB: the 'error' event has CONNECT_MONGO_NOT_CONNECTED", async () => {
    const store = track(MongoStore.create({ mongoUrl: 'mongodb://127.0.0.1:1/app', mongoOptions: { serverSelectionTimeoutMS: 300 } }));
    const error = await new Promise<Error & { code?: unknown }>((resolve) => store.once('error', resolve));
    expectFamily(error, 'CONNECT_MONGO_NOT_CONNECTED', Error, /could not connect to MongoDB at 127\.0\.0\.1:1/);
  });
});
