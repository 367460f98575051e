// all() over N stored sessions: each store reads back the sessions it wrote itself. One extra,
// informational figure: ours reading the sessions connect-mongo wrote (the upgrade case).
import type { Config } from '../lib/config';
import { interleave, log, runOps } from '../lib/measure';
import { makeSession, newSid } from '../lib/session-data';
import { makeStore, newClient, type BenchStore, type Impl, type Mode } from '../lib/stores';
import { median, spread, type Spread } from '../lib/stats';
import { performance } from 'node:perf_hooks';

export interface AllRound {
  ms: number;
  cpuMs: number;
  count: number;
}

export interface AllCell {
  mode: Mode;
  sessions: number;
  ours: AllRound[];
  theirs: AllRound[];
  msRatio: Spread;
  oursOnTheirsData?: AllRound;
}

async function timeAll(bs: BenchStore): Promise<AllRound> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const list = await bs.all();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpuMs: (c.user + c.system) / 1000, count: list.length };
}

export async function runAllSection(
  cfg: Config,
  impls: { ours: Impl; theirs: Impl },
  url: string,
  dbName: string,
  modes: Mode[],
): Promise<AllCell[]> {
  const cells: AllCell[] = [];
  for (const mode of modes) {
    const s = {} as Record<'ours' | 'theirs', BenchStore>;
    for (const key of ['ours', 'theirs'] as const) {
      const client = await newClient(url);
      s[key] = makeStore(impls[key], mode, client, dbName, `all_${mode}_${key}`);
      const t0 = performance.now();
      await runOps(cfg.allN, 16, (i) => s[key].set(newSid(), makeSession(i)));
      log(`all ${mode}: ${key} wrote ${cfg.allN} sessions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    // connect-mongo's kruptein all() takes ~20 s (a key derivation per session): fewer rounds there.
    const res = await interleave(mode === 'kruptein' ? Math.min(cfg.allRounds, 3) : cfg.allRounds, (key) => timeAll(s[key]));
    for (const r of [...res.ours, ...res.theirs]) {
      if (r.count !== cfg.allN) throw new Error(`all() ${mode} returned ${r.count} sessions, expected ${cfg.allN}`);
    }
    const cell: AllCell = {
      mode,
      sessions: cfg.allN,
      ours: res.ours,
      theirs: res.theirs,
      msRatio: spread(res.ours.map((r, i) => r.ms / res.theirs[i].ms)),
    };
    if (mode !== 'plain') {
      // Same store options, pointed at connect-mongo's collection.
      const reader = makeStore(impls.ours, mode, s.ours.client, dbName, s.theirs.collectionName);
      try {
        cell.oursOnTheirsData = await timeAll(reader);
      } catch (err) {
        log(`all ${mode}: ours could not read connect-mongo's sessions: ${err}`);
      }
    }
    cells.push(cell);
    log(
      `all ${mode.padEnd(9)} ${cfg.allN} sessions: ms ours ${median(res.ours.map((r) => r.ms)).toFixed(0)} theirs ${median(res.theirs.map((r) => r.ms)).toFixed(0)}`,
      `ratio ${cell.msRatio.median.toFixed(4)}`,
      cell.oursOnTheirsData ? `| ours on connect-mongo-written data ${cell.oursOnTheirsData.ms.toFixed(0)} ms` : '',
    );
    for (const key of ['ours', 'theirs'] as const) {
      await s[key].client.db(dbName).collection(s[key].collectionName).drop().catch(() => {});
    }
    await s.ours.store.close();
    await s.theirs.store.close();
  }
  return cells;
}
