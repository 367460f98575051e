// Transient command errors (MongoDB's failCommand failpoint) on every store method: the caller gets one clear
// outcome, events fire only for writes that happened, and the store keeps working afterwards. The failpoint is
// server-wide, so on the in-process backend the file runs its own TestMongoServer; on MONGO_URL it needs a
// mongod with enableTestCommands=1. Failpoints are scoped to the store's appName either way.
import { describe, expect, it } from 'vitest';
import { MongoError, MongoServerError, type Document } from 'mongodb';
import { MongoStore } from '../../src/index';
import { failPoints, makeSession, onceCallback, uniqueDbName, useFaultServer, watchProcess } from '../support';

const server = useFaultServer();

const STORE_EVENTS = ['create', 'update', 'set', 'get', 'touch', 'destroy', 'all'];

type Op = { name: string; command: string; write: boolean; emits: string[]; run: (store: MongoStore, cb: (...a: unknown[]) => void) => void };
const ops: Op[] = [
  { name: 'get', command: 'find', write: false, emits: ['get'], run: (s, cb) => s.get('mine', cb) },
  { name: 'set', command: 'update', write: true, emits: ['update', 'set'], run: (s, cb) => s.set('mine', makeSession({ v: 'new' }), cb) },
  { name: 'set (a new session)', command: 'update', write: true, emits: ['create', 'set'], run: (s, cb) => s.set('fresh', makeSession({ v: 'new' }), cb) },
  { name: 'touch', command: 'update', write: true, emits: ['touch'], run: (s, cb) => s.touch('mine', makeSession({ v: 'old' }), cb) },
  { name: 'destroy', command: 'delete', write: true, emits: ['destroy'], run: (s, cb) => s.destroy('mine', cb) },
  { name: 'all', command: 'find', write: false, emits: ['all'], run: (s, cb) => s.all(cb) },
  { name: 'length', command: 'aggregate', write: false, emits: [], run: (s, cb) => s.length(cb) },
  { name: 'clear', command: 'delete', write: true, emits: [], run: (s, cb) => s.clear(cb) },
];

interface Fault {
  name: string;
  data: (command: string) => Document;
  storeOptions?: Record<string, unknown>;
  /** Whether the server skipped the command (a blocked command still runs once the block ends). */
  commandSkipped: boolean;
  check: (err: unknown) => void;
}
const faults: Fault[] = [
  {
    name: 'a retryable error (91 ShutdownInProgress, RetryableWriteError label) on every attempt',
    data: (c) => ({ failCommands: [c], errorCode: 91, errorLabels: ['RetryableWriteError'] }),
    commandSkipped: true,
    check: (err) => expect((err as MongoServerError).code).toBe(91),
  },
  {
    name: 'a non-retryable error (2 BadValue)',
    data: (c) => ({ failCommands: [c], errorCode: 2 }),
    commandSkipped: true,
    check: (err) => expect((err as MongoServerError).code).toBe(2),
  },
  {
    name: 'closeConnection on every attempt',
    data: (c) => ({ failCommands: [c], closeConnection: true }),
    commandSkipped: true,
    check: (err) => expect((err as Error).name).toMatch(/^Mongo(Network|ServerSelection)/),
  },
  {
    name: 'blockConnection (1500 ms) longer than socketTimeoutMS (300 ms)',
    data: (c) => ({ failCommands: [c], blockConnection: true, blockTimeMS: 1500 }),
    storeOptions: { socketTimeoutMS: 300 },
    commandSkipped: false,
    check: (err) => expect((err as Error).name).toMatch(/^MongoNetwork/),
  },
];

async function setup(storeOptions: Record<string, unknown> = {}) {
  const fp = await failPoints(server.url);
  const dbName = uniqueDbName('faults');
  const store = MongoStore.create({
    mongoUrl: server.url,
    dbName,
    mongoOptions: { appName: fp.appName, serverSelectionTimeoutMS: 1000, ...storeOptions },
  });
  await store.set('mine', makeSession({ v: 'old' }));
  await store.set('other', makeSession({ v: 'other' }));
  const events: string[] = [];
  for (const e of STORE_EVENTS) store.on(e, () => events.push(e));
  const snapshot = () => server.raw.db(dbName).collection('sessions').find({}, { sort: { _id: 1 } }).toArray();
  return { fp, store, events, snapshot };
}

describe('failCommand faults: one error to the caller, nothing misleading emitted, the store keeps working', () => {
  for (const fault of faults) {
    describe(fault.name, () => {
      for (const op of ops) {
        it(`${op.name}`, async () => {
          const watch = watchProcess();
          const { fp, store, events, snapshot } = await setup(fault.storeOptions);
          try {
            const before = await snapshot();
            await fp.set('alwaysOn', fault.data(op.command));
            const call = onceCallback();
            op.run(store, call.cb);
            const [err, result] = await call.first;
            expect(err).toBeInstanceOf(MongoError);
            fault.check(err);
            // connect-mongo calls back a failed length() with (err, 0); everything else with the error alone.
            expect(result).toBe(op.name === 'length' ? 0 : undefined);
            // No event claims the failed operation happened.
            expect(events).toEqual([]);
            await fp.off();
            if (fault.commandSkipped) expect(await snapshot()).toEqual(before);

            // After the fault: the same operation succeeds, and the callback above was still called only once.
            const again = onceCallback();
            op.run(store, again.cb);
            const [err2] = await again.first;
            expect(err2).toBeNull();
            if (fault.commandSkipped || op.name !== 'set (a new session)') expect(events).toEqual(op.emits);
            // A blocked write still runs on the server once the block ends: the retry may find it there.
            else expect([['create', 'set'], ['update', 'set']]).toContainEqual(events);
            await store.set('later', makeSession({ v: 'later' }));
            expect(await store.get('later')).toMatchObject({ v: 'later' } as never);
            expect(call.calls).toBe(1);
            expect(again.calls).toBe(1);
          } finally {
            await store.close();
            await fp.close();
          }
          await watch.expectQuiet();
        });
      }
    });
  }
});

describe('a single transient fault (times: 1)', () => {
  // Whether the driver retries (retryable writes need a replica set; reads are retried on a standalone too)
  // is the driver's business; the store's contract is: at most one outcome, and events match it.
  const transient: Array<[string, Document]> = [
    ['retryable error 91', { errorCode: 91, errorLabels: ['RetryableWriteError'] }],
    ['closeConnection', { closeConnection: true }],
  ];
  for (const [name, data] of transient) {
    for (const op of [ops[0], ops[1], ops[4]]) {
      it(`${name} on ${op.name}: one outcome, and 'set'/'destroy' only if the write happened`, async () => {
        const watch = watchProcess();
        const { fp, store, events, snapshot } = await setup();
        try {
          const before = await snapshot();
          await fp.set({ times: 1 }, { failCommands: [op.command], ...data });
          const call = onceCallback();
          op.run(store, call.cb);
          const [err] = await call.first;
          const after = await snapshot();
          if (err) {
            expect(err).toBeInstanceOf(MongoError);
            expect(after).toEqual(before);
            expect(events).toEqual([]);
          } else if (op.write) {
            expect(after).not.toEqual(before);
            expect(events).toEqual(op.name === 'set' ? ['update', 'set'] : ['destroy']);
          } else {
            expect(events).toEqual(['get']);
          }
          await store.set('later', makeSession({ v: 'later' }));
          expect(await store.get('later')).toMatchObject({ v: 'later' } as never);
          expect(call.calls).toBe(1);
        } finally {
          await store.close();
          await fp.close();
        }
        await watch.stop();
        expect(watch.unhandled).toEqual([]);
      });
    }
  }
});
