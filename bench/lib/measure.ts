// Measuring one round: wall time and this process's CPU (user + system) around a batch of operations.
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';

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

/** Busy and total jiffies of the whole machine (Linux /proc/stat), or undefined elsewhere. */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
    const busy = user + nice + system + irq + softirq + (steal ?? 0);
    return { busy, total: busy + idle + iowait };
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The quiet gate: the machine is shared, so before each A/B pair wait (a little) until the rest of the
 * machine uses less than QUIET_BUSY of its CPUs. Bounded per pair and per run; what it did is reported.
 */
export const gate = { budgetMs: 60_000, waitedMs: 0, pairs: 0, pairsStartedBusy: 0 };
const QUIET_BUSY = 0.3;
const PAIR_MAX_WAIT_MS = 2_000;

async function quietGate(): Promise<void> {
  gate.pairs++;
  const t0 = performance.now();
  for (;;) {
    const a = machineCpu();
    if (!a) return;
    await sleep(100);
    const b = machineCpu()!;
    const busy = (b.busy - a.busy) / Math.max(1, b.total - a.total);
    const waited = performance.now() - t0;
    if (busy < QUIET_BUSY) break;
    if (waited > PAIR_MAX_WAIT_MS || gate.waitedMs + waited > gate.budgetMs) {
      gate.pairsStartedBusy++;
      break;
    }
  }
  gate.waitedMs += performance.now() - t0;
}

/**
 * A/B rounds, alternating which store goes first so neither always runs on a warmer machine; each
 * pair starts through the quiet gate.
 */
export async function interleave<T>(
  rounds: number,
  run: (side: 'ours' | 'theirs', round: number) => Promise<T>,
): Promise<{ ours: T[]; theirs: T[] }> {
  const out = { ours: [] as T[], theirs: [] as T[] };
  for (let r = 0; r < rounds; r++) {
    await quietGate();
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
