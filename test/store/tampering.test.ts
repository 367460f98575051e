// An attacker who can write the sessions collection but holds no key: each test plants what such an
// attacker can write (a plain session object, a ciphertext moved to another id or rolled back, an unbound
// ciphertext, a rewritten CBC block) and checks which setting refuses it, what every store method then says
// exists, and that none of these settings costs a command. docs/threat-model.md cites these tests.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MongoStore, createKrupteinAdapter, createWebCryptoAdapter, type CryptoAdapter } from '../../src/index';
import { decodeDerOctetSequence } from '../../src/crypto';
import { HOUR, commandLog, copyStoredSession, expectMovedCiphertextRefused, makeSession, makeStore, mongoUrl, sid, uniqueDbName } from '../support';
import { warningsFrom } from '../support/warnings';

const SECRET = 'tampering-secret-0123456789abcdef0123456789';

const webcrypto = () => createWebCryptoAdapter({ secret: SECRET });

/** What an attacker writes into their own document: a session object, not a ciphertext. */
const forged = () => ({ cookie: { originalMaxAge: 3_600_000, expires: new Date(Date.now() + 3_600_000), path: '/' }, role: 'admin' });

/** A store with the options, the attacker's own session in it, and that session's document rewritten by the attacker. */
async function plantPlainSession(options: object) {
  const made = makeStore(options);
  const id = sid('attacker');
  await made.store.set(id, makeSession({ role: 'user' }));
  await (await made.collection()).updateOne({ _id: id as never }, { $set: { session: forged() } });
  return { ...made, id };
}

describe('a plain session object written into the collection', () => {
  it.each([
    ['bindToId: true', { cryptoAdapter: webcrypto(), bindToId: true }],
    ["bindToId: 'migrate'", { cryptoAdapter: webcrypto(), bindToId: 'migrate' }],
    ['requireEncrypted (kruptein)', { crypto: { secret: SECRET }, requireEncrypted: true }],
    ['requireEncrypted (WebCrypto)', { cryptoAdapter: webcrypto(), requireEncrypted: true }],
  ])('%s: is undecryptable for get(), all() and entries()', async (_name, options) => {
    const { store, id } = await plantPlainSession(options);
    await expect(store.get(id)).rejects.toThrow(/unreadable \(it is not encrypted/);
    await expect(store.all()).rejects.toThrow(/unreadable/);
    const listed: string[] = [];
    for await (const [key] of store.entries({ skipUnreadable: true })) listed.push(key);
    expect(listed).toEqual([]);
  });

  it("with onDecryptError: 'miss' it is no session, and 'decryptError' names its id", async () => {
    const { store, id } = await plantPlainSession({ cryptoAdapter: webcrypto(), bindToId: true, onDecryptError: 'miss' });
    const heard: unknown[] = [];
    store.on('decryptError', (key: unknown) => heard.push(key));
    expect(await store.get(id)).toBeNull();
    expect(await store.all()).toEqual([]);
    expect(heard).toEqual([id, id]);
  });

  it('reencryptAll() counts it; with includeUnencrypted it encrypts it, and get() reads it again', async () => {
    const { store, id, collection } = await plantPlainSession({ cryptoAdapter: webcrypto(), requireEncrypted: true });
    expect(await store.reencryptAll()).toEqual({ scanned: 1, reencrypted: 0, failed: 0, unencrypted: 1, lastId: id });
    expect(typeof (await (await collection()).findOne({ _id: id as never }))!.session).toBe('object');
    expect(await store.reencryptAll({ includeUnencrypted: true })).toEqual({ scanned: 1, reencrypted: 1, failed: 0, unencrypted: 1, lastId: id });
    expect(typeof (await (await collection()).findOne({ _id: id as never }))!.session).toBe('string');
    expect(await store.get(id)).toMatchObject({ role: 'admin' });
    expect(await store.reencryptAll()).toEqual({ scanned: 1, reencrypted: 0, failed: 0, unencrypted: 0, lastId: id });
  });

  it("without bindToId or requireEncrypted it reads as is, as connect-mongo 6 reads it (the threat table's open door)", async () => {
    const { store, id } = await plantPlainSession({ cryptoAdapter: webcrypto() });
    expect(await store.get(id)).toMatchObject({ role: 'admin' });
  });

  it('requireEncrypted needs encryption and is a boolean', () => {
    expect(() => MongoStore.create({ mongoUrl: mongoUrl(), requireEncrypted: true })).toThrow(/option `requireEncrypted` needs encryption/);
    expect(() => MongoStore.create({ mongoUrl: mongoUrl(), crypto: { secret: SECRET }, requireEncrypted: 'yes' as never })).toThrow(
      /option `requireEncrypted` must be a boolean/,
    );
  });
});

describe("kruptein's aes-*-cbc", () => {
  const weakCipher = (warnings: Array<Error & { code?: string }>) => warnings.filter((w) => w.code === 'CONNECT_MONGO_WEAK_CIPHER');

  it('warns once per algorithm when a store is created with it, never for GCM or CTR; still reads and writes', async () => {
    const warnings = await warningsFrom(async () => {
      makeStore({ crypto: { secret: SECRET } });
      makeStore({ crypto: { secret: SECRET, algorithm: 'aes-256-ctr' } });
      const { store } = makeStore({ crypto: { secret: SECRET, algorithm: 'aes-256-cbc' } });
      makeStore({ crypto: { secret: SECRET, algorithm: 'aes-256-cbc' } });
      makeStore({ cryptoAdapter: createKrupteinAdapter({ secret: SECRET, algorithm: 'aes-128-cbc' }) });
      const id = sid();
      await store.set(id, makeSession({ v: 1 }));
      expect(await store.get(id)).toMatchObject({ v: 1 });
    });
    expect(weakCipher(warnings).map((w) => w.message)).toEqual([
      expect.stringMatching(/^connect-mongo: kruptein's aes-256-cbc does not authenticate its IV/),
      expect.stringMatching(/^connect-mongo: kruptein's aes-128-cbc does not authenticate its IV/),
    ]);
  });

  // What the warning is about: the format's HMAC covers the ciphertext, not the IV, and in CBC the IV is
  // XORed into the first plaintext block. Knowing how a session's JSON starts is enough to rewrite it.
  it.each([
    ['aes-256-cbc', true],
    ['aes-256-gcm', false],
  ])('%s: a writer without the key rewrites the first 16 bytes of a session: %s', async (algorithm, rewritten) => {
    let made!: ReturnType<typeof makeStore>;
    await warningsFrom(() => void (made = makeStore({ crypto: { secret: SECRET, algorithm } })));
    const { store, collection } = made;
    const id = sid();
    await store.set(id, makeSession({ role: 'user' }));
    const coll = await collection();
    const der = Buffer.from((await coll.findOne({ _id: id as never }))!.session as string, 'base64');
    const iv = decodeDerOctetSequence(der)![2];
    const [known, wanted] = [Buffer.from('"{\\"cookie\\":{\\"'), Buffer.from('"{ \\"admin\\":{\\"')];
    for (let i = 0; i < 16; i++) iv[i] ^= known[i] ^ wanted[i];
    await coll.updateOne({ _id: id as never }, { $set: { session: der.toString('base64') } });
    if (rewritten) expect(await store.get(id)).toMatchObject({ admin: expect.any(Object), role: 'user' });
    else await expect(store.get(id)).rejects.toThrow(/unreadable/);
  });
});

describe('what no setting stops (the threat table says so)', () => {
  it('with bindToId, an older ciphertext of the same session put back reads, and so does an `expires` pushed out', async () => {
    const { store, collection } = makeStore({ cryptoAdapter: webcrypto(), bindToId: true, requireEncrypted: true });
    const id = sid();
    await store.set(id, makeSession({ role: 'admin' }));
    const coll = await collection();
    const older = (await coll.findOne({ _id: id as never }))!.session;
    await store.set(id, makeSession({ role: 'user' }));
    const later = new Date(Date.now() + 365 * 24 * HOUR);
    await coll.updateOne({ _id: id as never }, { $set: { session: older, expires: later } });
    expect(await store.get(id)).toMatchObject({ role: 'admin' });
    expect(await store.ids()).toEqual([id]);
  });
});

describe("connect-mongo's WebCrypto AES-CBC format", () => {
  it('has no integrity check at all: a writer without the key rewrites the first 16 bytes; the store warns once that it can', async () => {
    let made: ReturnType<typeof makeStore> | undefined;
    const warnings = await warningsFrom(() => {
      made = makeStore({ cryptoAdapter: createWebCryptoAdapter({ secret: SECRET, algorithm: 'AES-CBC' }) });
      makeStore({ cryptoAdapter: createWebCryptoAdapter({ secret: SECRET, algorithm: 'AES-CBC' }) });
    }, 'CONNECT_MONGO_WEAK_CIPHER');
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^connect-mongo: createWebCryptoAdapter's AES-CBC has no integrity check/)]);
    const { store, collection } = made!;
    const id = sid();
    await store.set(id, makeSession({ role: 'user' }));
    const coll = await collection();
    const bytes = Buffer.from((await coll.findOne({ _id: id as never }))!.session as string, 'base64');
    const [known, wanted] = [Buffer.from('{"cookie":{"orig'), Buffer.from('{ "admin":{"orig')];
    for (let i = 0; i < 16; i++) bytes[i] ^= known[i] ^ wanted[i]; // the IV comes first
    await coll.updateOne({ _id: id as never }, { $set: { session: bytes.toString('base64') } });
    expect(await store.get(id)).toMatchObject({ admin: expect.any(Object), role: 'user' });
  });
});

describe("bindToId with an app's own adapter", () => {
  /** An app's adapter (base64, standing in for a real cipher) that binds to the id only when told to. */
  function appAdapter({ binds }: { binds: boolean }): CryptoAdapter & { calls: number } {
    const adapter = {
      calls: 0,
      async encrypt(plaintext: string, context?: { id: string }) {
        adapter.calls++;
        return `${binds ? context?.id : ''}|${Buffer.from(plaintext).toString('base64')}`;
      },
      async decrypt(ciphertext: string, context?: { id: string }) {
        adapter.calls++;
        const [id, body] = ciphertext.split('|');
        if (binds && id !== context?.id) throw new Error('bound to another id');
        return Buffer.from(body, 'base64').toString();
      },
    };
    return adapter;
  }

  it('one that ignores { id } is refused before anything is written or read, with an error naming the option', async () => {
    const { store: other, dbName, collection } = makeStore({ cryptoAdapter: appAdapter({ binds: false }) });
    const [victim, attacker] = [sid('victim'), sid('attacker')];
    await other.set(victim, makeSession({ role: 'admin' }));
    const { store } = makeStore({ dbName, cryptoAdapter: appAdapter({ binds: false }), bindToId: true });
    await expect(store.set(attacker, makeSession({ role: 'user' }))).rejects.toThrow(/option `bindToId` needs an adapter that binds data to an id/);
    const victimCiphertext = (await (await collection()).findOne({ _id: victim as never }))!.session;
    await (await collection()).insertOne({ _id: attacker as never, session: victimCiphertext, expires: new Date(Date.now() + 60_000) });
    await expect(store.get(attacker)).rejects.toThrow(/option `bindToId`/);
    await expect(store.get(victim)).rejects.toThrow(/option `bindToId`/);
    expect(await (await collection()).countDocuments()).toBe(2);
  });

  it('one that binds is accepted, and a ciphertext moved to another id does not decrypt there', async () => {
    const adapter = appAdapter({ binds: true });
    const { store, collection } = makeStore({ cryptoAdapter: adapter, bindToId: true });
    await expectMovedCiphertextRefused(store, await collection());
  });

  it('an adapter failing during the check is asked again on the next call, not refused for good', async () => {
    const adapter = appAdapter({ binds: true });
    let down = true;
    const flaky: CryptoAdapter = {
      encrypt: async (p, c) => {
        if (down) throw new Error('key service unreachable');
        return adapter.encrypt(p, c);
      },
      decrypt: (c, x) => adapter.decrypt(c, x),
    };
    const { store } = makeStore({ cryptoAdapter: flaky, bindToId: true });
    const id = sid();
    await expect(store.set(id, makeSession())).rejects.toThrow(/key service unreachable/);
    down = false;
    await store.set(id, makeSession({ v: 1 }));
    expect(await store.get(id)).toMatchObject({ v: 1 });
  });
});

describe("bindToId: 'migrate'", () => {
  afterEach(() => void vi.useRealTimers());

  /** Two unbound sessions, and the victim's ciphertext copied into the attacker's document. */
  async function plantUnboundCopy() {
    const { dbName, collection } = makeStore();
    const unbound = makeStore({ dbName, cryptoAdapter: webcrypto() }).store;
    const [victim, attacker] = [sid('victim'), sid('attacker')];
    await unbound.set(victim, makeSession({ role: 'admin' }, 24 * HOUR));
    await unbound.set(attacker, makeSession({ role: 'user' }, 24 * HOUR));
    await copyStoredSession(await collection(), victim, attacker);
    return { dbName, victim, attacker };
  }

  it('a ciphertext copied to another id reads there without bindToId, and with it during the window migrateUntil closes', async () => {
    const { dbName, attacker } = await plantUnboundCopy();
    expect(await makeStore({ dbName, cryptoAdapter: webcrypto() }).store.get(attacker)).toMatchObject({ role: 'admin' });
    const open = makeStore({ dbName, cryptoAdapter: webcrypto(), bindToId: 'migrate' }).store;
    expect(await open.get(attacker)).toMatchObject({ role: 'admin' });
    const closed = makeStore({ dbName, cryptoAdapter: webcrypto(), bindToId: { migrateUntil: new Date(Date.now() - 1) } }).store;
    await expect(closed.get(attacker)).rejects.toThrow(/unreadable/);
  });

  it('reads unbound data until migrateUntil, and nothing unbound after it, not even what it read before', async () => {
    const { dbName, victim, attacker } = await plantUnboundCopy();
    const cutOff = new Date(Date.now() + HOUR);
    const { store } = makeStore({ dbName, cryptoAdapter: webcrypto(), bindToId: { migrateUntil: cutOff } });
    expect(await store.get(attacker)).toMatchObject({ role: 'admin' });
    await store.set(victim, makeSession({ role: 'admin', bound: true }, 24 * HOUR));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(cutOff.getTime() + 1);
    await expect(store.get(attacker)).rejects.toThrow(/unreadable/);
    expect(await store.get(victim)).toMatchObject({ bound: true });
  });

  it('migrateUntil must be a valid Date', () => {
    for (const migrateUntil of ['2030-01-01', new Date(Number.NaN), undefined]) {
      expect(() => MongoStore.create({ mongoUrl: mongoUrl(), cryptoAdapter: webcrypto(), bindToId: { migrateUntil } as never })).toThrow(
        /option `bindToId` must be true, false, 'migrate' or \{ migrateUntil: Date \}/,
      );
    }
  });
});

describe("onDecryptError: 'miss': every method agrees on what exists", () => {
  const OTHER = 'someone-elses-secret-0123456789abcdef01234';

  /** A session this store can read, one under another secret, and a planted plain object. */
  async function mixed(dbName = uniqueDbName('miss'), extra: object = {}) {
    const options = { cryptoAdapter: webcrypto(), onDecryptError: 'miss', requireEncrypted: true, ...extra } as const;
    const { store, collection } = makeStore({ dbName, ...options });
    const [readable, foreign, planted] = [sid('readable'), sid('foreign'), sid('planted')];
    await store.set(readable, makeSession({ v: 1 }));
    await makeStore({ dbName, cryptoAdapter: createWebCryptoAdapter({ secret: OTHER }) }).store.set(foreign, makeSession());
    await (await collection()).insertOne({ _id: planted as never, session: forged(), expires: new Date(Date.now() + HOUR) });
    return { store, collection, readable, foreign, planted };
  }

  it('ids() lists only what get() returns', async () => {
    const { store, readable, foreign, planted } = await mixed();
    expect(await store.ids()).toEqual([readable]);
    for (const id of [foreign, planted]) expect(await store.get(id)).toBeNull();
  });

  it('ids() sends the same commands as a store without encryption', async () => {
    const dbName = uniqueDbName('miss');
    const { store, collection } = makeStore({ dbName, cryptoAdapter: webcrypto(), onDecryptError: 'miss' });
    await store.set('s000', makeSession());
    const { session } = (await (await collection()).findOne({ _id: 's000' as never }))!;
    const copies = Array.from({ length: 250 }, (_, i) => ({ _id: `s${String(i + 1).padStart(3, '0')}`, session, expires: new Date(Date.now() + HOUR) }));
    await (await collection()).insertMany(copies as never[]);
    const sent = async (options: object) => {
      const { client, commands } = commandLog({ keep: (e) => e.databaseName === dbName });
      const { store: counted } = makeStore({ dbName, client, ...options });
      await counted.collectionP;
      commands.length = 0;
      expect(await counted.ids()).toHaveLength(251);
      return commands.map((c) => c.commandName);
    };
    expect(await sent({ cryptoAdapter: webcrypto(), onDecryptError: 'miss' })).toEqual(await sent({}));
  });

  it('touch() does not extend a session get() hid; a new set() makes it a session again', async () => {
    const { store, collection, foreign } = await mixed();
    const expiresOf = async () => (await (await collection()).findOne({ _id: foreign as never }))!.expires as Date;
    const before = await expiresOf();
    expect(await store.get(foreign)).toBeNull();
    await store.touch(foreign, makeSession({}, 24 * HOUR));
    expect(await expiresOf()).toEqual(before);
    await store.set(foreign, makeSession({ v: 'mine now' }));
    await store.touch(foreign, makeSession({}, 24 * HOUR));
    expect((await expiresOf()).getTime()).toBeGreaterThan(before.getTime() + HOUR);
  });

  it('length() counts live documents without reading them (see docs/threat-model.md)', async () => {
    const { store } = await mixed();
    expect(await store.length()).toBe(3);
  });
});

describe('commands', () => {
  it('every call sends the same commands with these settings as without encryption', async () => {
    const sent = async (options: object) => {
      const dbName = uniqueDbName('count');
      const { client, commands } = commandLog({ keep: (e) => e.databaseName === dbName });
      const { store } = makeStore({ dbName, client, ...options });
      await store.collectionP;
      commands.length = 0;
      const id = sid();
      await store.set(id, makeSession({ v: 1 }));
      await store.get(id);
      await store.touch(id, makeSession({ v: 1 }));
      await store.all();
      await store.ids();
      await store.length();
      await store.destroy(id);
      await store.get(id);
      await store.clear();
      return commands.map((c) => c.commandName);
    };
    const plain = await sent({});
    const binding: CryptoAdapter = {
      encrypt: async (p, c) => `${c?.id}|${p}`,
      decrypt: async (p, c) => {
        if (!p.startsWith(`${c?.id}|`)) throw new Error('bound to another id');
        return p.slice(`${c?.id}|`.length);
      },
    };
    for (const options of [
      { cryptoAdapter: webcrypto(), bindToId: true, onDecryptError: 'miss' },
      { crypto: { secret: SECRET }, requireEncrypted: true, onDecryptError: 'miss' },
      { cryptoAdapter: binding, bindToId: { migrateUntil: new Date(Date.now() + HOUR) }, reencryptOnRead: true },
    ]) {
      expect(await sent(options)).toEqual(plain);
    }
  });
});
