// No secret, key, plaintext session or ciphertext reaches debug output, error messages or events: an encrypted
// workload (both crypto modes, successes and every failure path) runs with all of connect-mongo's debug output
// captured, every event recorded and every error kept; then all of it is scanned for the secrets, the
// plaintext and the stored ciphertext.
import { inspect, format } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Document } from 'mongodb';
import { MongoStore, createWebCryptoAdapter, type ConnectMongoOptions } from '../../src/index';
import { captureDebug, deadPort, makeSession, mongoUrl, rawClient, uniqueDbName, watchProcess } from '../support';

const KRUPTEIN_SECRET = 'kruptein-s3cret-Zq7vXw2, 32 bytes or more';
const WEBCRYPTO_SECRET = 'webcrypto-s3cret-Pk4mHn9, 32 bytes or more';
const OTHER_SECRET = 'other-s3cret-Lr8tYb3, 32 bytes or more';
const PLAINTEXT_MARKER = 'PLAINTEXT-credit-card-4111111111111111';

/** Every message of an error and of its causes, plus its stack. */
function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as { message?: unknown; stack?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 10; e = e.cause as typeof e, depth++) {
    parts.push(String(e.message), String(e.stack ?? ''), format('%o', e));
  }
  return parts.join('\n');
}

describe('secrets never leak into debug output, errors or events', () => {
  it('an encrypted run with every failure path, with debug("connect-mongo*") captured', async () => {
    const watch = watchProcess();
    const errors: unknown[] = [];
    const emitted: string[] = [];
    const ciphertexts: string[] = [];
    const debug = captureDebug('connect-mongo*');
    const debugLines = debug.lines;
    const keep = (p: Promise<unknown>) => p.catch((e: unknown) => void errors.push(e));
    const raw = await rawClient();

    try {
      const modes: Array<[string, Partial<ConnectMongoOptions>, Partial<ConnectMongoOptions>]> = [
        ['kruptein', { crypto: { secret: KRUPTEIN_SECRET } }, { crypto: { secret: OTHER_SECRET } }],
        [
          'webcrypto',
          { cryptoAdapter: createWebCryptoAdapter({ secret: WEBCRYPTO_SECRET }) },
          { cryptoAdapter: createWebCryptoAdapter({ secret: OTHER_SECRET }) },
        ],
      ];
      for (const [name, options, otherOptions] of modes) {
        for (const stringify of [true, false]) {
          const dbName = uniqueDbName(`secrets_${name}`);
          const store = MongoStore.create({ mongoUrl: mongoUrl(), dbName, stringify, timestamps: true, touchAfter: 1, ...options });
          const other = MongoStore.create({ mongoUrl: mongoUrl(), dbName, stringify, ...otherOptions });
          for (const s of [store, other]) {
            const emit = s.emit.bind(s);
            s.emit = (event: string | symbol, ...args: unknown[]) => {
              // 'touch' and 'all' hand the decrypted session itself to in-process listeners, as connect-mongo
              // does; only their ids are scanned. Every other event must carry no session data at all.
              const scanned = event === 'touch' ? args.slice(0, 1) : event === 'all' ? [] : args;
              emitted.push(format('%s %o', String(event), scanned));
              return emit(event, ...args);
            };
            s.on('error', (e: unknown) => errors.push(e));
          }
          const secretSession = makeSession({ note: PLAINTEXT_MARKER, nested: { card: PLAINTEXT_MARKER } });
          // Successes.
          await store.set('sid-a', secretSession);
          await store.set('sid-a', secretSession);
          expect(await store.get('sid-a')).toMatchObject({ note: PLAINTEXT_MARKER } as never);
          await store.touch('sid-a', { ...secretSession, lastModified: new Date(0) } as never);
          await store.all();
          await store.length();
          await other.set('sid-foreign', secretSession);
          const coll = raw.db(dbName).collection('sessions');
          for (const doc of await coll.find().toArray()) ciphertexts.push(doc.session as string);
          // Failures: a foreign secret, tampered and corrupt data, unstorable sessions, a failing adapter.
          await keep(store.get('sid-foreign'));
          await keep(other.get('sid-a'));
          await keep(store.all());
          const c = ciphertexts[ciphertexts.length - 1];
          await coll.insertOne({ _id: 'tampered' as never, session: c.slice(0, -6), expires: new Date(Date.now() + 60_000) } as Document);
          await keep(store.get('tampered'));
          const circular = makeSession({ note: PLAINTEXT_MARKER }) as unknown as Record<string, unknown>;
          circular.self = circular;
          await keep(store.set('sid-b', circular as never));
          await keep(store.set('sid-b', makeSession({ note: PLAINTEXT_MARKER, n: 1n })));
          await keep(store.set('sid-b', makeSession({ note: PLAINTEXT_MARKER, blob: 'y'.repeat(17 * 1024 * 1024) })));
          await keep(store.set({ $gt: '' } as never, secretSession));
          await store.destroy('sid-a');
          await store.clear();
          await store.close();
          await other.close();
          await keep(store.get('sid-a')); // after close
        }
      }
      // Options that carry a secret, rejected at create().
      for (const crypto of [
        { secret: KRUPTEIN_SECRET, algorithm: 'rot13' },
        { secret: KRUPTEIN_SECRET, hashing: 'nope' },
        { secret: KRUPTEIN_SECRET, encodeas: 'klingon' },
      ]) {
        try {
          MongoStore.create({ mongoUrl: mongoUrl(), crypto });
        } catch (e) {
          errors.push(e);
        }
      }
      for (const cryptoAdapter of [{ encrypt: KRUPTEIN_SECRET }, KRUPTEIN_SECRET]) {
        try {
          MongoStore.create({ mongoUrl: mongoUrl(), cryptoAdapter } as never);
        } catch (e) {
          errors.push(e);
        }
      }
      // A connection that fails, with the secret in the connection string's password.
      const port = await deadPort();
      const down = MongoStore.create({
        mongoUrl: `mongodb://user:${encodeURIComponent(WEBCRYPTO_SECRET)}@127.0.0.1:${port}/db`,
        mongoOptions: { serverSelectionTimeoutMS: 200 },
        crypto: { secret: KRUPTEIN_SECRET },
      });
      down.on('error', (e: unknown) => errors.push(e));
      await keep(down.set('sid-c', makeSession({ note: PLAINTEXT_MARKER })));
      await down.close();
    } finally {
      debug.restore();
    }

    // The run really exercised what is scanned.
    expect(debugLines.length).toBeGreaterThan(20);
    expect(debugLines.join('\n')).toMatch(/set sid-a/);
    expect(errors.length).toBeGreaterThanOrEqual(30);
    expect(emitted.length).toBeGreaterThan(10);
    expect(ciphertexts.length).toBe(8);

    const forbidden: Array<[string, string]> = [];
    for (const secret of [KRUPTEIN_SECRET, WEBCRYPTO_SECRET, OTHER_SECRET]) {
      forbidden.push(
        [`secret ${secret}`, secret],
        ['secret (base64)', Buffer.from(secret).toString('base64')],
        ['secret (hex)', Buffer.from(secret).toString('hex')],
        ['secret (URL-encoded)', encodeURIComponent(secret)],
      );
    }
    forbidden.push(['plaintext', PLAINTEXT_MARKER], ['plaintext (card number)', '4111111111111111']);
    for (const c of ciphertexts) forbidden.push(['ciphertext', c], ['ciphertext (first 24 chars)', c.slice(0, 24)], ['ciphertext (last 24 chars)', c.slice(-24)]);

    const sources: Array<[string, string]> = [
      ['debug output', debugLines.join('\n')],
      ['events', emitted.join('\n')],
      ...errors.map((e, i) => [`error #${i} (${(e as Error)?.message?.slice(0, 60)})`, errorText(e)] as [string, string]),
    ];
    const leaks: string[] = [];
    for (const [where, text] of sources) {
      for (const [what, needle] of forbidden) if (text.includes(needle)) leaks.push(`${what} in ${where}`);
    }
    expect(leaks).toEqual([]);

    await watch.stop();
    expect(watch.unhandled).toEqual([]);
  });

  it("an unserializable (circular) session's error names no key of the session, whatever the mode", async () => {
    const modes: Array<Partial<ConnectMongoOptions>> = [
      {},
      { stringify: false },
      { crypto: { secret: KRUPTEIN_SECRET } },
      { cryptoAdapter: createWebCryptoAdapter({ secret: WEBCRYPTO_SECRET }) },
      { stringify: false, cryptoAdapter: createWebCryptoAdapter({ secret: WEBCRYPTO_SECRET }) },
    ];
    for (const options of modes) {
      const store = MongoStore.create({ mongoUrl: mongoUrl(), dbName: uniqueDbName(), ...options });
      try {
        const inner: Record<string, unknown> = { privateKeyName: 1 };
        inner.loopKeyName = makeSession({ outerKeyName: inner });
        const error = await store.set('sid-circular', makeSession({ outerKeyName: inner })).then(() => null, (e: unknown) => e);
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toMatch(/circular/);
        const text = errorText(error) + inspect(error, { depth: 8, showHidden: true });
        for (const key of ['privateKeyName', 'loopKeyName', 'outerKeyName']) expect(text).not.toContain(key);
      } finally {
        await store.close();
      }
    }
  });

  it('inspecting a store (an app logging it) shows neither secret', async () => {
    const a = MongoStore.create({ mongoUrl: mongoUrl(), dbName: uniqueDbName(), crypto: { secret: KRUPTEIN_SECRET } });
    const b = MongoStore.create({ mongoUrl: mongoUrl(), dbName: uniqueDbName(), cryptoAdapter: createWebCryptoAdapter({ secret: WEBCRYPTO_SECRET }) });
    try {
      await a.set('x', makeSession({ note: PLAINTEXT_MARKER }));
      await b.set('x', makeSession({ note: PLAINTEXT_MARKER }));
      const text = inspect(a, { depth: 8, showHidden: true }) + inspect(b, { depth: 8, showHidden: true });
      for (const secret of [KRUPTEIN_SECRET, WEBCRYPTO_SECRET]) expect(text).not.toContain(secret);
      expect(text).not.toContain(PLAINTEXT_MARKER);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
