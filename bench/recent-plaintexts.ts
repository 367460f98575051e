// What the memory of recent plaintexts (RecentPlaintexts in src/document/encryption.ts) earns on a figure a user sees: the
// latency and client CPU of an encrypted get() at concurrency 1, read as a hit (the ciphertext this store saw
// last) and as a miss (the memory emptied before each read, outside the timed call), op by op in turns.
// Run: npx tsx bench/recent-plaintexts.ts
import { MongoClient } from 'mongodb';
import { MongoStore, createKrupteinAdapter, createWebCryptoAdapter, type CryptoAdapter } from '../src/index';
import { startServer } from './lib/server';
import { makeSession } from './lib/session-data';

type Memory = { clear(): void };
const memoryOf = (store: MongoStore) => (store as unknown as { codec: { options: { encryption: { recent?: Memory } } } }).codec.options.encryption.recent;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(op: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await op();
  const wall = Number(process.hrtime.bigint() - t0) / 1e3;
  const c = process.cpuUsage(c0);
  return { wall, cpu: c.user + c.system };
}

async function compare(label: string, adapter: CryptoAdapter, url: string, ops = 4000) {
  const client = new MongoClient(url);
  const store = MongoStore.create({ client, dbName: `recent_${label.replace(/\W/g, '')}`, cryptoAdapter: adapter });
  const ids = Array.from({ length: 64 }, (_, i) => `recent-${i}`);
  for (const id of ids) await store.set(id, makeSession(0) as never);
  const hit: { wall: number; cpu: number }[] = [];
  const miss: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < ops; i++) {
    const id = ids[i % ids.length];
    const missFirst = i % 2 === 1;
    for (const kind of missFirst ? ['miss', 'hit'] : ['hit', 'miss']) {
      if (kind === 'miss') memoryOf(store)?.clear();
      else await store.get(id); // makes sure the memory holds it
      (kind === 'hit' ? hit : miss).push(await timed(() => store.get(id)));
    }
  }
  const row = (name: string, xs: { wall: number; cpu: number }[]) =>
    `${label} get ${name}: wall ${median(xs.map((x) => x.wall)).toFixed(1)} µs, CPU ${median(xs.map((x) => x.cpu)).toFixed(1)} µs (median of ${xs.length})`;
  console.log(row('hit ', hit));
  console.log(row('miss', miss));
  await store.close();
}

const server = await startServer();
try {
  await compare('WebCrypto', createWebCryptoAdapter({ secret: 'bench-secret-0123456789abcdef-0123456789' }), server.url);
  await compare('kruptein ', createKrupteinAdapter({ secret: 'bench-secret-0123456789abcdef-0123456789' }), server.url);
} finally {
  await server.stop();
}
