// A replica set for a test file: MONGO_URL when it names one, otherwise an in-process replica set of test
// servers (never a skipped test). Everything a test does to it goes over the wire with MongoDB's own commands
// (hello, replSetStepDown, replSetFreeze, the stopReplProducer failpoint), so it holds on a real replica set;
// on MONGO_URL the failpoint needs mongod started with enableTestCommands=1.
import { afterAll, beforeAll, vi } from 'vitest';
import { MongoClient, type Document } from 'mongodb';
import { resolveReplicaSet, type ReplicaSetBackend } from '../../mongo-server/backend';

export interface TestReplicaSet extends ReplicaSetBackend {
  /** The members' host:port, as the set names them. */
  hosts: string[];
  /** A client on one member only (directConnection, reads allowed on a secondary), closed with the fixture. */
  direct(host: string): MongoClient;
  /** hello of every member, in the order of the set's hosts. */
  hellos(): Promise<Document[]>;
  primary(): Promise<string>;
  secondaries(): Promise<string[]>;
  /**
   * replSetStepDown on the current primary; resolves once another member is primary. The old primary is then
   * unfrozen (replSetFreeze: 0), so that a later stepdown in the same file has every member to choose from.
   */
  stepDown(command?: Document): Promise<{ from: string; to: string }>;
  /** Turns the stopReplProducer failpoint on or off on these members: they fetch nothing new while it is on. */
  pauseReplication(hosts: string[], paused: boolean): Promise<void>;
}

/** The URL with only `host` in it, as a direct connection (credentials and other options kept). */
function directUrl(url: string, host: string): string {
  const replaced = url.replace(/^(mongodb:\/\/(?:[^@/]*@)?)[^/?]+/, `$1${host}`);
  const [base, query = ''] = replaced.split('?');
  const params = new URLSearchParams(query);
  params.delete('replicaSet');
  params.set('directConnection', 'true');
  return `${base.endsWith('/') ? base : `${base}/`}?${params}`;
}

async function build(backend: ReplicaSetBackend, clients: MongoClient[]): Promise<TestReplicaSet> {
  const seed = new MongoClient(backend.url);
  clients.push(seed);
  const hosts: string[] = (await seed.db('admin').command({ hello: 1 })).hosts;
  const directs = new Map<string, MongoClient>();
  const direct = (host: string) => {
    if (!directs.has(host)) {
      // primaryPreferred: reads on a secondary need a non-primary read preference (drivers before 6 do not add
      // one to direct connections). Frequent heartbeats: a member that was stopped is seen again soon.
      const client = new MongoClient(directUrl(backend.url, host), {
        readPreference: 'primaryPreferred',
        serverSelectionTimeoutMS: 5000,
        heartbeatFrequencyMS: 500,
      });
      clients.push(client);
      directs.set(host, client);
    }
    return directs.get(host)!;
  };
  const hellos = () => Promise.all(hosts.map((h) => direct(h).db('admin').command({ hello: 1 })));
  const primary = async () => {
    const found = (await hellos()).find((h) => h.isWritablePrimary);
    if (!found) throw new Error('no primary');
    return found.me as string;
  };
  const secondaries = async () => (await hellos()).filter((h) => h.secondary).map((h) => h.me as string);
  return {
    ...backend,
    hosts,
    direct,
    hellos,
    primary,
    secondaries,
    async stepDown(command = {}) {
      const from = await vi.waitFor(primary, { timeout: 15_000, interval: 50 });
      await direct(from).db('admin').command({ replSetStepDown: 30, secondaryCatchUpPeriodSecs: 10, ...command });
      const to = await vi.waitFor(
        async () => {
          const p = await primary();
          if (p === from) throw new Error('still the same primary');
          return p;
        },
        { timeout: 15_000, interval: 50 },
      );
      await direct(from).db('admin').command({ replSetFreeze: 0 });
      return { from, to };
    },
    async pauseReplication(members, paused) {
      for (const host of members) {
        await direct(host).db('admin').command({ configureFailPoint: 'stopReplProducer', mode: paused ? 'alwaysOn' : 'off' });
      }
    },
  };
}

/**
 * For a whole test file: the replica set, started before its tests and stopped after them. Read the fields
 * inside tests (they are set by beforeAll).
 */
export function useReplicaSet(options: Parameters<typeof resolveReplicaSet>[0] = {}): TestReplicaSet {
  const fixture = {} as TestReplicaSet;
  const clients: MongoClient[] = [];
  let stop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const backend = await resolveReplicaSet(options);
    stop = backend.stop;
    Object.assign(fixture, await build(backend, clients));
  });
  afterAll(async () => {
    // Replication is never left paused for the next file that shares a MONGO_URL set.
    if (fixture.hosts) await fixture.pauseReplication(fixture.hosts, false).catch(() => undefined);
    await Promise.all(clients.map((c) => c.close()));
    await stop?.();
  });
  return fixture;
}
