// The working tree against an older build, one operation: src/ (through tsx) and dist/ (`npm run build` at
// the older commit, its dist/ copied here) on the same server, in alternating rounds, client CPU per op.
// Run: BENCH_THEIRS=dist npx tsx bench/against-dist.ts <plain|webcrypto|kruptein> <get-hit|set-update|touch|destroy> [concurrency=64] [rounds=15]
// Prints the medians and the median of the per-round ratios (src ÷ dist) with its min and max: the spread is the noise.
import { runOps } from '../bench/lib/measure';
import { makeSession, newSid } from '../bench/lib/session-data';
import { startServer } from '../bench/lib/server';
import { loadImpls, makeStore, newClient, type Mode } from '../bench/lib/stores';

const [mode, op, concArg, roundsArg] = process.argv.slice(2);
const conc = Number(concArg ?? 64);
const rounds = Number(roundsArg ?? 15);
const N = conc === 1 ? 300 : 3000;
const impls = await loadImpls(); // BENCH_THEIRS=dist
const server = await startServer();
const db = `ab_${Date.now().toString(36)}`;
const sides = [
  makeStore(impls.ours, mode as Mode, await newClient(server.url), db, 'a'),
  makeStore(impls.theirs, mode as Mode, await newClient(server.url), db, 'b'),
];
const pool = Array.from({ length: 256 }, (_, i) => ({ sid: newSid(), session: makeSession(i) }));
for (const s of sides) await runOps(256, 16, (i) => s.set(pool[i].sid, pool[i].session));
async function round(s: (typeof sides)[number]) {
  if (op === 'destroy') {
    const ids = Array.from({ length: N }, () => newSid());
    await runOps(N, 16, (i) => s.set(ids[i], makeSession(i)));
    return runOps(N, conc, (i) => s.destroy(ids[i]));
  }
  if (op === 'get-hit') return runOps(N, conc, (i) => s.get(pool[i % 256].sid));
  if (op === 'touch') return runOps(N, conc, (i) => s.touch(pool[i % 256].sid, pool[i % 256].session));
  return runOps(N, conc, (i) => s.set(pool[i % 256].sid, { ...pool[i % 256].session, n: i }));
}
await round(sides[0]); await round(sides[1]);
const ratios: number[] = [], a: number[] = [], b: number[] = [];
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? [1, 0] : [0, 1];
  const res: number[] = [];
  for (const k of order) { const x = await round(sides[k]); res[k] = x.cpuUs / x.ops; }
  a.push(res[0]); b.push(res[1]); ratios.push(res[0] / res[1]);
}
const med = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
console.log(`${mode} ${op} c=${conc}: new ${med(a).toFixed(1)} µs/op, old ${med(b).toFixed(1)}, ratio median ${med(ratios).toFixed(2)} (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)})`);
for (const s of sides) await s.store.close();
await server.stop();
process.exit(0);
