// Secrets at rest: hashed session ids (and their migration from plain ids), with no session id reaching
// MongoDB, debug output or events; weak-secret warnings; key rotation (reading, re-encrypting on read and
// in bulk); what an undecryptable session does; ciphertext bound to its id.
import { createHash, createHmac } from 'node:crypto';
import { format } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as connectMongo from 'connect-mongo';
import { MongoStore, createKrupteinAdapter, createWebCryptoAdapter, type CryptoAdapter } from '../../src/index';
import { commandLog, expectMovedCiphertextRefused, debugOutput, makeSession, makeStore, mongoUrl, sid, track, uniqueDbName } from '../support';
import { warningsFrom } from '../support/warnings';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const hmac = (key: string, s: string) => createHmac('sha256', key).update(s).digest('hex');

const OLD = 'old-secret-0123456789abcdef0123456789';
const NEW = 'new-secret-0123456789abcdef0123456789';

/** Warnings emitted while fn runs (taken: the test asserts them, so they are not printed). */
const captureWarnings = (fn: () => void | Promise<void>): Promise<Error[]> => warningsFrom(fn);

describe('weak secrets', () => {
  it('a short or placeholder secret warns once per secret, naming the adapter, never the secret; never an error', async () => {
    const warnings = await captureWarnings(() => {
      createWebCryptoAdapter({ secret: 'short' });
      createWebCryptoAdapter({ secret: 'short' }); // the same secret again: already said
      createWebCryptoAdapter({ secret: 'tiny' }); // another weak secret: said again
      createKrupteinAdapter({ secret: 'keyboard cat' });
      MongoStore.create({ mongoUrl: mongoUrl(), crypto: { secret: false } }).close();
      createWebCryptoAdapter({ secret: 'x'.repeat(32) });
    });
    const ours = warnings.filter((w) => (w as { code?: string }).code === 'CONNECT_MONGO_WEAK_SECRET');
    expect(ours.map((w) => w.message)).toEqual([
      expect.stringMatching(/^createWebCryptoAdapter: the secret is shorter than 32 bytes/),
      expect.stringMatching(/^createWebCryptoAdapter: the secret is shorter than 32 bytes/),
      expect.stringMatching(/^createKrupteinAdapter: the secret is a well-known placeholder/),
    ]);
    for (const w of ours) expect(w.message).not.toMatch(/\bshort\b|\btiny\b|keyboard cat/);
  });
});

describe('key rotation', () => {
  it("reads connect-mongo 6.0.0's data under the old secret; the next write uses the newest", async () => {
    const { dbName, collection } = makeStore();
    const theirs = new connectMongo.MongoStore({ mongoUrl: mongoUrl(), dbName, cryptoAdapter: connectMongo.createWebCryptoAdapter({ secret: OLD }) });
    track({ close: () => theirs.close() });
    const id = sid();
    await new Promise((resolve, reject) => theirs.set(id, makeSession({ v: 'old' }), (e) => (e ? reject(e) : resolve(e))));
    const { store } = makeStore({ dbName, cryptoAdapter: createWebCryptoAdapter({ secret: [NEW, OLD] }) });
    expect(await store.get(id)).toMatchObject({ v: 'old' });
    await store.set(id, makeSession({ v: 'rotated' }));
    const newOnly = makeStore({ dbName, cryptoAdapter: createWebCryptoAdapter({ secret: NEW }) }).store;
    expect(await newOnly.get(id)).toMatchObject({ v: 'rotated' });
    const oldOnly = makeStore({ dbName, cryptoAdapter: createWebCryptoAdapter({ secret: OLD }) }).store;
    await expect(oldOnly.get(id)).rejects.toThrow(/unreadable/);
    expect(typeof (await (await collection()).findOne({ _id: id as never }))?.session).toBe('string');
  });

  it('the legacy crypto option takes a list too, in the kruptein format connect-mongo reads', async () => {
    const { dbName } = makeStore();
    const id = sid();
    await makeStore({ dbName, crypto: { secret: OLD } }).store.set(id, makeSession({ v: 'kruptein-old' }));
    const { store } = makeStore({ dbName, crypto: { secret: [NEW, OLD] } });
    expect(await store.get(id)).toMatchObject({ v: 'kruptein-old' });
    await store.set(id, makeSession({ v: 'kruptein-new' }));
    const theirs = new connectMongo.MongoStore({ mongoUrl: mongoUrl(), dbName, crypto: { secret: NEW } });
    track({ close: () => theirs.close() });
    const read = await new Promise((resolve, reject) => theirs.get(id, (e, s) => (e ? reject(e) : resolve(s))));
    expect(read).toMatchObject({ v: 'kruptein-new' });
  });

  it('a half-rotated collection reads whole; reencryptOnRead rewrites a stale session at once', async () => {
    const { dbName, collection } = makeStore();
    const [a, b] = [sid(), sid()];
    await makeStore({ dbName, cryptoAdapter: createWebCryptoAdapter({ secret: OLD }) }).store.set(a, makeSession({ v: 'a' }));
    const { store } = makeStore({ dbName, cryptoAdapter: createWebCryptoAdapter({ secret: [NEW, OLD] }), reencryptOnRead: true });
    await store.set(b, makeSession({ v: 'b' }));
    expect((await store.all()).map((s) => (s as { v?: string }).v).sort()).toEqual(['a', 'b']);
    const before = (await (await collection()).findOne({ _id: a as never }))!.session;
    expect(await store.get(a)).toMatchObject({ v: 'a' });
    const after = (await (await collection()).findOne({ _id: a as never }))!.session;
    expect(after).not.toBe(before);
    expect(await makeStore({ dbName, cryptoAdapter: createWebCryptoAdapter({ secret: NEW }) }).store.get(a)).toMatchObject({ v: 'a' });
  });

  it('a re-encryption loses to a concurrent set(): it only replaces the ciphertext it read', async () => {
    const { store, collection } = makeStore({ cryptoAdapter: createWebCryptoAdapter({ secret: [NEW, OLD] }), reencryptOnRead: true });
    const id = sid();
    await store.set(id, makeSession({ v: 'first' }));
    const stale = (await (await collection()).findOne({ _id: id as never }))!.session as string;
    await store.set(id, makeSession({ v: 'newer' }));
    const reencryption = (store as unknown as { reencryption: { one: (...a: unknown[]) => Promise<boolean> } }).reencryption;
    expect(await reencryption.one(await store.collectionP, id, stale, JSON.stringify(makeSession({ v: 'first' })))).toBe(false);
    expect(await store.get(id)).toMatchObject({ v: 'newer' });
  });

  it('reencryptAll() rewrites what is stale in resumable batches, reports progress, leaves the undecryptable alone', async () => {
    const { dbName, collection } = makeStore();
    const oldStore = makeStore({ dbName, crypto: { secret: OLD } }).store;
    for (let i = 0; i < 25; i++) await oldStore.set(`s${String(i).padStart(2, '0')}`, makeSession({ i }));
    await makeStore({ dbName, crypto: { secret: 'someone-elses-secret-0123456789abcdef' } }).store.set('s99', makeSession());
    const { store } = makeStore({ dbName, crypto: { secret: [NEW, OLD] } });
    const first: unknown[] = [];
    const partial = await store.reencryptAll({ batchSize: 10, onProgress: (p) => first.push(p) });
    expect(partial).toEqual({ scanned: 26, reencrypted: 25, failed: 1, unencrypted: 0, lastId: 's99' });
    expect(first).toHaveLength(3);
    expect(first[0]).toEqual({ scanned: 10, reencrypted: 10, failed: 0, unencrypted: 0, lastId: 's09' });
    const resumed = await store.reencryptAll({ batchSize: 10, after: 's19' });
    expect(resumed).toEqual({ scanned: 6, reencrypted: 0, failed: 1, unencrypted: 0, lastId: 's99' });
    const newOnly = makeStore({ dbName, crypto: { secret: NEW } }).store;
    for (let i = 0; i < 25; i++) expect(await newOnly.get(`s${String(i).padStart(2, '0')}`)).toMatchObject({ i });
    expect(await (await collection()).countDocuments()).toBe(26);
  });
});

describe('onDecryptError', () => {
  it("'miss': an undecryptable session is no session, with a 'decryptError' event naming the sid only", async () => {
    const { dbName, collection } = makeStore();
    const id = sid();
    await makeStore({ dbName, cryptoAdapter: createWebCryptoAdapter({ secret: OLD }) }).store.set(id, makeSession({ v: 1 }));
    const ciphertext = (await (await collection()).findOne({ _id: id as never }))!.session as string;
    const strict = makeStore({ dbName, cryptoAdapter: createWebCryptoAdapter({ secret: NEW }) }).store;
    await expect(strict.get(id)).rejects.toThrow(/unreadable/);
    const { store } = makeStore({ dbName, cryptoAdapter: createWebCryptoAdapter({ secret: NEW }), onDecryptError: 'miss' });
    const heard: unknown[][] = [];
    store.on('decryptError', (...args: unknown[]) => heard.push(args));
    expect(await store.get(id)).toBeNull();
    expect(await store.all()).toEqual([]);
    expect(heard).toEqual([[id], [id]]);
    expect(JSON.stringify(heard)).not.toContain(ciphertext.slice(0, 20));
    expect(() => MongoStore.create({ mongoUrl: mongoUrl(), onDecryptError: 'miss' })).toThrow(/`onDecryptError` needs encryption/);
  });
});

describe('bindToId', () => {
  const bound = (options: object = {}) => ({ cryptoAdapter: createWebCryptoAdapter({ secret: NEW }), bindToId: true, ...options });

  it("a ciphertext copied into another session's document does not decrypt there", async () => {
    const { store, collection } = makeStore(bound());
    await expectMovedCiphertextRefused(store, await collection());
  });

  it("'migrate' reads unbound ciphertext and binds it on the next write; true alone refuses it", async () => {
    const { dbName, collection } = makeStore();
    const [id, other] = [sid(), sid()];
    const unbound = makeStore({ dbName, cryptoAdapter: createWebCryptoAdapter({ secret: NEW }) }).store;
    await unbound.set(id, makeSession({ v: 'unbound' }));
    await expect(makeStore({ dbName, ...bound() }).store.get(id)).rejects.toThrow(/unreadable/);
    const { store } = makeStore({ dbName, ...bound({ bindToId: 'migrate' }) });
    expect(await store.get(id)).toMatchObject({ v: 'unbound' });
    await store.set(id, makeSession({ v: 'bound' }));
    await store.set(other, makeSession({ v: 'other' }));
    const ciphertext = (await (await collection()).findOne({ _id: id as never }))!.session;
    await (await collection()).updateOne({ _id: other as never }, { $set: { session: ciphertext } });
    await expect(store.get(other)).rejects.toThrow(/unreadable/);
    await expect(unbound.get(id)).rejects.toThrow(/unreadable/);
  });

  it('custom adapters get the id as a second argument; kruptein and AES-CBC cannot bind and say so', async () => {
    const contexts: unknown[] = [];
    const custom: CryptoAdapter = {
      encrypt: async (p, c) => (contexts.push(c), `${c?.id}|${Buffer.from(p).toString('base64')}`),
      decrypt: async (p, c) => {
        contexts.push(c);
        const [id, body] = p.split('|');
        if (id !== c?.id) throw new Error('bound to another id');
        return Buffer.from(body, 'base64').toString();
      },
    };
    const { store } = makeStore({ cryptoAdapter: custom, bindToId: true });
    const id = sid();
    await store.set(id, makeSession());
    await store.get(id);
    expect(contexts.filter((c) => (c as { id: string }).id === id)).toEqual([{ id }, { id }]);
    expect(() => MongoStore.create({ mongoUrl: mongoUrl(), crypto: { secret: NEW }, bindToId: true })).toThrow(/`bindToId` needs an adapter/);
    const cbc = createWebCryptoAdapter({ secret: NEW, algorithm: 'AES-CBC' });
    expect(() => MongoStore.create({ mongoUrl: mongoUrl(), cryptoAdapter: cbc, bindToId: true })).toThrow(/`bindToId`/);
  });

  it('with hashed ids, neither the sid nor the plaintext reaches debug output or events', async () => {
    const { store } = makeStore({ ...bound(), hashSessionIds: true });
    const id = sid('very-secret-sid');
    const events: string[] = [];
    for (const e of ['create', 'update', 'set', 'get', 'destroy']) store.on(e, (...a: unknown[]) => events.push(format('%s %o', e, a)));
    const text = await debugOutput(async () => {
      await store.set(id, makeSession({ card: 'PLAINTEXT-4111' }));
      await store.get(id);
      await store.destroy(id);
    });
    for (const haystack of [text, events.join('\n')]) {
      expect(haystack).not.toContain(id);
      expect(haystack).not.toContain('PLAINTEXT-4111');
    }
  });
});

describe('hashSessionIds', () => {
  it('true: _id is SHA-256 of the sid; the sid reaches neither MongoDB, debug output nor events', async () => {
    const { client, commands } = commandLog();
    const dbName = uniqueDbName('hashed');
    const store = track(MongoStore.create({ client, dbName, hashSessionIds: true }));
    const id = sid('plain-session-id');
    const events: unknown[][] = [];
    for (const e of ['create', 'update', 'set', 'get', 'touch', 'destroy']) store.on(e, (...a: unknown[]) => events.push([e, a[0]]));
    const debugText = await debugOutput(async () => {
      await store.set(id, makeSession({ n: 1 }));
      expect(await store.get(id)).toMatchObject({ n: 1 });
      await store.touch(id, makeSession({ n: 1 }));
      const docs = await (await store.collectionP).find({}).toArray();
      expect(docs.map((d) => d._id)).toEqual([sha256(id)]);
      await store.destroy(id);
      expect(await store.get(id)).toBeNull();
    });
    expect(JSON.stringify(commands.map((c) => c.command))).not.toContain(id);
    expect(debugText).not.toContain(id);
    expect(debugText).toContain(sha256(id).slice(0, 16));
    expect(JSON.stringify(events)).not.toContain(id);
    expect(events[0]).toEqual(['create', sha256(id)]);
  });

  it('{ secret }: _id is HMAC-SHA-256(secret, sid)', async () => {
    const { store, collection } = makeStore({ hashSessionIds: { secret: 'pepper' } });
    const id = sid();
    await store.set(id, makeSession());
    expect(await (await collection()).findOne({ _id: hmac('pepper', id) as never })).not.toBeNull();
  });

  it('{ migrate }: a session stored under its plain id is found, and its next write moves it', async () => {
    const { dbName, collection } = makeStore();
    const plain = makeStore({ dbName }).store;
    const id = sid();
    await plain.set(id, makeSession({ before: 'hashing' }));
    const { store } = makeStore({ dbName, hashSessionIds: { migrate: true } });
    const loaded = await store.get(id); // as express-session hands it back to set() and touch()
    expect(loaded).toMatchObject({ before: 'hashing' });
    await store.touch(id, loaded!);
    await store.set(id, Object.assign(loaded!, { after: 'hashing' }));
    const ids = (await (await collection()).find({}).toArray()).map((d) => d._id);
    expect(ids).toEqual([sha256(id)]);
    expect(await store.get(id)).toMatchObject({ after: 'hashing' });
    const again = sid();
    await plain.set(again, makeSession());
    await store.destroy(again);
    expect(await (await collection()).countDocuments({ _id: again as never })).toBe(0);
  });

  it('without migrate, a plain-id session is not found; with transformId it is a clear error', async () => {
    const { dbName } = makeStore();
    const id = sid();
    await makeStore({ dbName }).store.set(id, makeSession());
    expect(await makeStore({ dbName, hashSessionIds: true }).store.get(id)).toBeNull();
    expect(() => MongoStore.create({ mongoUrl: mongoUrl(), hashSessionIds: true, transformId: (s) => s })).toThrow(
      /`hashSessionIds` and `transformId` cannot be used together/,
    );
    expect(() => MongoStore.create({ mongoUrl: mongoUrl(), hashSessionIds: 'yes' as never })).toThrow(/`hashSessionIds` must be/);
  });
});
