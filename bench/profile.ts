// CPU profile of a hot loop of one store operation (the V8 profiler that `node --cpu-prof` uses, started
// through node:inspector so that start-up and data preparation stay out of it), then where the CPU went.
//   npm run bench:profile -- --side=ours --mode=kruptein --op=get-hit --concurrency=64 --seconds=5
//   (--op: get-hit, get-miss, set-new, set-update, touch, all; --side: ours, theirs, driver)
// The profile (bench/results/profiles/*.cpuprofile, not committed) opens in Chrome DevTools.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runOps } from './lib/measure';
import { makeSession, newSid, touchUp } from './lib/session-data';
import { ROOT, startServer } from './lib/server';
import { driverFloor, loadImpls, makeStore, newClient, type Mode } from './lib/stores';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
process.stdout.on('error', () => {}); // a closed pipe (| head) is not an error here
const summarize = args.summary;
if (summarize) {
  summary(summarize === 'latest' ? latestProfile() : summarize);
  process.exit(0);
}

const side = (args.side ?? 'ours') as 'ours' | 'theirs';
const mode = (args.mode ?? 'plain') as Mode;
const op = args.op ?? 'get-hit';
const conc = Number(args.concurrency ?? 64);
const seconds = Number(args.seconds ?? 5);

const impls = await loadImpls();
const server = await startServer();
const client = await newClient(server.url);
const dbName = `profile_${Date.now().toString(36)}`;
// --side=driver: the floor any store pays, the bare driver calls a plain store makes (no crypto, no options).
const bs = side === ('driver' as string) ? driverFloor(client, dbName, 'sessions') : makeStore(impls[side], mode, client, dbName, 'sessions');
// --op=all reads back 2,000 sessions per call; the other ops cycle over 256.
const pool = Array.from({ length: op === 'all' ? 2000 : 256 }, (_, i) => ({ sid: newSid(), session: makeSession(i) }));
await runOps(pool.length, 16, (i) => bs.set(pool[i].sid, pool[i].session));
const fns: Record<string, (i: number) => Promise<unknown>> = {
  'get-hit': (i) => bs.get(pool[i % 256].sid),
  'get-miss': () => bs.get(newSid()),
  'set-new': (i) => bs.set(newSid(), makeSession(i)),
  'set-update': (i) => bs.set(pool[i % 256].sid, touchUp(pool[i % 256].session)),
  touch: (i) => bs.touch(pool[i % 256].sid, pool[i % 256].session),
  all: () => bs.all(),
};
const batch = op === 'all' ? 1 : conc * 20;
await runOps(batch, conc, fns[op]); // warm-up
const inspector = new Session();
inspector.connect();
await inspector.post('Profiler.enable');
await inspector.post('Profiler.setSamplingInterval', { interval: 200 });
await inspector.post('Profiler.start');
const t0 = performance.now();
let total = 0;
let cpu = 0;
while (performance.now() - t0 < seconds * 1000) {
  const r = await runOps(batch, conc, fns[op]);
  total += r.ops;
  cpu += r.cpuUs;
}
const { profile } = await inspector.post('Profiler.stop');
const dir = path.join(ROOT, 'bench/results/profiles');
mkdirSync(dir, { recursive: true });
const file = path.join(dir, `${side}-${mode}-${op}-c${conc}.cpuprofile`);
writeFileSync(file, JSON.stringify(profile));
await bs.client.db(bs.dbName).dropDatabase();
await bs.store.close();
await server.stop();
console.log(`${side} ${mode} ${op} c=${conc}: ${total} ops, ${(cpu / total).toFixed(1)} µs CPU/op (profiler on)`);
summary(file);

function latestProfile(): string {
  const dir = path.join(ROOT, 'bench/results/profiles');
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  files.sort((a, b) => statSync(path.join(dir, b)).mtimeMs - statSync(path.join(dir, a)).mtimeMs);
  return path.join(dir, files[0]);
}

/** Self time by function and by origin (our src, connect-mongo, driver/bson, node internals...). */
function summary(file: string) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const self = new Map<number, number>();
  const dt: number[] = prof.timeDeltas;
  prof.samples.forEach((id: number, i: number) => self.set(id, (self.get(id) ?? 0) + (dt[i] ?? 0)));
  const byFn = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let total = 0;
  for (const n of prof.nodes) {
    const t = self.get(n.id) ?? 0;
    if (!t) continue;
    const cf = n.callFrame;
    const url: string = cf.url ?? '';
    if (cf.functionName === '(idle)' || cf.functionName === '(program)') {
      byOrigin.set(cf.functionName, (byOrigin.get(cf.functionName) ?? 0) + t);
      continue;
    }
    total += t;
    const origin = url.includes('/src/')
      ? 'ours (src/)'
      : url.includes('connect-mongo')
        ? 'connect-mongo'
        : /node_modules\/(mongodb|bson)\//.test(url)
          ? 'driver + bson'
          : url.includes('kruptein') || url.includes('asn1')
            ? 'kruptein/asn1'
            : url.includes('express')
              ? 'express(-session)'
              : url.includes('/bench/')
                ? 'bench harness'
                : url.startsWith('node:') || !url
                  ? 'node internals / GC / native'
                  : 'other';
    byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + t);
    const key = `${cf.functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${cf.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + t);
  }
  const pct = (t: number) => ((100 * t) / total).toFixed(1).padStart(5) + '%';
  console.log(`${file}\nbusy ${(total / 1000).toFixed(0)} ms (idle ${((byOrigin.get('(idle)') ?? 0) / 1000).toFixed(0)} ms); busy time by origin:`);
  for (const [k, t] of [...byOrigin].sort((a, b) => b[1] - a[1])) if (k !== '(idle)') console.log(`  ${pct(t)}  ${k}`);
  console.log('top functions by self time:');
  for (const [k, t] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${pct(t)}  ${k}`);
}

