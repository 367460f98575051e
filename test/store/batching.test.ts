// Concurrent get()s, set()s, touch()es and destroy()s share commands (src/batching/): what goes over the wire, and
// that every caller still gets exactly its own answer, its own error, and its callback once.
import { describe, expect, it } from 'vitest';
import { MongoServerError, type Document } from 'mongodb';
import { MongoStore, createWebCryptoAdapter, type ConnectMongoOptions } from '../../src/index';
import { captureUnhandled, commandLog, failPoints, makeSession, mongoUrl, rawCollection, sid, track, uniqueDbName, useFaultServer } from '../support';

/** A store on its own client that records every find, update and delete command it sends. */
function watchedStore(options: Partial<ConnectMongoOptions> = {}, url = mongoUrl(), appName?: string) {
  const { client, commands: sent } = commandLog({ url, appName, keep: (e) => ['find', 'update', 'delete'].includes(e.commandName) });
  const dbName = uniqueDbName('batch');
  const store = track(MongoStore.create({ client, dbName, autoRemove: 'disabled', ...options } as ConnectMongoOptions));
  const commands = (name: string) => sent.filter((e) => e.commandName === name).map((e) => e.command as Document);
  return { store, dbName, sent, commands, reset: () => (sent.length = 0) };
}

// failCommand tests: a server of their own (or the shared mongod), failpoints scoped to one store's appName.
const faults = useFaultServer();

/** A watched store on the fault server, and failCommand for `commandName` on that store's client only. */
async function failingStore(commandName: string) {
  const fp = await failPoints(faults.url);
  const watched = watchedStore({}, faults.url, fp.appName);
  return {
    ...watched,
    fail: () => fp.set('alwaysOn', { failCommands: [commandName], errorCode: 2 }),
    recover: () => fp.off(),
    close: () => fp.close(),
  };
}

describe('reads', () => {
  it('one get alone goes out at once as a find by _id; gets that start meanwhile share one find', async () => {
    const { store, commands, reset } = watchedStore();
    const ids = Array.from({ length: 6 }, () => sid());
    for (const [i, id] of ids.entries()) await store.set(id, makeSession({ i }));
    reset();

    const alone = await store.get(ids[0]);
    expect(alone).toMatchObject({ i: 0 });
    expect(commands('find')).toHaveLength(1);
    expect(commands('find')[0].filter).toEqual({ _id: ids[0] });
    reset();

    const missing = sid('missing');
    const results = await Promise.all([...ids, missing].map((id) => store.get(id)));
    expect(results.slice(0, 6).map((s) => (s as unknown as { i: number }).i)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results[6]).toBeNull();
    // The first found nothing in flight and went alone; the six others waited for the end of the turn.
    const finds = commands('find');
    expect(finds).toHaveLength(2);
    expect(finds[0].filter).toEqual({ _id: ids[0] });
    expect(finds[1].filter).toEqual({ _id: { $in: [...ids.slice(1), missing] } });
  });

  it('a shared find holds at most 1,000 sessions; more waiting callers make more finds', async () => {
    const { store, commands, reset } = watchedStore();
    const stored = sid('stored');
    await store.set(stored, makeSession({ found: true }));
    reset();
    const ids = Array.from({ length: 1502 }, (_, i) => (i === 1200 ? stored : sid('none')));
    const results = await Promise.all(ids.map((id) => store.get(id)));
    expect(results.filter((r) => r !== null)).toEqual([expect.objectContaining({ found: true })]);
    expect(results[1200]).toMatchObject({ found: true });
    expect(commands('find').map((f) => (typeof f.filter._id === 'string' ? 1 : f.filter._id.$in.length))).toEqual([1, 1000, 501]);
  });

  it('decrypted sessions of a shared find come back a slice per event-loop turn, each to its own caller', async () => {
    const { store, commands, reset } = watchedStore({ cryptoAdapter: createWebCryptoAdapter({ secret: 'a test secret that is long enough!' }) });
    const ids = Array.from({ length: 60 }, () => sid());
    for (const [i, id] of ids.entries()) await store.set(id, makeSession({ i }));
    reset();
    // A turn counter the event loop advances; each get notes the turn it came back in.
    let turn = 0;
    let ticking = true;
    const tick = () => void (turn++, ticking && setImmediate(tick));
    setImmediate(tick);
    const turns: number[] = [];
    const results = await Promise.all(ids.map((id) => store.get(id).then((s) => (turns.push(turn), s))));
    ticking = false;
    expect(results.map((s) => (s as unknown as { i: number }).i)).toEqual(ids.map((_, i) => i));
    expect(commands('find')).toHaveLength(2); // one alone, then one shared by the other 59
    const perTurn = [...turns.reduce((m, t) => m.set(t, (m.get(t) ?? 0) + 1), new Map<number, number>()).values()];
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(32); // 16 a turn, counted from a check phase to the next
    expect(perTurn.length).toBeGreaterThanOrEqual(3);
  });

  it('an expired document in a shared find is still never returned', async () => {
    const { store, dbName, commands, reset } = watchedStore();
    const live = sid();
    const expired = sid('expired');
    await store.set(live, makeSession({ live: true }));
    await (await rawCollection(dbName)).insertOne({ _id: expired as never, session: '{"old":true}', expires: new Date(Date.now() - 1000) });
    reset();
    const [a, b, c] = await Promise.all([store.get(sid('first')), store.get(expired), store.get(live)]);
    expect(commands('find')).toHaveLength(2);
    expect(a).toBeNull();
    expect(b).toBeNull();
    expect(c).toMatchObject({ live: true });
  });

  it('the same session asked for twice in one turn: separate finds, and two separate objects (stringify: false)', async () => {
    const { store, commands, reset } = watchedStore({ stringify: false });
    const id = sid();
    await store.set(id, makeSession({ nested: { n: 1 } }));
    reset();
    const [first, a, b] = await Promise.all([store.get(sid('other')), store.get(id), store.get(id)]);
    expect(first).toBeNull();
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    (a as unknown as { nested: { n: number } }).nested.n = 2; // one caller's change is not another's
    expect((b as unknown as { nested: { n: number } }).nested.n).toBe(1);
    expect(commands('find')).toHaveLength(3);
  });

  it('a shared find that fails fails each of its gets once, with the server error; the data stays', async () => {
    const { store, commands, reset, fail, recover, close } = await failingStore('find');
    try {
      const ids = [sid(), sid(), sid()];
      for (const id of ids) await store.set(id, makeSession({ kept: id }));
      reset();
      await fail();
      const calls = ids.map(() => 0);
      const outcomes = await Promise.all(
        ids.map(
          (id, i) =>
            new Promise<unknown>((resolve) =>
              store.get(id, (err) => {
                calls[i] += 1;
                resolve(err);
              }),
            ),
        ),
      );
      for (const err of outcomes) expect(err).toMatchObject({ code: 2, name: 'MongoServerError' });
      expect(commands('find').map((c) => c.filter)).toEqual([{ _id: ids[0] }, { _id: { $in: ids.slice(1) } }]);
      await recover();
      for (const id of ids) expect(await store.get(id)).toMatchObject({ kept: id });
      expect(calls).toEqual([1, 1, 1]);
    } finally {
      await close();
    }
  });
});

describe('writes', () => {
  it('sets that start while one is in flight share one unordered update; create/update events stay per session', async () => {
    const { store, dbName, commands, reset } = watchedStore();
    const existing = sid('existing');
    await store.set(existing, makeSession({ v: 1 }));
    reset();
    const events: string[] = [];
    store.on('create', (id: string) => events.push(`create ${id}`));
    store.on('update', (id: string) => events.push(`update ${id}`));
    const fresh = [sid('new'), sid('new'), sid('new')];
    await Promise.all([store.set(fresh[0], makeSession({ v: 'a' })), store.set(existing, makeSession({ v: 2 })), store.set(fresh[1], makeSession({ v: 'b' })), store.set(fresh[2], makeSession({ v: 'c' }))]);

    const updates = commands('update');
    expect(updates).toHaveLength(2);
    expect(updates[0].updates.map((u: Document) => u.q._id)).toEqual([fresh[0]]);
    expect(updates[1].updates.map((u: Document) => u.q._id)).toEqual([existing, fresh[1], fresh[2]]);
    expect(updates[1].ordered).toBe(false);
    expect(updates[1].updates.every((u: Document) => u.upsert === true && u.multi !== true)).toBe(true);
    expect(events.sort()).toEqual([`create ${fresh[0]}`, `create ${fresh[1]}`, `create ${fresh[2]}`, `update ${existing}`].sort());

    const docs = await (await rawCollection(dbName)).find({}, { sort: { _id: 1 } }).toArray();
    expect(docs).toHaveLength(4);
    for (const [id, v] of [[existing, 2], [fresh[0], 'a'], [fresh[1], 'b'], [fresh[2], 'c']] as const) {
      expect(await store.get(id)).toMatchObject({ v });
    }
  });

  it('two sets of one session in one turn go out one after the other, so the later one is what is stored', async () => {
    const { store, commands, reset } = watchedStore();
    const id = sid();
    await store.set(id, makeSession({ v: 0 }));
    reset();
    const order: number[] = [];
    await Promise.all([
      store.set(sid('other'), makeSession()),
      store.set(id, makeSession({ v: 1 })).then(() => order.push(1)),
      store.set(id, makeSession({ v: 2 })).then(() => order.push(2)),
    ]);
    expect(await store.get(id)).toMatchObject({ v: 2 });
    expect(order).toEqual([1, 2]);
    // Never one session twice in one command, nor two writes of it in flight at once (on two pooled
    // connections they could arrive in either order).
    expect(commands('update').map((u) => u.updates.map((x: Document) => x.q._id))).toEqual([[expect.stringMatching(/^other/)], [id], [id]]);
  });

  it('many concurrent sets of one session are applied in call order; one failing does not hold up the next', async () => {
    const { store, dbName } = watchedStore();
    // Write number 7 collides on a unique index, so it fails at the server, in the middle of the chain.
    await (await rawCollection(dbName)).createIndex({ expires: 1 }, { unique: true, name: 'unique_expires' });
    const base = Date.now() + 3_600_000;
    await store.set('taken', { cookie: { expires: new Date(base + 7_000) } } as never);
    const id = sid();
    const done: number[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, v) =>
        store.set(id, { cookie: { expires: new Date(base + v * 1000) }, v } as never).then(() => done.push(v)),
      ),
    );
    expect(results.map((r) => r.status === 'rejected')).toEqual(Array.from({ length: 20 }, (_, v) => v === 7));
    expect((results[7] as PromiseRejectedResult).reason).toMatchObject({ code: 11000 });
    expect(done).toEqual([0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(await store.get(id)).toMatchObject({ v: 19 });
  });

  it('a write error on one statement fails only that set, with the driver error, after one retry alone', async () => {
    const { store, dbName, commands, reset } = watchedStore();
    // A unique index on expires makes one statement of the shared update collide, deterministically.
    await (await rawCollection(dbName)).createIndex({ expires: 1 }, { unique: true, name: 'unique_expires' });
    const at = (s: number) => ({ cookie: { expires: new Date(Date.now() + s * 1000) } }) as never;
    const taken = at(100);
    await store.set('taken', taken);
    reset();
    const calls = { a: 0, b: 0, c: 0 };
    const run = (id: 'a' | 'b' | 'c', s: never) =>
      new Promise<unknown>((resolve) =>
        store.set(id, s, (err) => {
          calls[id] += 1;
          resolve(err ?? 'ok');
        }),
      );
    const created: string[] = [];
    store.on('create', (id: string) => created.push(id));
    const [a, b, c] = await Promise.all([run('a', at(200)), run('b', taken), run('c', at(300))]);
    expect(a).toBe('ok');
    expect(c).toBe('ok');
    expect(b).toMatchObject({ code: 11000, name: 'MongoServerError' });
    expect(calls).toEqual({ a: 1, b: 1, c: 1 });
    expect(created.sort()).toEqual(['a', 'c']);
    expect(commands('update').map((u) => u.updates.map((x: Document) => x.q._id))).toEqual([['a'], ['b', 'c'], ['b']]);
    expect(await (await rawCollection(dbName)).countDocuments({})).toBe(3);
  });

  it('a shared update that fails as a whole fails each of its sets once, and loses nothing stored', async () => {
    const { store, commands, reset, fail, recover, close } = await failingStore('update');
    try {
      const ids = [sid(), sid(), sid()];
      for (const id of ids) await store.set(id, makeSession({ v: 'before' }));
      reset();
      await fail();
      const unhandled = await captureUnhandled(async () => {
        const outcomes = await Promise.allSettled(ids.map((id) => store.set(id, makeSession({ v: 'after' }))));
        expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
        const reasons = outcomes.map((o) => (o as PromiseRejectedResult).reason);
        // The first went alone (updateOne's error); the other two get what the driver's bulkWrite reports
        // for the shared command: a MongoServerError subclass with the same code.
        expect(reasons.map((r) => r.name)).toEqual(['MongoServerError', 'MongoBulkWriteError', 'MongoBulkWriteError']);
        for (const r of reasons) {
          expect(r).toBeInstanceOf(MongoServerError);
          expect(r.code).toBe(2);
        }
      });
      expect(unhandled).toEqual([]);
      expect(commands('update').map((u) => u.updates.length)).toEqual([1, 2]);
      await recover();
      for (const id of ids) expect(await store.get(id)).toMatchObject({ v: 'before' });
    } finally {
      await close();
    }
  });

  it('a shared update the driver splits: a part that never reached MongoDB fails its sets, also after a statement error in an earlier part', async () => {
    const fp = await failPoints(faults.url);
    const { store, dbName, commands, reset } = watchedStore({}, faults.url, fp.appName);
    try {
      // A unique index on expires makes the first statement of the shared update collide.
      await faults.raw.db(dbName).collection('sessions').createIndex({ expires: 1 }, { unique: true, name: 'unique_expires' });
      const at = (s: number, data = {}) => ({ cookie: { expires: new Date(Date.now() + s * 1000) }, ...data }) as never;
      const taken = at(100);
      await store.set('taken', taken);
      reset();
      // Two sessions of 9 MB cannot share one 16 MiB command: the driver sends the bulk write in two parts.
      const big = 'x'.repeat(9 * 1024 * 1024);
      // The lone first set and the first part go through; the second part's connection is closed.
      await fp.set({ skip: 2 }, { failCommands: ['update'], closeConnection: true });
      const first = store.set('first', at(50));
      const shared = [store.set('collides', taken), store.set('stored', at(200, { big })), store.set('never-sent', at(300, { big }))];
      const outcomes = await Promise.allSettled([first, ...shared]);
      await fp.off();
      expect(commands('update').map((u) => u.updates.map((x: Document) => x.q._id))).toEqual([['first'], ['collides', 'stored'], ['never-sent']]);
      const [firstSet, collides, , neverSent] = outcomes.map((o) => o.status);
      expect([firstSet, collides, neverSent]).toEqual(['fulfilled', 'rejected', 'rejected']);
      // Every set reported done is stored, and the one whose part never arrived is not. ('stored' was
      // applied; the driver's error does not say so, and a set that failed but stored is no lost write.)
      const stored = (await faults.raw.db(dbName).collection('sessions').find({}, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
      expect(stored.sort()).toEqual(['first', 'stored', 'taken']);
      const done = ['first', 'collides', 'stored', 'never-sent'].filter((_, i) => outcomes[i].status === 'fulfilled');
      for (const id of done) expect(stored).toContain(id);
    } finally {
      await fp.close();
    }
  });

  it('with w: 0, a shared update is sent and every set resolves', async () => {
    const { store, dbName, commands, reset } = watchedStore({ writeOperationOptions: { w: 0 } });
    reset();
    const ids = [sid(), sid(), sid()];
    await Promise.all(ids.map((id) => store.set(id, makeSession({ id }))));
    expect(commands('update').map((u) => u.updates.length)).toEqual([1, 2]);
    expect(commands('update')[1].writeConcern).toEqual({ w: 0 });
    const coll = await rawCollection(dbName);
    await expect.poll(() => coll.countDocuments({}), { timeout: 2000 }).toBe(3);
  });
});

describe('touches', () => {
  const ids = (u: Document) => u.updates.map((x: Document) => x.q._id);

  it('touches that start while one is in flight share one update; each live session gets its touch event', async () => {
    const { store, dbName, commands, reset } = watchedStore();
    const live = [sid('t'), sid('t'), sid('t'), sid('t')];
    for (const id of live) await store.set(id, makeSession({ id }, 60_000));
    const before = await (await rawCollection(dbName)).find({}).toArray();
    reset();
    const touched: string[] = [];
    store.on('touch', (id: string) => touched.push(id));
    await Promise.all(live.map((id) => store.touch(id, makeSession({ id }, 3_600_000))));
    expect(commands('update').map(ids)).toEqual([[live[0]], live.slice(1)]);
    expect(commands('update')[1].updates.every((u: Document) => u.upsert !== true)).toBe(true);
    expect(touched.sort()).toEqual([...live].sort());
    const after = await (await rawCollection(dbName)).find({}).toArray();
    for (const doc of after) {
      const old = before.find((d) => d._id === doc._id)!;
      expect(doc.expires.getTime()).toBeGreaterThan(old.expires.getTime() + 3_000_000);
    }
  });

  it('a shared touch that misses a session (destroyed, expired): each is asked alone, and the gone ones stay gone', async () => {
    const { store, dbName, commands, reset } = watchedStore();
    const a = sid('a');
    const b = sid('b');
    const destroyed = sid('destroyed');
    const expired = sid('expired');
    for (const id of [a, b, destroyed]) await store.set(id, makeSession({ id }));
    await store.destroy(destroyed);
    await (await rawCollection(dbName)).insertOne({ _id: expired as never, session: '{}', expires: new Date(Date.now() - 1000) });
    reset();
    const touched: string[] = [];
    store.on('touch', (id: string) => touched.push(id));
    const first = sid('first');
    await Promise.all([first, a, destroyed, expired, b].map((id) => store.touch(id, makeSession({ id }))));
    expect(commands('update').map(ids)).toEqual([[first], [a, destroyed, expired, b], [a], [destroyed], [expired], [b]]);
    expect(touched.sort()).toEqual([a, b].sort());
    const coll = await rawCollection(dbName);
    expect(await coll.countDocuments({ _id: { $in: [destroyed, first] } as never })).toBe(0);
    expect((await coll.findOne({ _id: expired as never }))!.expires.getTime()).toBeLessThan(Date.now());
  });

  it('a write error on one touch of a shared update fails only that touch, with the driver error', async () => {
    const { store, dbName, commands, reset } = watchedStore();
    await (await rawCollection(dbName)).createIndex({ expires: 1 }, { unique: true, name: 'unique_expires' });
    const at = (s: number) => new Date(Date.now() + s * 1000);
    const taken = at(500);
    await store.set('taken', { cookie: { expires: taken } } as never);
    for (const [id, s] of [['first', 10], ['a', 20], ['b', 30]] as const) await store.set(id, { cookie: { expires: at(s) } } as never);
    reset();
    const touched: string[] = [];
    store.on('touch', (id: string) => touched.push(id));
    const outcomes = await Promise.allSettled([
      store.touch('first', { cookie: { expires: at(110) } } as never),
      store.touch('a', { cookie: { expires: at(120) } } as never),
      store.touch('b', { cookie: { expires: taken } } as never),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: 11000, name: 'MongoServerError' });
    expect(touched.sort()).toEqual(['a', 'first']);
    expect(commands('update').map(ids)).toEqual([['first'], ['a', 'b'], ['a'], ['b']]);
  });

  it('a shared touch that fails as a whole fails each of its touches once, with no touch event', async () => {
    const { store, commands, reset, fail, recover, close } = await failingStore('update');
    try {
      const list = [sid(), sid(), sid()];
      for (const id of list) await store.set(id, makeSession());
      reset();
      await fail();
      let events = 0;
      store.on('touch', () => (events += 1));
      const outcomes = await Promise.allSettled(list.map((id) => store.touch(id, makeSession())));
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      for (const o of outcomes) expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 2 });
      expect(commands('update').map((u) => u.updates.length)).toEqual([1, 2]);
      expect(events).toBe(0);
      await recover();
    } finally {
      await close();
    }
  });
});

describe('destroys', () => {
  it('destroys that start while one is in flight share one delete; every session is gone and gets its event', async () => {
    const { store, dbName, commands, reset } = watchedStore();
    const list = Array.from({ length: 5 }, () => sid('d'));
    for (const id of list) await store.set(id, makeSession());
    const keep = sid('keep');
    await store.set(keep, makeSession({ keep: true }));
    reset();
    const destroyed: string[] = [];
    store.on('destroy', (id: string) => destroyed.push(id));
    await Promise.all([...list, sid('never-stored')].map((id) => store.destroy(id)));
    const deletes = commands('delete');
    expect(deletes).toHaveLength(2);
    expect(deletes[0].deletes.map((d: Document) => d.q._id)).toEqual([list[0]]);
    expect(deletes[1].deletes).toHaveLength(5);
    expect(deletes[1].deletes.every((d: Document) => d.limit === 1)).toBe(true);
    expect(destroyed).toHaveLength(6);
    const left = await (await rawCollection(dbName)).find({}).toArray();
    expect(left.map((d) => d._id)).toEqual([keep]);
  });

  it('a shared delete that fails as a whole fails each destroy once; the sessions stay', async () => {
    const { store, commands, reset, fail, recover, close } = await failingStore('delete');
    try {
      const list = [sid(), sid(), sid()];
      for (const id of list) await store.set(id, makeSession({ id }));
      reset();
      await fail();
      const outcomes = await Promise.allSettled(list.map((id) => store.destroy(id)));
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(commands('delete').map((d) => d.deletes.length)).toEqual([1, 2]);
      await recover();
      for (const id of list) expect(await store.get(id)).toMatchObject({ id });
    } finally {
      await close();
    }
  });
});

describe('close', () => {
  it('sets still queued when close() is called: each callback runs once, nothing is unhandled, nothing half-written', async () => {
    const { store, dbName } = watchedStore();
    await store.length(); // connected
    const calls = new Map<string, number>();
    const results: Promise<unknown>[] = [];
    const unhandled = await captureUnhandled(async () => {
      for (let i = 0; i < 5; i++) {
        const id = `queued-${i}`;
        results.push(
          new Promise((resolve) =>
            store.set(id, makeSession({ i }), (err) => {
              calls.set(id, (calls.get(id) ?? 0) + 1);
              resolve(err ?? 'ok');
            }),
          ),
        );
      }
      await store.close();
      await Promise.all(results);
    });
    expect(unhandled).toEqual([]);
    expect([...calls.values()]).toEqual([1, 1, 1, 1, 1]);
    // close() closes the client, as connect-mongo's does, so writes it overtakes fail (with the driver's
    // error) rather than hang. Whatever resolved is stored; nothing that failed is.
    const outcomes = await Promise.all(results);
    const stored = await (await rawCollection(dbName)).find({}).toArray();
    expect(stored.map((d) => d._id).sort()).toEqual(outcomes.flatMap((o, i) => (o === 'ok' ? [`queued-${i}`] : [])).sort());
    await expect(store.get('queued-0')).rejects.toThrow(/closed/);
  });
});
