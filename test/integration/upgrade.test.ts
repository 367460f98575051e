// An app moves from connect-mongo 3.2.0, 4.6.0 or 5.1.0 (with whichever kruptein 3.x it installed) to this
// store, keeping its options and secret: a user who logged in under the old version is still logged in
// after the switch, with the same cookie. With reencryptOnRead the session is rewritten in connect-mongo 6's
// format on that read; reencryptAll() converts a whole collection with progress and resume. Without either
// option, nothing stored is rewritten.
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Store } from 'express-session';
import { createKrupteinAdapter, type CryptoOptions } from '../../src/crypto';
import type { ReencryptProgress } from '../../src/operations/reencrypt';
import { cipherOf } from '../../src/crypto/cipher';
import { CookieJar, makeSession, makeStore, rawCollection, sid, startFrameworkApp, uniqueDbName } from '../support';
import { oldSet, oldStore, oldStore3, oldStore41 } from '../support/old-stores';
import { COMPLEX_SECRET, KRUPTEIN_RELEASES, type KrupteinRelease } from '../support/old-versions';

const require = createRequire(import.meta.url);
const kruptein308 = require('kruptein') as (o: object) => { get(secret: string, ct: string, cb: (e: unknown, pt?: string) => void): void };

interface Writer {
  name: string;
  /** The old store, on `dbName`, with the app's options. */
  store(dbName: string): Store;
  /** The same options as we take them. */
  ours: Record<string, unknown>;
  /** Whether connect-mongo 6.0.0 reads what it wrote (without this store's help). */
  sixReadsIt: boolean;
  /** Whether the old version reads its own session back (left out where it calls back twice). */
  readsOwn?: boolean;
}

const crypto: CryptoOptions = { secret: COMPLEX_SECRET };
const kruptein = (version: string) => KRUPTEIN_RELEASES.find((k) => k.version === version)!;

const writers: Writer[] = [
  ...([4, 5] as const).flatMap((major) =>
    KRUPTEIN_RELEASES.map(
      (k: KrupteinRelease): Writer => ({
        name: `connect-mongo ${major === 4 ? '4.6.0' : '5.1.0'} on kruptein ${k.version}`,
        store: (dbName) => oldStore(major, dbName, { crypto }, k),
        ours: { crypto },
        sixReadsIt: k.sameAs308,
        // kruptein 3.4 hands back the value it was given, which connect-mongo then parses once too often.
        readsOwn: k.version !== '3.4.0',
      }),
    ),
  ),
  ...['3.0.8', '3.1.7', '3.4.0'].map(
    (v): Writer => ({
      name: `connect-mongo 5.1.0 on kruptein ${v}, stringify: false`,
      store: (dbName) => oldStore(5, dbName, { crypto, stringify: false }, kruptein(v)),
      ours: { crypto, stringify: false },
      sixReadsIt: kruptein(v).sameAs308,
    }),
  ),
  ...[{}, { stringify: false }].map(
    (options): Writer => ({
      // Its own kruptein 2.2.3 and `encodeas: 'hex'` default: the app keeps just its secret.
      name: `connect-mongo 4.1.0 on kruptein 2.2.3${'stringify' in options ? ', stringify: false' : ''}`,
      store: (dbName) => oldStore41(dbName, { crypto, ...options }),
      ours: { crypto, ...options },
      sixReadsIt: false,
    }),
  ),
  {
    // connect-mongo 3 took the secret and cipher options at the top level; they move under `crypto`.
    name: 'connect-mongo 3.2.0 (its own crypto)',
    store: (dbName) => oldStore3(dbName, { secret: COMPLEX_SECRET }),
    ours: { crypto },
    sixReadsIt: false,
    readsOwn: true,
  },
];

/** The stored document's session field, and whether it is in the format connect-mongo 6 writes. */
async function storedSession(dbName: string, _id: string) {
  const doc = await (await rawCollection(dbName)).findOne({ _id: _id as never });
  const session = doc?.session as string;
  const detailed = await cipherOf(createKrupteinAdapter(crypto)).decrypt(session);
  // kruptein 3.0.8 as connect-mongo 6.0.0 calls it: whether connect-mongo 6 reads this value.
  const six = kruptein308({ algorithm: 'aes-256-gcm', hashing: 'sha512', encodeas: 'base64' });
  const asSix = await promisify(six.get.bind(six))(COMPLEX_SECRET, session).then(
    () => true,
    () => false,
  );
  return { session, current: detailed.outdated !== true, asSix };
}

describe('a user logged in under an older connect-mongo stays logged in after the switch', () => {
  for (const writer of writers) {
    it(writer.name, async () => {
      const dbName = uniqueDbName('upgrade');
      const before = await startFrameworkApp('express5', { store: writer.store(dbName) });
      const jar = new CookieJar();
      const login = await jar.json<{ id: string }>(`${before.url}/login?user=alice`, { method: 'POST' });
      const written = await storedSession(dbName, login.id);
      expect(written.asSix).toBe(writer.sixReadsIt);
      if (writer.readsOwn !== undefined) {
        const own = await jar.fetch(`${before.url}/peek`);
        expect(own.status).toBe(writer.readsOwn ? 200 : 500);
        if (writer.readsOwn) expect(await own.json()).toMatchObject({ id: login.id, user: 'alice' });
        before.errors.length = 0; // the old version's own failure, asserted just above
      }

      // The switch, keeping options and secret; no new option: the read rewrites nothing.
      const plain = makeStore({ dbName, ...writer.ours }).store;
      const after = await startFrameworkApp('express5', { store: plain });
      expect(await jar.json(`${after.url}/peek`)).toMatchObject({ id: login.id, user: 'alice' });
      expect((await storedSession(dbName, login.id)).session).toBe(written.session);

      // reencryptOnRead: the next read rewrites it in connect-mongo 6's format, which then reads on.
      const moving = makeStore({ dbName, ...writer.ours, reencryptOnRead: true }).store;
      const next = await startFrameworkApp('express5', { store: moving });
      expect(await jar.json(`${next.url}/peek`)).toMatchObject({ id: login.id, user: 'alice' });
      const rewritten = await storedSession(dbName, login.id);
      expect(rewritten).toMatchObject({ current: true, asSix: true });
      expect(rewritten.session === written.session).toBe(writer.sixReadsIt);
      expect(await jar.json(`${next.url}/count`)).toMatchObject({ id: login.id, count: 1 });
      expect([...before.errors, ...after.errors, ...next.errors]).toEqual([]);
    });
  }
});

describe('unencrypted sessions of older versions read as they are', () => {
  const plain: Array<[string, (dbName: string) => Store, Record<string, unknown>]> = [
    ['connect-mongo 3.2.0', (dbName) => oldStore3(dbName, {}), {}],
    ['connect-mongo 3.2.0, stringify: false', (dbName) => oldStore3(dbName, { stringify: false }), { stringify: false }],
    ['connect-mongo 4.6.0', (dbName) => oldStore(4, dbName, {}), {}],
    ['connect-mongo 4.6.0, stringify: false', (dbName) => oldStore(4, dbName, { stringify: false }), { stringify: false }],
    ['connect-mongo 5.1.0', (dbName) => oldStore(5, dbName, {}), {}],
    ['connect-mongo 5.1.0, stringify: false', (dbName) => oldStore(5, dbName, { stringify: false }), { stringify: false }],
  ];
  for (const [name, store, ours] of plain) {
    it(name, async () => {
      const dbName = uniqueDbName('upgrade-plain');
      const before = await startFrameworkApp('express5', { store: store(dbName) });
      const jar = new CookieJar();
      const login = await jar.json<{ id: string }>(`${before.url}/login?user=alice`, { method: 'POST' });
      const collection = await rawCollection(dbName);
      const written = await collection.findOne({ _id: login.id as never });
      const after = await startFrameworkApp('express5', { store: makeStore({ dbName, ...ours }).store });
      expect(await jar.json(`${after.url}/peek`)).toMatchObject({ id: login.id, user: 'alice' });
      // express-session touched the expiry after the request; the session is left as the old version stored it.
      expect((await collection.findOne({ _id: login.id as never }))?.session).toEqual(written?.session);
      expect(await jar.json(`${after.url}/count`)).toMatchObject({ id: login.id, count: 1 });
    });
  }
});

describe('reencryptAll() moves a whole collection of older sessions forward', () => {
  it('with progress, resumes after an interruption, and leaves nothing behind', async () => {
    // Ten sessions from six writers and one undecryptable string, in batches of 4.
    const dbName = uniqueDbName('upgrade-all');
    const ids: string[] = [];
    const write = async (store: Store) => {
      const id = sid('old');
      ids.push(id);
      await oldSet(store, id, makeSession({ user: `u${ids.length}` }));
    };
    for (const v of ['3.0.8', '3.1.1', '3.2.1', '3.4.0']) {
      const store = oldStore(5, dbName, { crypto }, kruptein(v));
      await write(store);
      await write(store);
    }
    await write(oldStore3(dbName, { secret: COMPLEX_SECRET }));
    await write(oldStore41(dbName, { crypto }));
    const { store } = makeStore({ dbName, crypto });
    const collection = await rawCollection(dbName);
    // A string no secret opens is counted as failed and left alone.
    await collection.insertOne({ _id: 'plain' as never, session: '{"cookie":{}}', expires: new Date(Date.now() + 3_600_000) });
    const before = new Map((await collection.find().toArray()).map((d) => [d._id as unknown as string, d.session]));

    // The first run stops after its first batch (an interruption: the callback throws); the second resumes.
    const first: ReencryptProgress[] = [];
    const interrupted = store.reencryptAll({
      batchSize: 4,
      onProgress: (p) => {
        first.push(p);
        throw new Error('interrupted');
      },
    });
    await expect(interrupted).rejects.toThrow('interrupted');
    const second: ReencryptProgress[] = [];
    const rest = await store.reencryptAll({ batchSize: 4, after: first[0].lastId, onProgress: (p) => second.push(p) });
    expect(first.map((p) => p.scanned)).toEqual([4]);
    expect(second.map((p) => p.scanned)).toEqual([4, 7]);
    expect(rest).toEqual(second[1]);
    // 3.0.8's two are already in the format; the plain string opens with no secret and stays as it is.
    expect(first[0].reencrypted + rest.reencrypted).toBe(ids.length - 2);
    expect(first[0].failed + rest.failed).toBe(1);

    // Every encrypted session is now in connect-mongo 6's format and still reads; 3.0.8's were already.
    for (const id of ids) {
      const { current, asSix, session } = await storedSession(dbName, id);
      expect({ id, current, asSix }).toEqual({ id, current: true, asSix: true });
      expect(session !== before.get(id)).toBe(ids.indexOf(id) >= 2);
      expect(await promisify(store.get.bind(store))(id)).toMatchObject({ user: `u${ids.indexOf(id) + 1}` });
    }
    expect((await collection.findOne({ _id: 'plain' as never }))?.session).toBe('{"cookie":{}}');
    // A second run finds nothing left to do.
    expect(await store.reencryptAll()).toMatchObject({ scanned: before.size, reencrypted: 0 });
  });
});
