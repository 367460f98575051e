// Turns the run's results into bench/results/*.json and a Markdown report with the targets of issue 6.
import type { OpsCell } from '../sections/ops';
import type { ElCell } from '../sections/eventloop';
import type { CommandsCell } from '../sections/commands';
import type { E2eCell } from '../sections/express';
import type { AllCell } from '../sections/all';
import type { OverheadResults } from '../sections/overhead';
import type { GrowthCell } from '../sections/growth';
import type { SizeResults } from '../sections/size';
import type { WakeCell } from '../sections/wake';
import { median, type Spread } from './stats';

export interface Results {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form run description, read back by the report only
  meta: Record<string, any>;
  ops?: OpsCell[];
  floor?: OpsCell[]; // ours (plain) vs the bare driver calls
  eventLoop?: ElCell[];
  commands?: CommandsCell[];
  express?: E2eCell[];
  all?: AllCell[];
  overhead?: OverheadResults; // ours encrypted vs ours plain
  growth?: GrowthCell[];
  size?: SizeResults;
  targets?: Target[];
}

export interface Target {
  target: string;
  figure: string;
  holds: boolean | null; // null: not measured in this run
}

/** Identical code measured against itself moves ±10–15 % per figure on these machines. */
export const NOISE = 0.15;

/** What encryption may add to a get or a set at concurrency 1, over our own plain store. */
const OVERHEAD_US = 25;

const f = (x: number, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const fr = (x: number) => {
  if (!Number.isFinite(x)) return 'n/a';
  if (x >= 0.1) return x.toFixed(2);
  if (x >= 0.01) return x.toFixed(3);
  return x.toPrecision(2);
};
const sp = (s: Spread) => `${fr(s.median)} (${fr(s.min)}–${fr(s.max)})`;
const med = (xs: number[]) => median(xs);
const plainNum = (x: number) => (x >= 100 ? f(x) : x >= 10 ? f(x, 1) : f(x, 2));

function worst(cells: { s: Spread; name: string }[], dir: 'max' | 'min') {
  return cells.reduce((a, b) => (dir === 'max' ? (b.s.median > a.s.median ? b : a) : b.s.median < a.s.median ? b : a));
}

export function evaluateTargets(r: Results): Target[] {
  const t: Target[] = [];
  const crypt = ['get-hit', 'set-new', 'set-update'];
  if (r.ops) {
    const cellsOf = (mode: string, ops?: string[]) => r.ops!.filter((c) => c.mode === mode && (!ops || ops.includes(c.op)));
    const kr = cellsOf('kruptein', crypt).map((c) => ({ s: c.cpuRatio, name: `${c.op} c=${c.concurrency}` }));
    if (kr.length) {
      const w = worst(kr, 'max');
      t.push({ target: 'kruptein: get/set client CPU ≥ 50× less (ratio ≤ 0.02)', figure: `worst ${w.name}: ${fr(w.s.median)} (${fr(1 / w.s.median)}× less)`, holds: w.s.median <= 0.02 });
    }
    const wc = cellsOf('webcrypto', crypt).map((c) => ({ s: c.cpuRatio, name: `${c.op} c=${c.concurrency}` }));
    if (wc.length) {
      const w = worst(wc, 'max');
      t.push({ target: 'WebCrypto: get/set client CPU ≤ 0.75× connect-mongo', figure: `worst ${w.name}: ${fr(w.s.median)}`, holds: w.s.median <= 0.75 });
    }
    const pc = cellsOf('plain').map((c) => ({ s: c.cpuRatio, name: `${c.op} c=${c.concurrency}` }));
    const po = cellsOf('plain').map((c) => ({ s: c.opsRatio, name: `${c.op} c=${c.concurrency}` }));
    if (pc.length) {
      const w = worst(pc, 'max');
      t.push({ target: `plain: client CPU/op no worse than connect-mongo beyond noise (ratio ≤ ${1 + NOISE})`, figure: `worst ${w.name}: ${fr(w.s.median)}`, holds: w.s.median <= 1 + NOISE });
      const w2 = worst(po, 'min');
      t.push({ target: `plain: ops/s no worse than connect-mongo beyond noise (ratio ≥ ${fr(1 / (1 + NOISE))})`, figure: `worst ${w2.name}: ${fr(w2.s.median)}`, holds: w2.s.median >= 1 / (1 + NOISE) });
    }
  }
  if (r.overhead) {
    for (const c of r.overhead.ops) {
      t.push({
        target: `${c.mode}: ${c.op} c=1 client CPU ≤ ours plain + ${OVERHEAD_US} µs`,
        figure: `+${fr(c.extraUs.median)} µs (${fr(c.extraUs.min)}…${fr(c.extraUs.max)}); ${plainNum(med(c.cell.ours.cpuUsPerOp))} vs ${plainNum(med(c.cell.theirs.cpuUsPerOp))}; user-space CPU only +${fr(c.extraUserUs.median)} µs`,
        holds: c.extraUs.median <= OVERHEAD_US,
      });
    }
    for (const c of r.overhead.eventLoop) {
      t.push({
        target: `${c.mode}: event-loop p99 ≤ 1.5× ours plain (${c.concurrency} concurrent get+set)`,
        figure: `${f(med(c.encrypted.map((x) => x.p99Ms)), 1)} vs ${f(med(c.plain.map((x) => x.p99Ms)), 1)} ms: ratio ${sp(c.p99Ratio)}`,
        holds: c.p99Ratio.median <= 1.5,
      });
    }
  }
  if (r.eventLoop) {
    const k = r.eventLoop.find((c) => c.mode === 'kruptein');
    if (k) {
      const p = med(k.ours.map((x) => x.p99Ms));
      t.push({ target: `kruptein: event-loop delay p99 < 30 ms (${k.concurrency} concurrent get+set)`, figure: `${f(p, 1)} ms (connect-mongo ${f(med(k.theirs.map((x) => x.p99Ms)))} ms)`, holds: p < 30 });
    }
    const p = r.eventLoop.find((c) => c.mode === 'plain');
    if (p) t.push({ target: 'plain: event-loop p99 no worse beyond noise', figure: `ratio ${sp(p.p99Ratio)}`, holds: p.p99Ratio.median <= 1 + NOISE });
  }
  if (r.all) {
    const k = r.all.find((c) => c.mode === 'kruptein');
    if (k) t.push({ target: `kruptein: all() over ${k.sessions} sessions ≥ 50× faster (ratio ≤ 0.02)`, figure: `ratio ${fr(k.msRatio.median)} (${fr(1 / k.msRatio.median)}× faster)`, holds: k.msRatio.median <= 0.02 });
    const p = r.all.find((c) => c.mode === 'plain');
    if (p) t.push({ target: 'plain: all() wall time ≤ 1.0× connect-mongo', figure: `ratio ${sp(p.msRatio)}`, holds: p.msRatio.median <= 1 });
  }
  if (r.commands) {
    const bad = r.commands.filter((c) => c.ours.perRequest > c.theirs.perRequest);
    t.push({
      target: 'commands per request never more than connect-mongo, any scenario',
      figure: bad.length ? bad.map((c) => `${c.mode} ${c.scenario}: ${c.ours.perRequest} vs ${c.theirs.perRequest}`).join('; ') : `all ${r.commands.length} scenario×mode pairs ≤`,
      holds: bad.length === 0,
    });
  }
  if (r.express) {
    for (const [mode, need] of [['plain', 1.0], ['webcrypto', 1.2]] as const) {
      const c = r.express.find((x) => x.mode === mode);
      if (c) t.push({ target: `Express ${mode}: req/s ≥ ${need.toFixed(1)}× connect-mongo`, figure: `ratio ${sp(c.reqRatio)}`, holds: c.reqRatio.median >= need });
    }
  }
  return t;
}

export function markdown(r: Results): string {
  const m = r.meta;
  const L: string[] = [];
  L.push(`# Benchmark: ${m.oursLabel} vs ${m.theirsLabel}`, '');
  L.push(`Run ${m.date}${m.quick ? ' — **quick mode** (small rounds: indicative only)' : ''}, ${f(m.durationSec)} s.`, '');
  L.push(`- Machine: ${m.machine.cpu}, ${m.machine.cores} cores, ${m.machine.memGB} GB RAM, ${m.machine.os}; Node ${m.node}`);
  L.push(`- Load average before / after: ${m.loadStart} / ${m.loadEnd}`);
  if (m.contamination) {
    const g = m.contamination;
    L.push(
      g.enabled
        ? `- Shared machine: ${g.pairs} A/B pairs; ${g.redone} measured again because other processes used > 25 % of a core meanwhile (${g.redoneSec} s); ${g.keptBusy} kept busy after 3 retries or the time budget`
        : '- Contamination check off (external MONGO_URL: its CPU cannot be told apart from other processes)',
    );
  }
  L.push(`- Server: ${m.server}; driver mongodb ${m.versions.mongodb}, express ${m.versions.express}, express-session ${m.versions['express-session']}`);
  L.push(`- Ours: ${m.oursSource} (commit ${m.commit}); theirs: ${m.theirsSource} (connect-mongo ${m.versions['connect-mongo']} installed)`);
  L.push(`- Ratios are ours / connect-mongo, per interleaved round: median (min–max). Identical code varies ±10–15 % run to run.`, '');
  if (r.targets?.length) {
    L.push('## Targets', '', '| Target | Figure | Holds |', '|---|---|---|');
    for (const t of r.targets) L.push(`| ${t.target} | ${t.figure} | ${t.holds === null ? '—' : t.holds ? 'yes' : '**no**'} |`);
    L.push('');
  }
  if (r.ops?.length) {
    L.push('## Store operations: client CPU per op and throughput', '');
    L.push(`Client CPU = process.cpuUsage() (user+system) of the benchmark process over a round ÷ ops; the server runs in another process.`, '');
    L.push('| Mode | Op | Conc | CPU µs/op ours | theirs | CPU ratio | ops/s ours | theirs | ops/s ratio |', '|---|---|--:|--:|--:|--:|--:|--:|--:|');
    for (const c of r.ops) {
      L.push(
        `| ${c.mode} | ${c.op} | ${c.concurrency} | ${plainNum(med(c.ours.cpuUsPerOp))} | ${plainNum(med(c.theirs.cpuUsPerOp))} | ${sp(c.cpuRatio)} | ${f(med(c.ours.opsPerSec))} | ${f(med(c.theirs.opsPerSec))} | ${sp(c.opsRatio)} |`,
      );
    }
    L.push('');
  }
  if (r.floor?.length) {
    L.push('## Driver floor: our plain store vs the bare driver calls it makes', '');
    L.push('`findOne({_id})` + `JSON.parse`, `updateOne` upsert of `{session, expires}`: no expiry filter, no checks, no events. What a store can still save is the gap.', '');
    const kr = (op: string, c: number) => r.ops?.find((x) => x.mode === 'kruptein' && x.op === op && x.concurrency === c);
    L.push('| Op | Conc | CPU µs/op ours | bare driver | ratio | connect-mongo kruptein ÷ 50 |', '|---|--:|--:|--:|--:|--:|');
    for (const c of r.floor) {
      const k = kr(c.op, c.concurrency);
      L.push(`| ${c.op} | ${c.concurrency} | ${plainNum(med(c.ours.cpuUsPerOp))} | ${plainNum(med(c.theirs.cpuUsPerOp))} | ${sp(c.cpuRatio)} | ${k ? plainNum(med(k.theirs.cpuUsPerOp) / 50) : '—'} |`);
    }
    L.push('');
  }
  if (r.overhead?.ops.length) {
    L.push('## Encryption overhead: ours encrypted vs ours plain (concurrency 1, taking turns op by op)', '');
    L.push('In each round the encrypted store and our plain store take turns one operation at a time, each operation timed alone; "extra" is the per-round difference of the two means in client CPU.', '');
    L.push('| Mode | Op | CPU µs/op encrypted | plain | extra µs (min…max) | extra, % of plain | user-space CPU µs/op encrypted | plain | extra µs (min…max) | ops/s encrypted | plain |', '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const o of r.overhead.ops) {
      const c = o.cell;
      const u = (side: 'ours' | 'theirs') => plainNum(med(c[side].userUsPerOp ?? []));
      const pct = f((100 * o.extraUs.median) / med(c.theirs.cpuUsPerOp));
      L.push(
        `| ${o.mode} | ${o.op} | ${plainNum(med(c.ours.cpuUsPerOp))} | ${plainNum(med(c.theirs.cpuUsPerOp))} | +${fr(o.extraUs.median)} (${fr(o.extraUs.min)}…${fr(o.extraUs.max)}) | ${pct} % | ${u('ours')} | ${u('theirs')} | +${fr(o.extraUserUs.median)} (${fr(o.extraUserUs.min)}…${fr(o.extraUserUs.max)}) | ${f(med(c.ours.opsPerSec))} | ${f(med(c.theirs.opsPerSec))} |`,
      );
    }
    L.push('');
    if (r.overhead.wake?.length) wakeMarkdown(r.overhead.wake, L);
    if (r.overhead.eventLoop.length) {
      L.push(`| Mode | event-loop p99 ms encrypted | plain | ratio | max ms encrypted | plain | get+set pairs/s encrypted | plain |`, '|---|--:|--:|--:|--:|--:|--:|--:|');
      for (const c of r.overhead.eventLoop) {
        const g = (rs: typeof c.plain, k: 'p99Ms' | 'maxMs' | 'pairsPerSec') => med(rs.map((x) => x[k]));
        L.push(`| ${c.mode} | ${f(g(c.encrypted, 'p99Ms'), 1)} | ${f(g(c.plain, 'p99Ms'), 1)} | ${sp(c.p99Ratio)} | ${f(g(c.encrypted, 'maxMs'), 1)} | ${f(g(c.plain, 'maxMs'), 1)} | ${f(g(c.encrypted, 'pairsPerSec'))} | ${f(g(c.plain, 'pairsPerSec'))} |`);
      }
      L.push('');
    }
  }
  if (r.eventLoop?.length) {
    const c0 = r.eventLoop[0];
    L.push(`## Event-loop delay, ${c0.concurrency} concurrent visitors doing get then set`, '');
    L.push('| Mode | p99 ms ours | theirs | max ms ours | theirs | get+set pairs/s ours | theirs |', '|---|--:|--:|--:|--:|--:|--:|');
    for (const c of r.eventLoop) {
      const g = (rs: typeof c.ours, k: 'p99Ms' | 'maxMs' | 'pairsPerSec') => med(rs.map((x) => x[k]));
      L.push(`| ${c.mode} | ${f(g(c.ours, 'p99Ms'), 1)} | ${f(g(c.theirs, 'p99Ms'), 1)} | ${f(g(c.ours, 'maxMs'), 1)} | ${f(g(c.theirs, 'maxMs'), 1)} | ${f(g(c.ours, 'pairsPerSec'))} | ${f(g(c.theirs, 'pairsPerSec'))} |`);
    }
    L.push('');
  }
  if (r.commands?.length) {
    L.push('## Database commands per HTTP request (express-session, resave/saveUninitialized false)', '');
    L.push('| Mode | Scenario | ours | theirs | ours: commands |', '|---|---|--:|--:|---|');
    for (const c of r.commands) L.push(`| ${c.mode} | ${c.label} | ${c.ours.perRequest} | ${c.theirs.perRequest} | ${c.ours.commands.join(', ') || '—'} |`);
    L.push('');
  }
  if (r.express?.length) {
    const c0 = r.express[0];
    L.push(`## Express end to end (autocannon, ${c0.connections} connections, ${c0.durationSec} s rounds, one returning visitor per connection, each with its own session: get + set per request)`, '');
    L.push('| Mode | req/s ours | theirs | req/s ratio | p99 ms ours | theirs | app CPU µs/req ours | theirs | CPU ratio |', '|---|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const c of r.express) {
      const g = (rs: typeof c.ours, k: 'reqPerSec' | 'p99Ms' | 'cpuUsPerReq') => med(rs.map((x) => x[k]));
      L.push(`| ${c.mode} | ${f(g(c.ours, 'reqPerSec'))} | ${f(g(c.theirs, 'reqPerSec'))} | ${sp(c.reqRatio)} | ${f(g(c.ours, 'p99Ms'))} | ${f(g(c.theirs, 'p99Ms'))} | ${f(g(c.ours, 'cpuUsPerReq'))} | ${f(g(c.theirs, 'cpuUsPerReq'))} | ${sp(c.cpuRatio)} |`);
    }
    L.push('');
  }
  if (r.all?.length) {
    L.push(`## all() over ${r.all[0].sessions} sessions${m.quick ? ' (quick mode: 200 instead of 2,000)' : ''}`, '');
    L.push('| Mode | ms ours | theirs | ratio | CPU ms ours | theirs | ours on connect-mongo-written data, ms |', '|---|--:|--:|--:|--:|--:|--:|');
    for (const c of r.all) {
      const g = (rs: typeof c.ours, k: 'ms' | 'cpuMs') => med(rs.map((x) => x[k]));
      L.push(`| ${c.mode} | ${f(g(c.ours, 'ms'))} | ${f(g(c.theirs, 'ms'))} | ${sp(c.msRatio)} | ${f(g(c.ours, 'cpuMs'))} | ${f(g(c.theirs, 'cpuMs'))} | ${c.oursOnTheirsData ? f(c.oursOnTheirsData.ms) : '—'} |`);
    }
    L.push('');
  }
  if (r.growth?.length) growthMarkdown(r.growth, L);
  if (r.size) sizeMarkdown(r.size, L);
  return L.join('\n');
}

function wakeMarkdown(cells: WakeCell[], L: string[]): void {
  L.push('What the same calls cost warm (a tight loop) and right after the process wakes from a 2 ms sleep, as each operation does at concurrency 1 (median of single calls):', '');
  L.push('| Call | warm µs | after a 2 ms sleep µs | × |', '|---|--:|--:|--:|');
  for (const w of cells) L.push(`| ${w.what} | ${f(w.warmUs, 1)} | ${f(w.afterWakeUs, 1)} | ${f(w.afterWakeUs / w.warmUs, 1)} |`);
  L.push('');
}

/** The short version for the project README: key figures and targets, pointing at the full report. */
export function readmeBlock(r: Results): string {
  const m = r.meta;
  const L: string[] = [];
  const opCell = (mode: string, op: string, c: number) => r.ops?.find((x) => x.mode === mode && x.op === op && x.concurrency === c);
  L.push(`Latest run: ${m.date.slice(0, 10)}, ${m.machine.cpu} (${m.machine.cores} cores), Node ${m.node}, driver ${m.versions.mongodb}, ${m.server.startsWith('project') ? 'the project test server in its own process' : m.server}${m.quick ? ', quick mode' : ''}. Ratio = ours ÷ connect-mongo 6.0.0, median of interleaved rounds (min–max); ±15 % is noise.`, '');
  L.push('| Figure | ours | connect-mongo 6.0.0 | ratio |', '|---|--:|--:|--:|');
  for (const [mode, label] of [['plain', 'plain'], ['webcrypto', 'WebCrypto'], ['kruptein', 'legacy kruptein']] as const) {
    for (const [op, opLabel] of [['get-hit', 'get'], ['set-update', 'set (update)']] as const) {
      const c = opCell(mode, op, 64);
      if (c) L.push(`| ${label}: client CPU per ${opLabel}, µs (64 concurrent) | ${plainNum(med(c.ours.cpuUsPerOp))} | ${plainNum(med(c.theirs.cpuUsPerOp))} | ${sp(c.cpuRatio)} |`);
    }
  }
  for (const c of r.eventLoop ?? []) {
    if (c.mode === 'plain') continue;
    L.push(`| ${c.mode}: event-loop delay p99, ms (${c.concurrency} concurrent get+set) | ${f(med(c.ours.map((x) => x.p99Ms)), 1)} | ${f(med(c.theirs.map((x) => x.p99Ms)), 1)} | ${sp(c.p99Ratio)} |`);
  }
  for (const c of r.express ?? []) {
    L.push(`| ${c.mode}: Express req/s (${c.connections} connections) | ${f(med(c.ours.map((x) => x.reqPerSec)))} | ${f(med(c.theirs.map((x) => x.reqPerSec)))} | ${sp(c.reqRatio)} |`);
  }
  for (const c of r.all ?? []) {
    L.push(`| ${c.mode}: all() over ${c.sessions} sessions, ms | ${f(med(c.ours.map((x) => x.ms)))} | ${f(med(c.theirs.map((x) => x.ms)))} | ${sp(c.msRatio)} |`);
  }
  const ret = r.commands?.filter((c) => c.mode === 'plain') ?? [];
  if (ret.length) {
    L.push(`| commands per request: ${ret.map((c) => c.scenario).join(' / ')} | ${ret.map((c) => c.ours.perRequest).join(' / ')} | ${ret.map((c) => c.theirs.perRequest).join(' / ')} | |`);
  }
  L.push('');
  if (r.overhead?.ops.length) {
    L.push('What encryption adds to our own plain store (ours encrypted vs ours plain, taking turns op by op; per-round difference, median (min…max)):', '');
    L.push('| Mode | get, one at a time | set, one at a time | event-loop p99, 200 concurrent get+set |', '|---|--:|--:|--:|');
    for (const mode of ['webcrypto', 'kruptein']) {
      const o = (op: string) => r.overhead!.ops.find((x) => x.mode === mode && x.op === op);
      const e = r.overhead.eventLoop.find((x) => x.mode === mode);
      const extra = (c: OverheadResults['ops'][number] | undefined) =>
        c ? `+${fr(c.extraUs.median)} µs (${fr(c.extraUs.min)}…${fr(c.extraUs.max)}) over ${plainNum(med(c.cell.theirs.cpuUsPerOp))}; user-space only +${fr(c.extraUserUs.median)}` : '—';
      const el = e ? `${f(med(e.encrypted.map((x) => x.p99Ms)), 1)} vs ${f(med(e.plain.map((x) => x.p99Ms)), 1)} ms (${sp(e.p99Ratio)}×)` : '—';
      if (o('get-hit') || e) L.push(`| ${mode} | ${extra(o('get-hit'))} | ${extra(o('set-update'))} | ${el} |`);
    }
    L.push('');
    if (r.overhead.wake?.length) wakeMarkdown(r.overhead.wake, L);
  }
  if (r.growth?.length) {
    L.push('As the collection grows (plain; ours / connect-mongo; wall times against the test server):', '');
    L.push('| Sessions | get µs | set µs | length() ms | all() ms | all() heap MB | entries() peak heap MB | ids() ms | sweep of N/10 expired, ms | clear() ms |', '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
    for (const c of r.growth) {
      const pair = (a: number | undefined, b: number | undefined, fmt: (x: number) => string) => (a === undefined || b === undefined ? '—' : `${fmt(a)} / ${fmt(b)}`);
      L.push(
        `| ${sessionsLabel(c.sessions)} | ${pair(med(c.get.ours.cpuUsPerOp), med(c.get.theirs.cpuUsPerOp), plainNum)} | ${pair(med(c.set.ours.cpuUsPerOp), med(c.set.theirs.cpuUsPerOp), plainNum)} | ${pair(med(c.length.ours), med(c.length.theirs), ms)} | ${pair(c.all?.ours.ms, c.all?.theirs.ms, ms)} | ${pair(c.all?.ours.heapMB, c.all?.theirs.heapMB, mb)} | ${mb(c.entries.heapMB)} | ${ms(c.ids.ms)} | ${ms(c.sweep.ms)} | ${ms(c.clear.ms)} |`,
      );
    }
    L.push('');
  }
  const over = r.size?.limit.filter((p) => !p.ok) ?? [];
  if (over.length) {
    L.push(`Over MongoDB's 16 MiB document limit: ${over.map((p) => `${p.side === 'ours' ? 'ours' : 'connect-mongo'} (${(p.bytes / 2 ** 20).toFixed(1)} MiB of JSON) fails with \`${p.error}\`, commands sent: ${p.commands.join(', ') || 'none'}`).join('; ')}.`, '');
  }
  if (r.targets?.length) {
    L.push('| Target | Holds |', '|---|---|');
    for (const t of r.targets) L.push(`| ${t.target}: ${t.figure} | ${t.holds === null ? '—' : t.holds ? 'yes' : '**no**'} |`);
    L.push('');
  }
  return L.join('\n');
}

const ms = (x: number) => (x >= 100 ? f(x) : x >= 10 ? f(x, 1) : f(x, 2));
const mb = (x: number | undefined) => (x === undefined ? '—' : x >= 10 ? f(x) : f(x, 1));
const sessionsLabel = (n: number) => n.toLocaleString('en-US');

function growthMarkdown(cells: GrowthCell[], L: string[]): void {
  L.push('## Growth: 1,000 to 100,000 stored sessions (plain, one shared collection, concurrency 1)', '');
  L.push('get and set are client CPU per op (interleaved rounds, ratio ours ÷ connect-mongo); the others are wall times of one call against the test server, which scans for every query but `_id` lookups. Heap: retained growth after a full gc, while all() / ids() results are held, and the peak during an entries() loop.', '');
  L.push('| Sessions | get µs ours | theirs | ratio | set µs ours | theirs | ratio | length() ms ours | theirs | all() ms ours | theirs | all() heap MB ours | theirs | ids() ms | ids() heap MB | entries() ms | entries() peak heap MB | sweep of N/10 expired, ms | clear() ms |');
  L.push('|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const c of cells) {
    const o = (x: OpsCell, side: 'ours' | 'theirs') => plainNum(med(x[side].cpuUsPerOp));
    L.push(
      `| ${sessionsLabel(c.sessions)} | ${o(c.get, 'ours')} | ${o(c.get, 'theirs')} | ${sp(c.get.cpuRatio)} | ${o(c.set, 'ours')} | ${o(c.set, 'theirs')} | ${sp(c.set.cpuRatio)} | ${ms(med(c.length.ours))} | ${ms(med(c.length.theirs))} | ${c.all ? ms(c.all.ours.ms) : '—'} | ${c.all ? ms(c.all.theirs.ms) : '—'} | ${mb(c.all?.ours.heapMB)} | ${mb(c.all?.theirs.heapMB)} | ${ms(c.ids.ms)} | ${mb(c.ids.heapMB)} | ${ms(c.entries.ms)} | ${mb(c.entries.heapMB)} | ${ms(c.sweep.ms)} | ${ms(c.clear.ms)} |`,
    );
  }
  L.push('', 'connect-mongo has no ids() or entries(); its length() counts expired documents not yet removed, ours counts what get() would return. clear() and the sweep are the same command in both stores (the sweep is unacknowledged there, acknowledged here to time it).', '');
}

function sizeMarkdown(r: SizeResults, L: string[]): void {
  L.push('## Session size (plain, concurrency 1)', '');
  L.push('| Session JSON | get µs ours | theirs | ratio | get ops/s ours | theirs | set µs ours | theirs | ratio | set ops/s ours | theirs |', '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  for (const c of r.cells) {
    const o = (x: OpsCell, side: 'ours' | 'theirs') => plainNum(med(x[side].cpuUsPerOp));
    const t = (x: OpsCell, side: 'ours' | 'theirs') => f(med(x[side].opsPerSec));
    L.push(`| ${c.bytes / 1024} KB | ${o(c.get, 'ours')} | ${o(c.get, 'theirs')} | ${sp(c.get.cpuRatio)} | ${t(c.get, 'ours')} | ${t(c.get, 'theirs')} | ${o(c.set, 'ours')} | ${o(c.set, 'theirs')} | ${sp(c.set.cpuRatio)} | ${t(c.set, 'ours')} | ${t(c.set, 'theirs')} |`);
  }
  L.push('', "MongoDB's 16 MiB document limit (set, then get):", '', '| Store | Session JSON | Outcome | Commands sent by set() | ms |', '|---|--:|---|--:|--:|');
  for (const p of r.limit) {
    L.push(`| ${p.side} | ${(p.bytes / 2 ** 20).toFixed(2)} MiB | ${p.ok ? 'stored, read back' : `\`${p.error}\``} | ${p.commands.join(', ') || 'none'} | ${f(p.ms)} |`);
  }
  L.push('');
}
