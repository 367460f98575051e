// Measuring one round: wall time and this process's CPU (user + system) around a batch of operations.
import { performance } from 'node:perf_hooks';

export interface RoundResult {
  ops: number;
  wallMs: number;
  cpuUs: number; // total client CPU of the round
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Collect garbage before a round so one store does not pay for the other's garbage. */
export function settle(): void {
  gc?.();
}

export async function runOps(n: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<RoundResult> {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await op(i);
    }
  };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ops: n, wallMs, cpuUs: c.user + c.system };
}

/** A/B rounds, alternating which store goes first so neither always runs on a warmer machine. */
export async function interleave<T>(
  rounds: number,
  run: (side: 'ours' | 'theirs', round: number) => Promise<T>,
): Promise<{ ours: T[]; theirs: T[] }> {
  const out = { ours: [] as T[], theirs: [] as T[] };
  for (let r = 0; r < rounds; r++) {
    const order: ('ours' | 'theirs')[] = r % 2 === 0 ? ['ours', 'theirs'] : ['theirs', 'ours'];
    for (const side of order) {
      settle();
      out[side].push(await run(side, r));
    }
  }
  return out;
}

export function log(...args: unknown[]): void {
  process.stderr.write(args.join(' ') + '\n');
}
