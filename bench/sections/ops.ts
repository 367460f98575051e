// Client CPU per operation and throughput, for each store operation, mode and concurrency.
import type { Config } from '../lib/config';
import { interleave, log, runOps, type RoundResult } from '../lib/measure';
import { makeSession, newSid, touchUp } from '../lib/session-data';
import { driverFloor, makeStore, newClient, type BenchStore, type Impl, type Mode } from '../lib/stores';
import { median, spread, type Spread } from '../lib/stats';

export const OPS = ['get-hit', 'get-miss', 'set-new', 'set-update', 'touch', 'destroy'] as const;
export type Op = (typeof OPS)[number];
export const CONCURRENCIES = [1, 64];

export interface OpsCell {
  mode: Mode;
  op: Op;
  concurrency: number;
  ours: { opsPerRound: number; cpuUsPerOp: number[]; opsPerSec: number[]; userUsPerOp?: number[] };
  theirs: { opsPerRound: number; cpuUsPerOp: number[]; opsPerSec: number[]; userUsPerOp?: number[] };
  cpuRatio: Spread; // ours / theirs per round (lower is better)
  opsRatio: Spread; // ours / theirs per round (higher is better)
}

export interface Side {
  bs: BenchStore;
  pool: { sid: string; session: Record<string, unknown> }[];
  /** In the log line, instead of the store's label (ours against ours). */
  label?: string;
}

/** Prepares the inputs of one round outside the measured window; returns the op and a cleanup. */
export async function prepare(side: Side, op: Op, n: number) {
  const { bs, pool } = side;
  const coll = bs.client.db(bs.dbName).collection<{ _id: string; session: string; expires: Date }>(bs.collectionName);
  switch (op) {
    case 'get-hit':
      return { run: (i: number) => bs.get(pool[i % pool.length].sid), cleanup: async () => {} };
    case 'get-miss': {
      const sids = Array.from({ length: n }, newSid);
      return { run: (i: number) => bs.get(sids[i]), cleanup: async () => {} };
    }
    case 'set-new': {
      const sids = Array.from({ length: n }, newSid);
      const sessions = sids.map((_, i) => makeSession(i));
      return {
        run: (i: number) => bs.set(sids[i], sessions[i]),
        // Keep the collection the same size for every round and both stores.
        cleanup: async () => void (await coll.deleteMany({ _id: { $in: sids } })),
      };
    }
    case 'set-update': {
      const updated = Array.from({ length: n }, (_, i) => touchUp(pool[i % pool.length].session));
      return { run: (i: number) => bs.set(pool[i % pool.length].sid, updated[i]), cleanup: async () => {} };
    }
    case 'touch':
      return { run: (i: number) => bs.touch(pool[i % pool.length].sid, pool[i % pool.length].session), cleanup: async () => {} };
    case 'destroy': {
      const sids = Array.from({ length: n }, newSid);
      const expires = new Date(Date.now() + 86_400_000);
      // destroy never reads the document, so any document with the id will do.
      await coll.insertMany(sids.map((_id) => ({ _id, session: '{}', expires })));
      return { run: (i: number) => bs.destroy(sids[i]), cleanup: async () => {} };
    }
  }
}

async function round(side: Side, op: Op, n: number, concurrency: number): Promise<RoundResult> {
  const p = await prepare(side, op, n);
  const r = await runOps(n, concurrency, p.run);
  await p.cleanup();
  return r;
}

export async function runCell(
  cfg: Config,
  sides: Record<'ours' | 'theirs', Side>,
  mode: Mode,
  op: Op,
  concurrency: number,
  rounds = cfg.opsRounds,
): Promise<OpsCell> {
  // Calibration round (unrecorded, also the warm-up): size each store's rounds to ~opsTargetMs.
  const minOps = concurrency === 1 ? 20 : concurrency;
  const n: Record<string, number> = {};
  for (const key of ['ours', 'theirs'] as const) {
    const w = await round(sides[key], op, minOps, concurrency);
    const perOpMs = w.wallMs / w.ops;
    let k = Math.round(cfg.opsTargetMs / perOpMs);
    k = Math.max(minOps, Math.min(cfg.opsMaxOps, k));
    n[key] = Math.ceil(k / concurrency) * concurrency;
  }
  const res = await interleave(rounds, (key) => round(sides[key], op, n[key], concurrency));
  const cell = toCell(mode, op, concurrency, res, n);
  const oc = cell.ours.cpuUsPerOp, tc = cell.theirs.cpuUsPerOp, ot = cell.ours.opsPerSec, tt = cell.theirs.opsPerSec;
  log(
    `ops ${mode.padEnd(9)} ${op.padEnd(10)} c=${String(concurrency).padEnd(2)}`,
    `cpu µs/op ${sides.ours.label ?? sides.ours.bs.impl.label} ${median(oc).toFixed(0)} ${sides.theirs.label ?? sides.theirs.bs.impl.label} ${median(tc).toFixed(0)} ratio ${cell.cpuRatio.median.toFixed(3)}`,
    `| ops/s ${median(ot).toFixed(0)} / ${median(tt).toFixed(0)}`,
  );
  return cell;
}

/** Per-round figures of both stores, and their ratios round by round. */
export function toCell(
  mode: Mode,
  op: Op,
  concurrency: number,
  res: Record<'ours' | 'theirs', RoundResult[]>,
  n: Record<'ours' | 'theirs', number>,
): OpsCell {
  const per = (rs: RoundResult[], k: 'cpuUs' | 'userUs') => rs.map((r) => r[k] / r.ops);
  const tput = (rs: RoundResult[]) => rs.map((r) => (r.ops * 1000) / r.wallMs);
  const oc = per(res.ours, 'cpuUs'), tc = per(res.theirs, 'cpuUs'), ot = tput(res.ours), tt = tput(res.theirs);
  return {
    mode,
    op,
    concurrency,
    ours: { opsPerRound: n.ours, cpuUsPerOp: oc, opsPerSec: ot, userUsPerOp: per(res.ours, 'userUs') },
    theirs: { opsPerRound: n.theirs, cpuUsPerOp: tc, opsPerSec: tt, userUsPerOp: per(res.theirs, 'userUs') },
    cpuRatio: spread(oc.map((v, i) => v / tc[i])),
    opsRatio: spread(ot.map((v, i) => v / tt[i])),
  };
}

export async function makePool(bs: BenchStore, size: number): Promise<Side> {
  const pool = Array.from({ length: size }, (_, i) => ({ sid: newSid(), session: makeSession(i) }));
  await runOps(pool.length, 16, (i) => bs.set(pool[i].sid, pool[i].session));
  return { bs, pool };
}

/**
 * Context for the ratios: our plain store against the bare driver calls it makes (lib/stores.ts
 * driverFloor), same rounds. What is left above the floor is all a store can still save.
 */
export async function runFloorSection(cfg: Config, impls: { ours: Impl }, url: string, dbName: string): Promise<OpsCell[]> {
  const sides = {
    ours: await makePool(makeStore(impls.ours, 'plain', await newClient(url), dbName, 'floor_ours'), cfg.pool),
    theirs: await makePool(driverFloor(await newClient(url), dbName, 'floor_driver'), cfg.pool),
  };
  const cells: OpsCell[] = [];
  for (const op of ['get-hit', 'set-update'] as const) {
    for (const concurrency of CONCURRENCIES) cells.push(await runCell(cfg, sides, 'plain', op, concurrency));
  }
  for (const side of [sides.ours, sides.theirs]) {
    await side.bs.client.db(dbName).collection(side.bs.collectionName).drop().catch(() => {});
    await side.bs.store.close();
  }
  return cells;
}

export async function runOpsSection(
  cfg: Config,
  impls: { ours: Impl; theirs: Impl },
  url: string,
  dbName: string,
  modes: Mode[],
): Promise<OpsCell[]> {
  const cells: OpsCell[] = [];
  for (const mode of modes) {
    const sides = {} as Record<'ours' | 'theirs', Side>;
    for (const key of ['ours', 'theirs'] as const) {
      sides[key] = await makePool(makeStore(impls[key], mode, await newClient(url), dbName, `ops_${mode}_${key}`), cfg.pool);
    }
    for (const op of OPS) {
      for (const concurrency of CONCURRENCIES) cells.push(await runCell(cfg, sides, mode, op, concurrency));
    }
    for (const key of ['ours', 'theirs'] as const) {
      await sides[key].bs.client.db(dbName).collection(sides[key].bs.collectionName).drop().catch(() => {});
      await sides[key].bs.store.close();
    }
  }
  return cells;
}
