// What encryption costs on our own store: ours encrypted against ours plain, the same interleaved rounds.
// Per-op client CPU at concurrency 1 (one round trip each: nothing shared, nothing hidden by batching) and
// the event-loop delay with 200 concurrent visitors (each a get then a set).
import type { Config } from '../lib/config';
import { interleave, log, runOps } from '../lib/measure';
import { makeSession, newSid } from '../lib/session-data';
import { makeStore, newClient, type Impl, type Mode, type Sess } from '../lib/stores';
import { median, spread, type Spread } from '../lib/stats';
import { elRound, type ElRound } from './eventloop';
import { makePool, runCell, type OpsCell, type Side } from './ops';

export interface OverheadCell {
  mode: Mode; // the encrypted side; the other side is ours, plain
  op: 'get-hit' | 'set-update';
  /** `ours` = encrypted, `theirs` = plain, per round. */
  cell: OpsCell;
  /** encrypted − plain client CPU per op, µs, per round (pairs measured back to back). */
  extraUs: Spread;
  /** The same in user-space CPU only: without the kernel's socket work, the same for both and the noisiest part here. */
  extraUserUs: Spread;
}

export interface OverheadElCell {
  mode: Mode;
  concurrency: number;
  encrypted: ElRound[];
  plain: ElRound[];
  p99Ratio: Spread; // encrypted ÷ plain, per round
}

export interface OverheadResults {
  ops: OverheadCell[];
  eventLoop: OverheadElCell[];
}

const ENCRYPTED: Mode[] = ['webcrypto', 'kruptein'];

export async function runOverheadSection(cfg: Config, impls: { ours: Impl }, url: string, dbName: string, modes: Mode[]): Promise<OverheadResults> {
  const out: OverheadResults = { ops: [], eventLoop: [] };
  for (const mode of ENCRYPTED.filter((m) => modes.includes(m))) {
    const sides: Record<'ours' | 'theirs', Side> = {
      ours: { ...(await makePool(makeStore(impls.ours, mode, await newClient(url), dbName, `ovh_${mode}_enc`), cfg.pool)), label: `ours ${mode}` },
      theirs: { ...(await makePool(makeStore(impls.ours, 'plain', await newClient(url), dbName, `ovh_${mode}_plain`), cfg.pool)), label: 'ours plain' },
    };
    for (const op of ['get-hit', 'set-update'] as const) {
      const cell = await runCell(cfg, sides, mode, op, 1, cfg.overheadRounds);
      const diff = (a: number[], b: number[]) => spread(a.map((v, i) => v - b[i]));
      const extra = diff(cell.ours.cpuUsPerOp, cell.theirs.cpuUsPerOp);
      const extraUser = diff(cell.ours.userUsPerOp!, cell.theirs.userUsPerOp!);
      out.ops.push({ mode, op, cell, extraUs: extra, extraUserUs: extraUser });
      log(
        `overhead ${mode.padEnd(9)} ${op.padEnd(10)} c=1: encrypted − plain ${extra.median.toFixed(1)} µs/op (${extra.min.toFixed(1)}…${extra.max.toFixed(1)})`,
        `| user CPU only ${extraUser.median.toFixed(1)} (${extraUser.min.toFixed(1)}…${extraUser.max.toFixed(1)})`,
      );
    }
    for (const side of [sides.ours, sides.theirs]) {
      await side.bs.client.db(dbName).collection(side.bs.collectionName).drop().catch(() => {});
      await side.bs.store.close();
    }
    out.eventLoop.push(await eventLoopCell(cfg, impls.ours, url, dbName, mode));
  }
  return out;
}

async function eventLoopCell(cfg: Config, ours: Impl, url: string, dbName: string, mode: Mode): Promise<OverheadElCell> {
  const sides = {} as Record<'ours' | 'theirs', { bs: ReturnType<typeof makeStore>; pool: { sid: string; session: Sess }[] }>;
  for (const [key, m] of [['ours', mode], ['theirs', 'plain']] as const) {
    const bs = makeStore(ours, m, await newClient(url), dbName, `ovh_el_${mode}_${key}`);
    const pool = Array.from({ length: cfg.elConcurrency }, (_, i) => ({ sid: newSid(), session: makeSession(i) }));
    await runOps(pool.length, 16, (i) => bs.set(pool[i].sid, pool[i].session));
    sides[key] = { bs, pool };
  }
  const res = await interleave(cfg.elRounds, (key) => elRound(sides[key].bs, sides[key].pool, cfg.elMs, cfg.elConcurrency));
  const cell: OverheadElCell = {
    mode,
    concurrency: cfg.elConcurrency,
    encrypted: res.ours,
    plain: res.theirs,
    p99Ratio: spread(res.ours.map((r, i) => r.p99Ms / res.theirs[i].p99Ms)),
  };
  log(
    `overhead event loop ${mode.padEnd(9)} p99 ms encrypted ${median(res.ours.map((r) => r.p99Ms)).toFixed(1)} plain ${median(res.theirs.map((r) => r.p99Ms)).toFixed(1)}`,
    `ratio ${cell.p99Ratio.median.toFixed(2)} | pairs/s ${median(res.ours.map((r) => r.pairsPerSec)).toFixed(0)} / ${median(res.theirs.map((r) => r.pairsPerSec)).toFixed(0)}`,
  );
  for (const key of ['ours', 'theirs'] as const) {
    await sides[key].bs.client.db(dbName).collection(sides[key].bs.collectionName).drop().catch(() => {});
    await sides[key].bs.store.close();
  }
  return cell;
}
