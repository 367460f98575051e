// Every store call sends as many commands as it does with no option set, whatever combination of the opt-in
// controls is on: counted through the driver's command monitoring, on a real server. maxLifetime is set so
// that it binds (a 14-day cookie, a 1-day cap): its cap must ride in the same update.
import type session from 'express-session';
import { describe, expect, it } from 'vitest';
import { MongoStore, createWebCryptoAdapter, type ConnectMongoOptions } from '../../src/index';
import { commandLog, makeSession, sid, track, uniqueDbName } from '../support';

declare module 'express-session' {
  interface SessionData {
    countedUser?: string;
  }
}

const DAY = 86_400_000;
const adapter = createWebCryptoAdapter({ secret: 'count-every-control-0123456789abcdef' });

/** Each control's settings: off first. Encryption comes without and with bindToId. */
const CONTROLS = {
  maxLifetime: [{}, { maxLifetime: 86_400 }],
  destroyGrace: [{}, { destroyGrace: 60 }],
  userId: [{}, { userId: (s: session.SessionData) => s.countedUser }],
  hashSessionIds: [{}, { hashSessionIds: { secret: 'pepper-0123456789abcdef' } }, { hashSessionIds: { migrate: true } }],
  encryption: [{}, { cryptoAdapter: adapter }, { cryptoAdapter: adapter, bindToId: true }],
} as const;

type Options = Partial<ConnectMongoOptions>;

/** Every combination of the controls' settings. */
function combinations(): Options[] {
  let all: Options[] = [{}];
  for (const settings of Object.values(CONTROLS)) all = all.flatMap((base) => settings.map((s) => ({ ...base, ...s }) as Options));
  return all;
}

const CALLS = ['set (new)', 'get', 'set (update)', 'touch', 'get (missing)', 'destroy'] as const;

/** The commands each call of an express-session request cycle sends, by call. */
async function commandsPerCall(options: Options): Promise<Record<string, string[]>> {
  const { client, commands } = commandLog({ keep: (e) => ['find', 'update', 'delete', 'insert', 'findAndModify'].includes(e.commandName) });
  const store = track(MongoStore.create({ client, dbName: uniqueDbName('count'), autoRemove: 'disabled', ...options }));
  await store.collectionP;
  const id = sid();
  let read: session.SessionData | null = null;
  const calls: Record<(typeof CALLS)[number], () => Promise<unknown>> = {
    'set (new)': () => store.set(id, makeSession({ countedUser: 'u' }, 14 * DAY)),
    get: async () => (read = await store.get(id)),
    // As express-session does: the session get() returned, changed, back to set() and touch().
    'set (update)': () => store.set(id, Object.assign(read!, { n: 2 })),
    touch: () => store.touch(id, read!),
    'get (missing)': () => store.get(sid('missing')),
    destroy: () => store.destroy(id),
  };
  const sent: Record<string, string[]> = {};
  for (const name of CALLS) {
    commands.length = 0;
    await calls[name]();
    sent[name] = commands.map((c) => c.commandName);
  }
  expect(read).toMatchObject({ countedUser: 'u' });
  return sent;
}

describe('every control costs what plain costs', () => {
  it('set (new and update), get (found and missing), touch and destroy send as many commands with every combination of controls', { timeout: 120_000 }, async () => {
    const plain = await commandsPerCall({});
    expect(plain).toEqual({
      'set (new)': ['update'],
      get: ['find'],
      'set (update)': ['update'],
      touch: ['update'],
      'get (missing)': ['find'],
      destroy: ['delete'],
    });
    const cases = combinations();
    expect(cases).toHaveLength(72);
    for (const options of cases) {
      const expected = { ...plain };
      // destroyGrace writes a tombstone in place of the delete: still one command.
      if (options.destroyGrace) expected.destroy = ['update'];
      // The one exception, in the transition mode only: a session still under its plain id must be deleted
      // there and its tombstone written under the hashed id, and no single command can do both (see
      // docs/architecture.md).
      const migrating = typeof options.hashSessionIds === 'object' && options.hashSessionIds.migrate === true;
      if (options.destroyGrace && migrating) expected.destroy = ['delete', 'update'];
      expect.soft(await commandsPerCall(options), JSON.stringify(options)).toEqual(expected);
    }
  });
});

describe('a duplicate key is retried in one place', () => {
  async function watched(options: Options) {
    const { client, commands } = commandLog({ keep: (e) => ['find', 'update', 'delete'].includes(e.commandName) });
    const dbName = uniqueDbName('retry');
    const store = track(MongoStore.create({ client, dbName, autoRemove: 'disabled', ...options }));
    return { store, commands, collection: async () => client.db(dbName).collection('sessions') };
  }

  it('a set refused by a tombstone sends its update and one find, never the update twice', async () => {
    const { store, commands } = await watched({ destroyGrace: 600 });
    const id = sid();
    await store.set(id, makeSession({ countedUser: 'u' }));
    await store.destroy(id);
    commands.length = 0;
    const refused: string[] = [];
    store.on('refused', (shown: string) => refused.push(shown));
    await store.set(id, makeSession({ countedUser: 'late' }));
    expect(refused).toEqual([id]);
    expect(commands.map((c) => c.commandName)).toEqual(['update', 'find']);
  });

  it('a set retried past an expired tombstone keeps its place: the later set of the session is what is stored', async () => {
    const { store, commands, collection } = await watched({ destroyGrace: 600 });
    const id = sid();
    // A tombstone whose grace is over, not removed yet by the TTL monitor: it refuses nothing.
    await (await collection()).insertOne({ _id: id as never, tombstone: true, expires: new Date(Date.now() - 1000) });
    commands.length = 0;
    await Promise.all([store.set(id, makeSession({ n: 1 })), store.set(id, makeSession({ n: 2 }))]);
    expect(await store.get(id)).toMatchObject({ n: 2 });
    expect(commands.map((c) => c.commandName)).toEqual(['update', 'find', 'delete', 'update', 'update', 'find']);
  });
});
