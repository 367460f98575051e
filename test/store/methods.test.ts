// Every store method, with a callback and as a promise, and the events they emit.
import { describe, expect, it } from 'vitest';
import { asJson, captureUncaught, makeSession, makeStore, sid } from '../support';

describe('get / set / destroy', () => {
  it('stores a session with one document and reads it back (promise style)', async () => {
    const { store, collection } = makeStore();
    const id = sid();
    const s = makeSession({ user: 'ada', n: 1 });
    await store.set(id, s);
    expect(await store.get(id)).toEqual(asJson(s));
    const docs = await (await collection()).find().toArray();
    expect(docs).toHaveLength(1);
    expect(docs[0]._id).toBe(id);
    expect(typeof docs[0].session).toBe('string'); // stringify: true by default
    expect(JSON.parse(docs[0].session)).toEqual(asJson(s));
    expect(docs[0].expires).toBeInstanceOf(Date);
    expect(Object.keys(docs[0]).sort()).toEqual(['_id', 'expires', 'session']);
  });

  it('calls back exactly once with (null, session) / (null, null) (callback style)', async () => {
    const { store } = makeStore();
    const id = sid();
    const s = makeSession({ views: 3 });
    const setArgs = await new Promise<unknown[]>((resolve) => store.set(id, s, (...args: unknown[]) => resolve(args)));
    expect(setArgs).toEqual([null]);
    const got = await new Promise<unknown[]>((resolve) => store.get(id, (...args: unknown[]) => resolve(args)));
    expect(got).toEqual([null, asJson(s)]);
    const missing = await new Promise<unknown[]>((resolve) => store.get('nope-' + id, (...args: unknown[]) => resolve(args)));
    expect(missing).toEqual([null, null]);
    const destroyed = await new Promise<unknown[]>((resolve) => store.destroy(id, (...args: unknown[]) => resolve(args)));
    expect(destroyed).toEqual([null]);
    expect(await store.get(id)).toBeNull();
  });

  it('returns nothing (not a promise) when a callback is given', async () => {
    const { store } = makeStore();
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const ret = store.set(sid(), makeSession(), () => done());
    expect(ret).toBeUndefined();
    await finished;
  });

  it('overwrites a session on a second set and keeps one document', async () => {
    const { store, collection } = makeStore();
    const id = sid();
    await store.set(id, makeSession({ n: 1 }));
    const s2 = makeSession({ n: 2 });
    await store.set(id, s2);
    expect(await store.get(id)).toEqual(asJson(s2));
    expect(await (await collection()).countDocuments()).toBe(1);
  });

  it('with stringify: false, arrays of documents under keys named like Object.prototype members read back as stored', async () => {
    // The driver's default decoding would hand these back as raw BSON Buffers (see READ_OPTIONS in src/document/types.ts).
    const { store } = makeStore({ stringify: false });
    const id = sid();
    const data = JSON.parse('{"constructor":[{"a":1}],"toString":[{"b":[{"c":2}]}],"__proto__":[{}],"valueOf":{"d":[{}]}}');
    const session = makeSession(data);
    await store.set(id, session);
    const withoutCookie = (s: unknown) => {
      const { cookie: _cookie, ...rest } = s as Record<string, unknown>;
      return rest;
    };
    // Compared as JSON text: exact values and key order, and `__proto__` stays an own key.
    expect(JSON.stringify(withoutCookie(await store.get(id)))).toBe(JSON.stringify(data));
    const [listed] = await store.all();
    expect(JSON.stringify(withoutCookie(listed))).toBe(JSON.stringify(data));
  });

  it('destroy of a missing session succeeds', async () => {
    const { store } = makeStore();
    await expect(store.destroy(sid())).resolves.toBeUndefined();
  });
});

describe('events', () => {
  it("emits 'create', 'update', 'set', 'get' and 'destroy' with the sid; 'touch' with (sid, session); 'all' with the sessions", async () => {
    const { store } = makeStore();
    const events: Array<[string, unknown[]]> = [];
    for (const name of ['create', 'update', 'set', 'get', 'touch', 'destroy', 'all']) {
      store.on(name, (...args: unknown[]) => events.push([name, args]));
    }
    const id = sid();
    const s = makeSession({ a: 1 });
    await store.set(id, s);
    await store.set(id, s);
    await store.get(id);
    await store.touch(id, s);
    await store.all();
    await store.destroy(id);
    expect(events).toEqual([
      ['create', [id]],
      ['set', [id]],
      ['update', [id]],
      ['set', [id]],
      ['get', [id]],
      ['touch', [id, s]],
      ['all', [[asJson(s)]]],
      ['destroy', [id]],
    ]);
  });

  it('emits nothing for a failed operation', async () => {
    const { store } = makeStore();
    const events: string[] = [];
    for (const name of ['create', 'update', 'set', 'get', 'touch', 'destroy']) store.on(name, () => events.push(name));
    const circular: Record<string, unknown> = { cookie: makeSession().cookie };
    circular.self = circular;
    await expect(store.set(sid(), circular as never)).rejects.toThrow(/serialized/);
    await expect(store.get('')).rejects.toThrow(TypeError);
    await expect(store.destroy(42 as never)).rejects.toThrow(TypeError);
    await expect(store.touch({ $gt: '' } as never, makeSession())).rejects.toThrow(TypeError);
    expect(events).toEqual([]);
  });

  it("only 'touch' and 'all' pass session contents to listeners, as connect-mongo does", async () => {
    const { store } = makeStore();
    const payloads: Record<string, unknown[]> = {};
    for (const name of ['create', 'update', 'set', 'get', 'touch', 'destroy', 'all']) {
      store.on(name, (...args: unknown[]) => void (payloads[name] ??= []).push(args));
    }
    const id = sid();
    const s = makeSession({ secretNote: 'kept-in-the-session' });
    await store.set(id, s);
    await store.touch(id, s);
    await store.get(id);
    await store.all();
    await store.destroy(id);
    for (const [name, args] of Object.entries(payloads)) {
      const carriesSession = name === 'touch' || name === 'all';
      expect(JSON.stringify(args).includes('kept-in-the-session'), name).toBe(carriesSession);
    }
  });
});

describe('touch', () => {
  it('extends expires from the cookie and leaves the session untouched', async () => {
    const { store, collection } = makeStore();
    const id = sid();
    const s = makeSession({ keep: true }, 60_000);
    await store.set(id, s);
    const before = await (await collection()).findOne({ _id: id as never });
    s.cookie.maxAge = 10 * 60_000; // express-session resets maxAge on each request before touching
    await store.touch(id, s);
    const after = await (await collection()).findOne({ _id: id as never });
    expect(after!.expires.getTime()).toBe(new Date(s.cookie.expires!).getTime());
    expect(after!.expires.getTime()).toBeGreaterThan(before!.expires.getTime());
    expect(after!.session).toBe(before!.session);
  });

  it('of a session that no longer exists succeeds and does not create it', async () => {
    const { store, collection } = makeStore();
    const id = sid();
    await expect(store.touch(id, makeSession())).resolves.toBeUndefined();
    const cbArgs = await new Promise<unknown[]>((resolve) => store.touch(id, makeSession(), (...a: unknown[]) => resolve(a)));
    expect(cbArgs).toEqual([null]);
    expect(await (await collection()).countDocuments({ _id: id as never })).toBe(0);
    expect(await store.get(id)).toBeNull();
  });

  it('racing a destroy never brings the session back', async () => {
    const { store, collection } = makeStore();
    const ids = Array.from({ length: 20 }, () => sid('race'));
    const s = makeSession({ u: 1 });
    await Promise.all(ids.map((id) => store.set(id, s)));
    await Promise.all(ids.flatMap((id) => [store.destroy(id), store.touch(id, s), store.touch(id, s)]));
    expect(await (await collection()).countDocuments()).toBe(0);
  });
});

describe('all / length / clear', () => {
  it('all() lists every session as an array; length() counts them; clear() empties the collection', async () => {
    const { store, collection } = makeStore();
    const a = makeSession({ name: 'a' });
    const b = makeSession({ name: 'b' });
    await store.set(sid(), a);
    await store.set(sid(), b);
    const all = await store.all();
    expect(Array.isArray(all)).toBe(true);
    expect((all as unknown as Array<{ name: string }>).map((s) => s.name).sort()).toEqual(['a', 'b']);
    expect(all).toContainEqual(asJson(a));
    expect(await store.length()).toBe(2);
    const lengthArgs = await new Promise<unknown[]>((resolve) => store.length((...x: unknown[]) => resolve(x)));
    expect(lengthArgs).toEqual([null, 2]);
    const allArgs = await new Promise<unknown[]>((resolve) => store.all((...x: unknown[]) => resolve(x)));
    expect(allArgs[0]).toBeNull();
    expect(allArgs[1]).toHaveLength(2);
    await store.clear();
    expect(await store.length()).toBe(0);
    expect(await store.all()).toEqual([]);
    // the collection and its TTL index are kept
    const indexes = await (await collection()).indexes();
    expect(indexes.map((i) => i.name)).toContain('expires_1');
  });

  it('clear() succeeds on a collection that does not exist (callback and promise)', async () => {
    const { store } = makeStore({ autoRemove: 'disabled', collectionName: 'never_created' });
    await expect(store.clear()).resolves.toBeUndefined();
    const args = await new Promise<unknown[]>((resolve) => store.clear((...x: unknown[]) => resolve(x)));
    expect(args).toEqual([null]);
  });

  it('length() and all() on an empty store', async () => {
    const { store } = makeStore();
    expect(await store.length()).toBe(0);
    expect(await store.all()).toEqual([]);
  });
});

describe('callbacks', () => {
  it('an error reaches the callback exactly once', async () => {
    const { store } = makeStore();
    let calls = 0;
    const err = await new Promise<unknown>((resolve) =>
      store.get({ $gt: '' } as never, (e: unknown) => {
        calls += 1;
        resolve(e);
      }),
    );
    expect(err).toBeInstanceOf(TypeError);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(1);
  });

  it('a callback that throws is not called again: its error is rethrown asynchronously', async () => {
    const { store } = makeStore();
    const id = sid();
    await store.set(id, makeSession());
    let calls = 0;
    const caught = await captureUncaught(async () => {
      await new Promise<void>((resolve) => {
        store.get(id, () => {
          calls += 1;
          setImmediate(resolve);
          throw new Error('boom from the app');
        });
      });
      await new Promise((r) => setImmediate(r));
    });
    expect(calls).toBe(1);
    expect(caught).toHaveLength(1);
    expect((caught[0] as Error).message).toBe('boom from the app');
  });
});

describe('session ids', () => {
  const bad: Array<[string, unknown]> = [
    ['a query object', { $gt: '' }],
    ['an empty string', ''],
    ['a number', 42],
    ['undefined', undefined],
    ['null', null],
    ['an array', ['x']],
  ];
  for (const [name, value] of bad) {
    it(`every method rejects ${name} as sid with a TypeError naming sid`, async () => {
      const { store } = makeStore();
      const victim = sid();
      await store.set(victim, makeSession({ owner: 'victim' }));
      const s = makeSession();
      for (const call of [
        () => store.get(value as string),
        () => store.set(value as string, s),
        () => store.touch(value as string, s),
        () => store.destroy(value as string),
      ]) {
        await expect(call()).rejects.toThrow(TypeError);
        await expect(call()).rejects.toThrow(/`sid`/);
      }
      expect(await store.length()).toBe(1);
      expect(await store.get(victim)).toMatchObject({ owner: 'victim' });
    });
  }

  it("rejects a transformId result that is not a non-empty string", async () => {
    for (const result of ['', undefined, 7, { $ne: null }]) {
      const { store } = makeStore({ transformId: () => result as string });
      await expect(store.get('abc')).rejects.toThrow(/`transformId` must return a non-empty string/);
      await expect(store.set('abc', makeSession())).rejects.toThrow(TypeError);
    }
  });

  it('rejects a session that is not an object in set, and a missing one in touch', async () => {
    const { store } = makeStore();
    await expect(store.set(sid(), null as never)).rejects.toThrow(/`session` must be an object/);
    await expect(store.set(sid(), 'x' as never)).rejects.toThrow(/`session` must be an object/);
    await expect(store.touch(sid(), null as never)).rejects.toThrow(/`session` is required/);
    await expect(store.touch(sid(), undefined as never)).rejects.toThrow(/`session` is required/);
  });
});
