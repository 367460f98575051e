// Reads of a ciphertext the store decrypted or wrote last time for that id skip the decryption (our two
// adapters, not an app's); anything else in the database is decrypted as before. The adapter's own functions are
// counted in place (they still run), never replaced.
import { describe, expect, it } from 'vitest';
import { createKrupteinAdapter, createWebCryptoAdapter, type CryptoAdapter } from '../../src/index';
import { cipherOf } from '../../src/crypto/cipher';
import { RecentPlaintexts } from '../../src/document/encryption';
import { MongoClient } from 'mongodb';
import { expectMovedCiphertextRefused, makeSession, makeStore, mongoUrl, sid } from '../support';

const SECRET = 'recent-plaintexts-secret-0123456789abcdef';

/** The store's memory of plaintexts (private: only a test looks inside). */
const recentOf = (store: object) =>
  (store as unknown as { codec: { options: { encryption: { recent: RecentPlaintexts } } } }).codec.options.encryption.recent;

/**
 * A store whose client has one connection: commands go out one after another in call order, so a get()
 * called just before a destroy() reads the session before the delete removes it, and its reply is decoded
 * after destroy() has begun.
 */
function oneConnectionStore(cryptoAdapter: CryptoAdapter) {
  return makeStore({ client: new MongoClient(mongoUrl(), { maxPoolSize: 1 }), cryptoAdapter });
}

/** Counts the decryptions an adapter of ours performs: each call of the function the store and its public decrypt() call. */
function countDecryptions(adapter: CryptoAdapter): { count: () => number } {
  const cipher = cipherOf(adapter);
  let n = 0;
  const decrypt = cipher.decrypt.bind(cipher);
  cipher.decrypt = (c, x) => (n++, decrypt(c, x));
  return { count: () => n };
}

describe.each([
  ['kruptein', () => createKrupteinAdapter({ secret: SECRET })],
  ['WebCrypto', () => createWebCryptoAdapter({ secret: SECRET })],
])('recent plaintexts, %s', (_name, makeAdapter) => {
  it('a session read again unchanged, or read after this store wrote it, is not decrypted again', async () => {
    const adapter = makeAdapter();
    const { count } = countDecryptions(adapter);
    const { store, dbName } = makeStore({ cryptoAdapter: adapter });
    const id = sid();
    await store.set(id, makeSession({ n: 1 }));
    expect(await store.get(id)).toMatchObject({ n: 1 });
    expect(count()).toBe(0);
    // Another store (its own memory) reads it: one decryption, then none.
    const otherAdapter = makeAdapter();
    const other = { ...countDecryptions(otherAdapter), store: makeStore({ dbName, cryptoAdapter: otherAdapter }).store };
    expect(await other.store.get(id)).toMatchObject({ n: 1 });
    expect(await other.store.get(id)).toMatchObject({ n: 1 });
    expect(other.count()).toBe(1);
    expect(await store.get(id)).toMatchObject({ n: 1 });
    expect(count()).toBe(0);
  });

  it('a ciphertext written by another instance, or altered, is decrypted: never the remembered session', async () => {
    const adapter = makeAdapter();
    const { count } = countDecryptions(adapter);
    const { store, dbName, collection } = makeStore({ cryptoAdapter: adapter });
    const id = sid();
    await store.set(id, makeSession({ n: 1 }));
    const other = makeStore({ dbName, cryptoAdapter: makeAdapter() }).store;
    await other.set(id, makeSession({ n: 2 }));
    expect(await store.get(id)).toMatchObject({ n: 2 });
    expect(count()).toBe(1);
    expect(await store.get(id)).toMatchObject({ n: 2 });
    expect(count()).toBe(1);
    // Flip one character in the stored ciphertext: the read fails as it would without the memory.
    const coll = await collection();
    const doc = (await coll.findOne({ _id: id as never }))!;
    const s = doc.session as string;
    const i = Math.floor(s.length / 2);
    await coll.updateOne({ _id: id as never }, { $set: { session: s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1) } });
    await expect(store.get(id)).rejects.toThrow(/unreadable/);
    expect(count()).toBe(2);
  });

  it('all() and entries() read through it but keep nothing new: a listing would push out the sessions in use', async () => {
    const { store, dbName } = makeStore({ cryptoAdapter: makeAdapter() });
    const ids = [sid(), sid(), sid()];
    for (const id of ids) await store.set(id, makeSession({ id }));
    const adapter = makeAdapter();
    const { count } = countDecryptions(adapter);
    const reader = makeStore({ dbName, cryptoAdapter: adapter }).store;
    expect(await reader.get(ids[0])).toMatchObject({ id: ids[0] });
    expect(count()).toBe(1);
    expect(await reader.all()).toHaveLength(3);
    expect(count()).toBe(3); // ids[0] was known
    for await (const _ of reader.entries()) void _;
    expect(count()).toBe(5);
    expect(await reader.get(ids[1])).toMatchObject({ id: ids[1] });
    expect(count()).toBe(6);
  });

  it('after destroy() the same ciphertext put back in the database is decrypted afresh', async () => {
    const adapter = makeAdapter();
    const { count } = countDecryptions(adapter);
    const { store, collection } = makeStore({ cryptoAdapter: adapter });
    const id = sid();
    await store.set(id, makeSession({ n: 1 }));
    const coll = await collection();
    const doc = (await coll.findOne({ _id: id as never }))!;
    await store.destroy(id);
    expect(await store.get(id)).toBeNull();
    await coll.insertOne(doc);
    expect(await store.get(id)).toMatchObject({ n: 1 });
    expect(count()).toBe(1);
  });

  it('a get() in flight when destroy() or clear() runs does not put the plaintext back', async () => {
    for (const end of ['destroy', 'clear'] as const) {
      const adapter = makeAdapter();
      const { count } = countDecryptions(adapter);
      const { store, collection } = oneConnectionStore(adapter);
      const id = sid();
      await store.set(id, makeSession({ n: 1 }));
      const doc = (await (await collection()).findOne({ _id: id as never }))!;
      const reading = store.get(id);
      await (end === 'destroy' ? store.destroy(id) : store.clear());
      expect(await reading).toMatchObject({ n: 1 }); // the read did race the logout
      const decrypted = count();
      expect(recentOf(store).recall(id, doc.session as string)).toBeUndefined();
      await (await collection()).insertOne(doc);
      expect(await store.get(id)).toMatchObject({ n: 1 });
      expect(count()).toBe(decrypted + 1);
    }
  });

  it('with destroyGrace, a set() refused after the logout keeps nothing of what it encrypted', async () => {
    const { store } = makeStore({ cryptoAdapter: makeAdapter(), destroyGrace: 60 });
    const id = sid();
    await store.set(id, makeSession({ n: 1 }));
    await store.destroy(id);
    const refused = new Promise((resolve) => store.once('refused', resolve));
    await store.set(id, makeSession({ n: 2 }));
    await refused;
    expect(recentOf(store).size).toBe(0);
  });

  it('close() keeps no plaintext, not even of a get() still in flight', async () => {
    const { store, collection } = oneConnectionStore(makeAdapter());
    const [a, b] = [sid(), sid()];
    await store.set(a, makeSession({ n: 1 }));
    await store.set(b, makeSession({ n: 2 }));
    const docs = await (await collection()).find({}).toArray();
    expect(docs.map((d) => recentOf(store).recall(d._id as unknown as string, d.session as string))).toEqual([expect.anything(), expect.anything()]);
    const reading = store.get(a).catch(() => null); // may end as "the store is closed"
    await store.close();
    await reading;
    for (const d of docs) expect(recentOf(store).recall(d._id as unknown as string, d.session as string)).toBeUndefined();
  });
});

describe('recent plaintexts', () => {
  it('with bindToId, a ciphertext moved to another id is refused even though it is remembered under its own', async () => {
    const adapter = createWebCryptoAdapter({ secret: SECRET });
    const { store, collection } = makeStore({ cryptoAdapter: adapter, bindToId: true });
    await expectMovedCiphertextRefused(store, await collection()); // the victim's plaintext is remembered
  });

  it("an app's own adapter is called on every read", async () => {
    const inner = createWebCryptoAdapter({ secret: SECRET });
    let decrypts = 0;
    const own: CryptoAdapter = { encrypt: (p) => inner.encrypt(p), decrypt: (c) => (decrypts++, inner.decrypt(c)) };
    const { store } = makeStore({ cryptoAdapter: own });
    const id = sid();
    await store.set(id, makeSession({ n: 1 }));
    await store.get(id);
    await store.get(id);
    expect(decrypts).toBe(2);
  });

  it('keeps at most 1,000 sessions and 8 Mi characters, least recently used out first', () => {
    const recent = new RecentPlaintexts();
    for (let i = 0; i < 1001; i++) recent.remember(`id${i}`, `ct${i}`, { plaintext: `p${i}`, stale: false });
    expect(recent.recall('id0', 'ct0')).toBeUndefined();
    expect(recent.recall('id1', 'ct1')).toEqual({ ciphertext: 'ct1', plaintext: 'p1', stale: false });
    expect(recent.recall('id1', 'ct1-other')).toBeUndefined();
    const big = 'x'.repeat(200 * 1024);
    for (let i = 0; i < 40; i++) recent.remember(`big${i}`, big + i, { plaintext: big, stale: false });
    // 40 × 400 Ki characters is over 15 Mi: the newest 20 fit in 8 Mi, the small ones went first.
    expect(recent.recall('id1', 'ct1')).toBeUndefined();
    expect(recent.recall('big39', big + 39)).toBeDefined();
    expect(recent.recall('big20', big + 20)).toBeDefined();
    expect(recent.recall('big19', big + 19)).toBeUndefined();
    recent.remember('huge', 'y'.repeat(600 * 1024), { plaintext: 'z', stale: false });
    expect(recent.recall('huge', 'y'.repeat(600 * 1024))).toBeUndefined(); // over a sixteenth: never kept
  });
});
