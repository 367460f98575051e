// Measuring one round: wall time and this process's CPU (user + system) around a batch of operations.
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';

export interface RoundResult {
  ops: number;
  wallMs: number;
  cpuUs: number; // total client CPU of the round
  userUs: number; // of which user space (the rest is the kernel's: sockets, scheduling)
}

// No forced gc() between rounds: tried, it more than doubled the CPU per op of the round that followed
// (both stores), which squeezed every ratio toward 1.

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
  return { ops: n, wallMs, cpuUs: c.user + c.system, userUs: c.user };
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

/** CPU jiffies (1/100 s) a process has used, from /proc/PID/stat. */
function procJiffies(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime
  } catch {
    return 0;
  }
}

/**
 * The contamination check. The machine is shared, so for each A/B pair we compare the whole machine's
 * busy time (/proc/stat) with what this run's own processes used (this process, the test server, the
 * Express apps: `gate.pids`); if the rest of the machine used more than OTHERS_MAX of a core during the
 * pair, the pair is measured again (up to MAX_REDO times, within a time budget). What it did is reported.
 */
export const gate = { budgetMs: 90_000, redoneMs: 0, pairs: 0, redone: 0, keptBusy: 0, pids: [] as number[], enabled: true };
const OTHERS_MAX = 0.25;
const MAX_REDO = 3;

function snapshot() {
  const m = machineCpu();
  const own = process.cpuUsage();
  return {
    m,
    t: performance.now(),
    ownJ: (own.user + own.system) / 10_000, // µs -> jiffies
    kidsJ: gate.pids.reduce((a, pid) => a + procJiffies(pid), 0),
  };
}

/** Fraction of one core that processes outside this run used between two snapshots. */
function othersBusy(a: ReturnType<typeof snapshot>, b: ReturnType<typeof snapshot>): number {
  if (!a.m || !b.m) return 0;
  const machine = b.m.busy - a.m.busy;
  const ours = b.ownJ - a.ownJ + (b.kidsJ - a.kidsJ);
  const seconds = (b.t - a.t) / 1000;
  return Math.max(0, machine - ours) / 100 / Math.max(seconds, 0.01);
}

/**
 * A/B rounds, alternating which store goes first so neither always runs on a warmer machine; a pair
 * during which other processes were busy is measured again.
 */
export async function interleave<T>(
  rounds: number,
  run: (side: 'ours' | 'theirs', round: number) => Promise<T>,
): Promise<{ ours: T[]; theirs: T[] }> {
  const out = { ours: [] as T[], theirs: [] as T[] };
  for (let r = 0; r < rounds; r++) {
    const order: ('ours' | 'theirs')[] = r % 2 === 0 ? ['ours', 'theirs'] : ['theirs', 'ours'];
    gate.pairs++;
    for (let attempt = 0; ; attempt++) {
      const a = snapshot();
      const pair = {} as Record<'ours' | 'theirs', T>;
      for (const side of order) pair[side] = await run(side, r);
      const b = snapshot();
      const busy = othersBusy(a, b);
      if (!gate.enabled || busy <= OTHERS_MAX || attempt >= MAX_REDO || gate.redoneMs + (b.t - a.t) > gate.budgetMs) {
        if (gate.enabled && busy > OTHERS_MAX) gate.keptBusy++;
        out.ours.push(pair.ours);
        out.theirs.push(pair.theirs);
        break;
      }
      gate.redone++;
      gate.redoneMs += b.t - a.t;
    }
  }
  return out;
}

export function log(...args: unknown[]): void {
  process.stderr.write(args.join(' ') + '\n');
}
