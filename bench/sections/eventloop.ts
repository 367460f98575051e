// Event-loop delay while 200 concurrent visitors each read and then write their session.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { Config } from '../lib/config';
import { interleave, log, runOps } from '../lib/measure';
import { makeSession, newSid, touchUp } from '../lib/session-data';
import { makeStore, newClient, type BenchStore, type Impl, type Mode, type Sess } from '../lib/stores';
import { median, spread, type Spread } from '../lib/stats';

export interface ElRound {
  p99Ms: number;
  maxMs: number;
  pairsPerSec: number; // completed get+set pairs per second
}

export interface ElCell {
  mode: Mode;
  concurrency: number;
  ours: ElRound[];
  theirs: ElRound[];
  p99Ratio: Spread;
}

export async function elRound(bs: BenchStore, pool: { sid: string; session: Sess }[], ms: number, conc: number): Promise<ElRound> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  let pairs = 0;
  const t0 = performance.now();
  const deadline = t0 + ms;
  h.enable();
  await Promise.all(
    Array.from({ length: conc }, async (_, w) => {
      // Each worker is one visitor: its own session, read then saved with a change, until time is up.
      const { sid, session } = pool[w % pool.length];
      while (performance.now() < deadline) {
        const s = (await bs.get(sid)) ?? session;
        await bs.set(sid, touchUp({ ...s, cookie: session.cookie }));
        pairs++;
      }
    }),
  );
  h.disable();
  const wall = performance.now() - t0;
  return { p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6, pairsPerSec: (pairs * 1000) / wall };
}

/** Two stores (an implementation and a mode each) under the same load, in interleaved rounds. */
export async function eventLoopPair(
  cfg: Config,
  stores: Record<'ours' | 'theirs', { impl: Impl; mode: Mode }>,
  url: string,
  dbName: string,
  prefix: string,
): Promise<{ ours: ElRound[]; theirs: ElRound[]; p99Ratio: Spread }> {
  const sides = {} as Record<'ours' | 'theirs', { bs: BenchStore; pool: { sid: string; session: Sess }[] }>;
  for (const key of ['ours', 'theirs'] as const) {
    const client = await newClient(url, { maxPoolSize: 100 });
    const bs = makeStore(stores[key].impl, stores[key].mode, client, dbName, `${prefix}_${key}`);
    const pool = Array.from({ length: cfg.elConcurrency }, (_, i) => ({ sid: newSid(), session: makeSession(i) }));
    await runOps(pool.length, 16, (i) => bs.set(pool[i].sid, pool[i].session));
    sides[key] = { bs, pool };
  }
  const res = await interleave(cfg.elRounds, (key) => elRound(sides[key].bs, sides[key].pool, cfg.elMs, cfg.elConcurrency));
  for (const key of ['ours', 'theirs'] as const) {
    await sides[key].bs.client.db(dbName).collection(sides[key].bs.collectionName).drop().catch(() => {});
    await sides[key].bs.store.close();
  }
  return { ...res, p99Ratio: spread(res.ours.map((r, i) => r.p99Ms / res.theirs[i].p99Ms)) };
}

export async function runEventLoopSection(
  cfg: Config,
  impls: { ours: Impl; theirs: Impl },
  url: string,
  dbName: string,
  modes: Mode[],
): Promise<ElCell[]> {
  const cells: ElCell[] = [];
  for (const mode of modes) {
    const res = await eventLoopPair(cfg, { ours: { impl: impls.ours, mode }, theirs: { impl: impls.theirs, mode } }, url, dbName, `el_${mode}`);
    cells.push({ mode, concurrency: cfg.elConcurrency, ...res });
    log(
      `event loop ${mode.padEnd(9)} p99 ms ours ${median(res.ours.map((r) => r.p99Ms)).toFixed(1)} theirs ${median(res.theirs.map((r) => r.p99Ms)).toFixed(1)}`,
      `| max ours ${median(res.ours.map((r) => r.maxMs)).toFixed(1)} theirs ${median(res.theirs.map((r) => r.maxMs)).toFixed(1)}`,
    );
  }
  return cells;
}
