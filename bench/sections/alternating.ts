// Op-by-op A/B at concurrency 1: the two stores take turns one operation at a time (AB, BA, AB…), each
// operation timed alone with process.cpuUsage(). On a shared VM the CPU one operation costs drifts by
// hundreds of µs between 200 ms rounds; taking turns per operation puts both stores in the same drift, so
// a difference of a few µs survives. A round is `n` operations per store; its figure is each store's mean.
import type { RoundResult } from '../lib/measure';
import { prepare, toCell, type Op, type OpsCell, type Side } from './ops';

type Timed = { cpu: number; user: number; wall: number };

async function timeOne(run: () => Promise<unknown>): Promise<Timed> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { cpu: c.user + c.system, user: c.user, wall };
}

/** One round: `n` operations per side, taking turns; per side, the sums as a RoundResult. */
export async function alternatingRound(sides: Record<'ours' | 'theirs', Side>, op: Op, n: number, round: number): Promise<Record<'ours' | 'theirs', RoundResult>> {
  const p = { ours: await prepare(sides.ours, op, n), theirs: await prepare(sides.theirs, op, n) };
  const sum = { ours: { ops: n, wallMs: 0, cpuUs: 0, userUs: 0 }, theirs: { ops: n, wallMs: 0, cpuUs: 0, userUs: 0 } };
  for (let i = 0; i < n; i++) {
    const order = (i + round) % 2 === 0 ? (['ours', 'theirs'] as const) : (['theirs', 'ours'] as const);
    for (const side of order) {
      const t = await timeOne(() => p[side].run(i));
      sum[side].cpuUs += t.cpu;
      sum[side].userUs += t.user;
      sum[side].wallMs += t.wall;
    }
  }
  await p.ours.cleanup();
  await p.theirs.cleanup();
  return sum;
}

/** `rounds` alternating rounds of `n` operations per store, as an OpsCell (ours ÷ theirs per round). */
export async function alternatingCell(
  sides: Record<'ours' | 'theirs', Side>,
  mode: OpsCell['mode'],
  op: Op,
  rounds: number,
  n: number,
): Promise<OpsCell> {
  await alternatingRound(sides, op, Math.min(n, 50), 0); // warm-up, unrecorded
  const res = { ours: [] as RoundResult[], theirs: [] as RoundResult[] };
  for (let r = 0; r < rounds; r++) {
    const pair = await alternatingRound(sides, op, n, r);
    res.ours.push(pair.ours);
    res.theirs.push(pair.theirs);
  }
  return toCell(mode, op, 1, res, { ours: n, theirs: n });
}
