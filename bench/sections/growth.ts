// How costs move as the collection grows (1,000 / 10,000 / 100,000 stored sessions, plain mode): get and
// set must stay flat; length(), ids(), entries() and all() read everything, so their time grows, and
// entries() must hold only one cursor batch in memory whatever the size; clear() and the interval
// sweeper's deleteMany of expired sessions.
//
// Both stores read and write one shared collection (the plain format is the same), which grows in place
// from one size to the next: the documents are bulk-inserted with insertMany, as a store would have left
// them. autoRemove is 'disabled' on both, so the test server's TTL monitor never scans these collections
// in the middle of a measurement (and cannot race the sweeper figure).
import { performance } from 'node:perf_hooks';
import type { Collection } from 'mongodb';
import type { Config } from '../lib/config';
import { interleave, log } from '../lib/measure';
import { makeSession, newSid } from '../lib/session-data';
import { makeStore, newClient, type BenchStore, type Impl } from '../lib/stores';
import { median, spread, type Spread } from '../lib/stats';
import { runCell, type OpsCell, type Side } from './ops';

type Doc = { _id: string; session: string; expires: Date };

export interface Timed {
  ms: number;
  /** Retained heap growth (after gc) while the result is held or, for entries(), its peak during the loop. */
  heapMB?: number;
}

export interface GrowthCell {
  sessions: number;
  get: OpsCell;
  set: OpsCell;
  /** Per round; the report takes medians and the ratio ours ÷ theirs. */
  length: { ours: number[]; theirs: number[]; ratio: Spread };
  all?: { ours: Timed; theirs: Timed };
  ids: Timed;
  entries: Timed;
  /** deleteMany of the expired tenth added for the purpose; the same command for both stores. */
  sweep: { ms: number; removed: number };
  /** deleteMany({}) of `sessions` documents; the same command for both stores. */
  clear: { ms: number };
}

const DAY = 86_400_000;
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const heapMB = () => process.memoryUsage().heapUsed / 2 ** 20;

/** Retained heap: after a full gc, relative to `base`. Needs --expose-gc (npm run bench passes it). */
function retained(base: number): number {
  gc();
  return Math.max(0, heapMB() - base);
}

/** Appends documents until the collection holds `target` (cheap copies of one ~1 KB session, distinct ids). */
async function fill(coll: Collection<Doc>, from: number, target: number, expires: Date, tag: string): Promise<void> {
  const template = JSON.stringify(makeSession(0));
  for (let i = from; i < target; i += 10_000) {
    const docs: Doc[] = [];
    for (let k = i; k < Math.min(target, i + 10_000); k++) {
      docs.push({ _id: `${tag}${k.toString(36).padStart(28, '0')}`, session: template.replace('"views":0', `"views":${k}`), expires });
    }
    await coll.insertMany(docs, { ordered: false });
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

type Extra = { length(cb: (err: unknown, n?: number) => void): void; ids(): Promise<string[]>; entries(): AsyncIterable<[string, unknown]> };
const extra = (bs: BenchStore) => bs.store as unknown as Extra;
/** Through the callback, the way express-session's callers use it (connect-mongo's length() has no promise form). */
const lengthOf = (bs: BenchStore) =>
  new Promise<number>((resolve, reject) => extra(bs).length((err, n) => (err ? reject(err) : resolve(n!))));

/** entries() twice: timed, then with a full gc every `sampleEvery` sessions to read what the loop holds. */
async function entriesRun(bs: BenchStore, n: number, sampleEvery: number): Promise<Timed> {
  const count = async (sample?: () => void) => {
    let c = 0;
    for await (const _entry of extra(bs).entries()) if (++c % sampleEvery === 0) sample?.();
    if (c !== n) throw new Error(`entries() yielded ${c} sessions, expected ${n}`);
  };
  const { ms } = await timed(() => count());
  const base = (gc(), heapMB());
  let peak = 0;
  await count(() => void (peak = Math.max(peak, retained(base))));
  return { ms, heapMB: peak };
}

async function allRun(bs: BenchStore, n: number): Promise<Timed> {
  const base = (gc(), heapMB());
  const { ms, value } = await timed(() => bs.all());
  if (value.length !== n) throw new Error(`all() returned ${value.length} sessions, expected ${n}`);
  return { ms, heapMB: retained(base) };
}

async function measureSize(cfg: Config, s: Record<'ours' | 'theirs', Side>, coll: Collection<Doc>, n: number, last: boolean, scratch: Collection<Doc>) {
  const get = await runCell(cfg, s, 'plain', 'get-hit', 1, cfg.growthRounds);
  const set = await runCell(cfg, s, 'plain', 'set-update', 1, cfg.growthRounds);
  const len = await interleave(cfg.growthRounds, async (key) => (await timed(() => lengthOf(s[key].bs))).ms);
  const lengthNow = await lengthOf(s.ours.bs);
  if (lengthNow !== n) throw new Error(`length() is ${lengthNow}, expected ${n}`);
  // all() holds every session at once: two interleaved rounds (AB, BA) per size, the mean of each store's two.
  let all: GrowthCell['all'];
  if (n <= cfg.growthAllMax) {
    const r = await interleave(2, (key) => allRun(s[key].bs, n));
    const mean = (rs: Timed[]): Timed => ({ ms: (rs[0].ms + rs[1].ms) / 2, heapMB: (rs[0].heapMB! + rs[1].heapMB!) / 2 });
    all = { ours: mean(r.ours), theirs: mean(r.theirs) };
  }
  const idsBase = (gc(), heapMB());
  const ids = await timed(() => extra(s.ours.bs).ids());
  if (ids.value.length !== n) throw new Error(`ids() returned ${ids.value.length}, expected ${n}`);
  const idsCell: Timed = { ms: ids.ms, heapMB: retained(idsBase) };
  const entries = await entriesRun(s.ours.bs, n, Math.max(500, Math.floor(n / 10)));
  // The sweeper: a tenth more, already expired, then the deleteMany both stores send on their timer
  // (unacknowledged there; acknowledged here so that it can be timed).
  const expired = Math.max(1, Math.floor(n / 10));
  await fill(coll, 0, expired, new Date(Date.now() - DAY), `x${n}_`);
  const sweep = await timed(() => coll.deleteMany({ expires: { $lt: new Date() } }));
  if (sweep.value.deletedCount !== expired) throw new Error(`the sweep removed ${sweep.value.deletedCount}, expected ${expired}`);
  // clear(): on a scratch copy of the same size, except at the largest size, where the main collection goes.
  let target = coll;
  if (!last) {
    await fill(scratch, 0, n, new Date(Date.now() + DAY), `c${n}_`);
    target = scratch;
  }
  const clear = await timed(() => target.deleteMany({}));
  if (clear.value.deletedCount !== n) throw new Error(`clear removed ${clear.value.deletedCount}, expected ${n}`);
  const cell: GrowthCell = {
    sessions: n,
    get,
    set,
    length: { ours: len.ours, theirs: len.theirs, ratio: spread(len.ours.map((v, i) => v / len.theirs[i])) },
    all,
    ids: idsCell,
    entries,
    sweep: { ms: sweep.ms, removed: expired },
    clear: { ms: clear.ms },
  };
  const m = (xs: number[]) => median(xs).toFixed(1);
  log(
    `growth ${n}: length ms ${m(len.ours)} / ${m(len.theirs)}`,
    all ? `| all ms ${all.ours.ms.toFixed(0)} / ${all.theirs.ms.toFixed(0)}, heap MB ${all.ours.heapMB!.toFixed(1)} / ${all.theirs.heapMB!.toFixed(1)}` : '',
    `| ids ms ${ids.ms.toFixed(0)} heap MB ${idsCell.heapMB!.toFixed(1)} | entries ms ${entries.ms.toFixed(0)} peak heap MB ${entries.heapMB!.toFixed(1)}`,
    `| sweep ${expired} ms ${sweep.ms.toFixed(0)} | clear ms ${clear.ms.toFixed(0)}`,
  );
  return cell;
}

export async function runGrowthSection(cfg: Config, impls: { ours: Impl; theirs: Impl }, url: string, dbName: string): Promise<GrowthCell[]> {
  const name = 'growth';
  const opts = { autoRemove: 'disabled' };
  const s = {} as Record<'ours' | 'theirs', Side>;
  for (const key of ['ours', 'theirs'] as const) s[key] = { bs: makeStore(impls[key], 'plain', await newClient(url), dbName, name, opts), pool: [] };
  const coll = s.ours.bs.client.db(dbName).collection<Doc>(name);
  const scratch = s.ours.bs.client.db(dbName).collection<Doc>(`${name}_scratch`);
  // The sessions get and set work on: real sessions (with their Cookie), written by the store itself.
  const pool = Array.from({ length: Math.min(cfg.pool, cfg.growthSizes[0]) }, (_, i) => ({ sid: newSid(), session: makeSession(i) }));
  for (const p of pool) await s.ours.bs.set(p.sid, p.session);
  s.ours.pool = s.theirs.pool = pool;
  const cells: GrowthCell[] = [];
  let have = pool.length;
  for (const [i, n] of cfg.growthSizes.entries()) {
    const t0 = performance.now();
    await fill(coll, have, n, new Date(Date.now() + DAY), 'g');
    have = n;
    log(`growth: ${n} sessions stored (${((performance.now() - t0) / 1000).toFixed(1)} s to insert)`);
    // Inserting leaves garbage in both processes: collected (here) and given time to settle (the server)
    // before get and set are timed, so that neither store pays for the set-up.
    gc();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    cells.push(await measureSize(cfg, s, coll, n, i === cfg.growthSizes.length - 1, scratch));
  }
  await coll.drop().catch(() => {});
  await scratch.drop().catch(() => {});
  await s.ours.bs.store.close();
  await s.theirs.bs.store.close();
  return cells;
}
