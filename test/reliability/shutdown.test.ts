// close() shuts down cleanly: it is idempotent, stops the sweep timer, leaves no open handle (checked with
// process.getActiveResourcesInfo(), per resource type), makes later calls fail clearly, and is safe straight
// after create() while the connection or the TTL index is still pending.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MongoClient } from 'mongodb';
import { MongoStore, type ConnectMongoOptions } from '../../src/index';
import { TestMongoServer } from '../../mongo-server';
import { commandLog, faultServer, firstHost, holdProxy, makeSession, onceCallback, uniqueDbName, watchProcess } from '../support';

let server: Awaited<ReturnType<typeof faultServer>>;
beforeAll(async () => {
  server = await faultServer();
});
afterAll(async () => server?.stop());

/** Active handles by type (sockets, timers...). An in-process TestMongoServer's own handles count too. */
function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}
/**
 * Waits until no resource type has more handles than in `baseline` (sockets close asynchronously), looking
 * again after each turn of the event loop. Not vi.waitFor: its own timers would be counted as leftovers.
 */
async function expectBackTo(baseline: Record<string, number>) {
  const deadline = Date.now() + 5_000;
  let extra: Array<[string, number]> = [];
  for (;;) {
    extra = Object.entries(resources()).filter(([type, n]) => n > (baseline[type] ?? 0));
    if (extra.length === 0 || Date.now() > deadline) break;
    await new Promise((r) => setImmediate(r));
  }
  expect(extra).toEqual([]);
}

describe('close()', () => {
  it('stops the interval sweeper, is idempotent, and leaves no socket or timer behind', async () => {
    const watch = watchProcess();
    const baseline = resources();
    const { client, commands: sweeps } = commandLog({ url: server.url, keep: (e) => e.commandName === 'delete' && e.command.writeConcern?.w === 0 });
    // autoRemoveInterval is in minutes: 0.002 min = 120 ms, so sweeps really run before close().
    const store = MongoStore.create({ client, dbName: uniqueDbName('close'), autoRemove: 'interval', autoRemoveInterval: 0.002 });
    await store.set('a', makeSession());
    await vi.waitFor(() => expect(sweeps.length).toBeGreaterThanOrEqual(2), { timeout: 5_000, interval: 20 });

    const closes = [store.close(), store.close(), store.close()];
    const viaCallback = onceCallback();
    store.close(viaCallback.cb);
    await Promise.all(closes);
    expect(await viaCallback.first).toEqual([null]);
    const sweepsAtClose = sweeps.length;
    await expect(store.close()).resolves.toBeUndefined();

    // No timer is left (expectBackTo counts them), so no sweep can come later; none came since close().
    await expectBackTo(baseline);
    expect(sweeps.length).toBe(sweepsAtClose);
    expect(viaCallback.calls).toBe(1);
    await watch.stop();
    expect(watch.unhandled).toEqual([]);
  });

  it('every method afterwards fails at once with "the store is closed", in callback and promise form, exactly once', async () => {
    const store = MongoStore.create({ mongoUrl: server.url, dbName: uniqueDbName('closed') });
    await store.set('a', makeSession());
    await store.close();
    const calls: Array<[string, (cb: (...a: unknown[]) => void) => void]> = [
      ['get', (cb) => store.get('a', cb)],
      ['set', (cb) => store.set('a', makeSession(), cb)],
      ['touch', (cb) => store.touch('a', makeSession(), cb)],
      ['destroy', (cb) => store.destroy('a', cb)],
      ['all', (cb) => store.all(cb)],
      ['length', (cb) => store.length(cb)],
      ['clear', (cb) => store.clear(cb)],
    ];
    const pending = calls.map(([name, run]) => {
      const c = onceCallback();
      run(c.cb);
      return { name, c };
    });
    for (const { name, c } of pending) {
      const [err] = await c.first;
      expect(err, name).toBeInstanceOf(Error);
      expect((err as Error).message, name).toBe('connect-mongo: the store is closed');
    }
    await expect(store.get('a')).rejects.toThrow('connect-mongo: the store is closed');
    await expect(store.all()).rejects.toThrow('connect-mongo: the store is closed');
    for (const { c } of pending) expect(c.calls).toBe(1);
  });

  it('operations in flight when close() is called each settle once (none hangs), with no unhandled rejection', async () => {
    const watch = watchProcess();
    const baseline = resources();
    const store = MongoStore.create({ mongoUrl: server.url, dbName: uniqueDbName('inflight'), mongoOptions: { serverSelectionTimeoutMS: 1000 } });
    await store.set('a', makeSession({ v: 1 }));
    const inFlight = Array.from({ length: 30 }, (_, i) => {
      const c = onceCallback();
      if (i % 3 === 0) store.get('a', c.cb);
      else if (i % 3 === 1) store.set(`s${i}`, makeSession({ i }), c.cb);
      else store.touch('a', makeSession(), c.cb);
      return c;
    });
    await store.close();
    const outcomes = await Promise.all(inFlight.map((c) => c.first));
    for (const [err] of outcomes) if (err) expect(err).toBeInstanceOf(Error);
    await expectBackTo(baseline);
    expect(inFlight.every((c) => c.calls === 1)).toBe(true);
    await watch.stop();
    expect(watch.unhandled).toEqual([]);
  });
});

describe('close() straight after create()', () => {
  for (const autoRemove of ['native', 'interval', 'disabled'] as const) {
    it(`autoRemove ${autoRemove}, while the TTL index is still being created (createIndexes held for native): no timer, no error, no rejection`, async () => {
      const watch = watchProcess();
      const proxy = await holdProxy(firstHost(server.url));
      const baseline = resources();
      const errors: unknown[] = [];
      // Only 'native' creates the TTL index; the others are closed straight after create().
      const held = autoRemove === 'native' ? proxy.hold('createIndexes') : undefined;
      try {
        const options: ConnectMongoOptions = { mongoUrl: proxy.url, dbName: uniqueDbName('early'), autoRemove, autoRemoveInterval: 0.002 };
        const store = MongoStore.create(options);
        store.on('error', (e: unknown) => errors.push(e));
        await held?.reached; // the index is being created
        const closing = store.close();
        held?.release();
        await closing;
        await expect(store.get('x')).rejects.toThrow(/store is closed/);
      } finally {
        held?.release();
      }
      await expectBackTo(baseline);
      expect(errors).toEqual([]);
      await watch.expectQuiet();
    });
  }

  for (const how of ['mongoUrl', 'client', 'clientPromise'] as const) {
    it(`${how}, while MongoDB is down: close() resolves, no timer or socket left, no unhandled rejection`, async () => {
      const watch = watchProcess();
      const probe = new TestMongoServer();
      const url = await probe.start();
      await probe.stop();
      const baseline = resources();
      const mongoOptions = { serverSelectionTimeoutMS: 300 };
      const connection =
        how === 'mongoUrl'
          ? { mongoUrl: url, mongoOptions }
          : how === 'client'
            ? { client: new MongoClient(url, mongoOptions) }
            : { clientPromise: MongoClient.connect(url, mongoOptions) };
      const store = MongoStore.create({ ...connection, dbName: uniqueDbName('down'), autoRemove: 'interval', autoRemoveInterval: 0.002 });
      await store.close();
      await expectBackTo(baseline);
      await watch.stop();
      expect(watch.unhandled).toEqual([]);
    });
  }
});
