// What encryption costs on our own store: ours encrypted against ours plain. Per-op client CPU at
// concurrency 1 (one round trip each: nothing shared, nothing hidden by batching), the two stores taking
// turns op by op; what the adapter's own calls cost warm and right after a wake; and the event-loop delay
// with 200 concurrent visitors (each a get then a set).
import type { Config } from '../lib/config';
import { log } from '../lib/measure';
import { makeStore, newClient, type Impl, type Mode } from '../lib/stores';
import { median, spread, type Spread } from '../lib/stats';
import { eventLoopPair, type ElRound } from './eventloop';
import { alternatingCell } from './alternating';
import { makePool, type OpsCell, type Side } from './ops';
import { runWakeSection, type WakeCell } from './wake';

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
  /** The same calls warm and right after a 2 ms sleep (see wake.ts). */
  wake?: WakeCell[];
}

const ENCRYPTED: Mode[] = ['webcrypto', 'kruptein'];

export async function runOverheadSection(cfg: Config, impls: { ours: Impl }, url: string, dbName: string, modes: Mode[]): Promise<OverheadResults> {
  const out: OverheadResults = { ops: [], eventLoop: [], wake: await runWakeSection(modes, cfg.quick) };
  for (const w of out.wake!) log(`overhead wake ${w.what}: warm ${w.warmUs.toFixed(1)} µs, after a 2 ms sleep ${w.afterWakeUs.toFixed(1)} µs`);
  for (const mode of ENCRYPTED.filter((m) => modes.includes(m))) {
    const sides: Record<'ours' | 'theirs', Side> = {
      ours: { ...(await makePool(makeStore(impls.ours, mode, await newClient(url), dbName, `ovh_${mode}_enc`), cfg.pool)), label: `ours ${mode}` },
      theirs: { ...(await makePool(makeStore(impls.ours, 'plain', await newClient(url), dbName, `ovh_${mode}_plain`), cfg.pool)), label: 'ours plain' },
    };
    for (const op of ['get-hit', 'set-update'] as const) {
      const cell = await alternatingCell(sides, mode, op, cfg.overheadRounds, cfg.overheadOpsPerRound);
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
  const res = await eventLoopPair(cfg, { ours: { impl: ours, mode }, theirs: { impl: ours, mode: 'plain' } }, url, dbName, `ovh_el_${mode}`);
  const cell: OverheadElCell = { mode, concurrency: cfg.elConcurrency, encrypted: res.ours, plain: res.theirs, p99Ratio: res.p99Ratio };
  const m = (rs: ElRound[], k: keyof ElRound) => median(rs.map((r) => r[k])).toFixed(k === 'pairsPerSec' ? 0 : 1);
  log(
    `overhead event loop ${mode.padEnd(9)} p99 ms encrypted ${m(res.ours, 'p99Ms')} plain ${m(res.theirs, 'p99Ms')}`,
    `ratio ${cell.p99Ratio.median.toFixed(2)} | pairs/s ${m(res.ours, 'pairsPerSec')} / ${m(res.theirs, 'pairsPerSec')}`,
  );
  return cell;
}
