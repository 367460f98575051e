// Express end to end: autocannon (10 connections) against an app in a child process, one app per store,
// all apps alive at once and loaded in turn, so rounds interleave without restarts.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import type { Config } from '../lib/config';
import { gate, interleave, log } from '../lib/measure';
import { ROOT } from '../lib/server';
import type { Impl, Mode } from '../lib/stores';
import { median, spread, type Spread } from '../lib/stats';

export interface E2eRound {
  reqPerSec: number;
  p99Ms: number;
  cpuUsPerReq: number; // app process CPU
  requests: number;
  errors: number;
}

export interface E2eCell {
  mode: Mode;
  connections: number;
  durationSec: number;
  ours: E2eRound[];
  theirs: E2eRound[];
  reqRatio: Spread;
  cpuRatio: Spread;
}

interface App {
  child: ChildProcess;
  base: string;
  /** One returning visitor per autocannon connection, each with its own session. */
  cookies: string[];
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

async function startApp(side: 'ours' | 'theirs', mode: Mode, url: string, dbName: string, visitors: number): Promise<App> {
  const child = fork(path.join(ROOT, 'bench/express-app.ts'), [], {
    cwd: ROOT,
    // BENCH_CPU_PROF=1: V8 profiles of each app in bench/results/profiles/express-SIDE-MODE/ (one per thread: the
    // largest is the app's main thread; read it with `npm run bench:profile -- --summary=FILE`).
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, `bench/results/profiles/express-${side}-${mode}`)}`] : []),
    ],
    env: { ...process.env, NODE_ENV: 'production', BENCH_SIDE: side, BENCH_MODE: mode, BENCH_URL: url, BENCH_DB: dbName },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port: number = await new Promise((resolve, reject) => {
    child.once('message', (m: { type: string; port: number }) => (m.type === 'ready' ? resolve(m.port) : reject(new Error(String(m)))));
    child.once('exit', (code) => reject(new Error(`express app (${side}, ${mode}) exited with ${code}`)));
  });
  if (child.pid) gate.pids.push(child.pid);
  const base = `http://127.0.0.1:${port}`;
  const cookies: string[] = [];
  for (let i = 0; i < visitors; i++) {
    const r = await fetch(`${base}/login`);
    if (!r.ok) throw new Error(`/login on ${side} ${mode}: HTTP ${r.status}`);
    await r.arrayBuffer(); // the session is saved once the body is complete
    cookies.push(r.headers.get('set-cookie')!.split(';')[0]);
  }
  return {
    child,
    base,
    cookies,
    cpu: () =>
      new Promise((resolve) => {
        child.once('message', (m: { us: number }) => resolve(m.us));
        child.send({ type: 'cpu' });
      }),
    stop: () =>
      new Promise((resolve) => {
        gate.pids = gate.pids.filter((p) => p !== child.pid);
        child.once('exit', () => resolve());
        child.send({ type: 'stop' });
      }),
  };
}

async function load(app: App, seconds: number, connections: number): Promise<E2eRound> {
  const c0 = await app.cpu();
  let visitor = 0;
  const r = await autocannon({
    url: `${app.base}/visit`,
    connections,
    duration: seconds,
    // Each connection is its own visitor: real concurrent requests carry different sessions. (One cookie on
    // every connection would be one user hammering one session, which no store can serve concurrently.)
    setupClient: (client: { setHeaders(h: Record<string, string>): void }) => client.setHeaders({ cookie: app.cookies[visitor++ % app.cookies.length] }),
  });
  const c1 = await app.cpu();
  const ok = r['2xx'];
  return {
    reqPerSec: ok / r.duration,
    p99Ms: r.latency.p99,
    cpuUsPerReq: (c1 - c0) / Math.max(1, ok),
    requests: ok,
    errors: r.errors + r.non2xx,
  };
}

export async function runExpressSection(
  cfg: Config,
  _impls: { ours: Impl; theirs: Impl },
  url: string,
  dbName: string,
  modes: Mode[],
): Promise<E2eCell[]> {
  const cells: E2eCell[] = [];
  for (const mode of modes) {
    const apps = {
      ours: await startApp('ours', mode, url, dbName, cfg.expressConnections),
      theirs: await startApp('theirs', mode, url, dbName, cfg.expressConnections),
    };
    // Warm-up: JIT, connection pools.
    for (const side of ['ours', 'theirs'] as const) await load(apps[side], cfg.quick ? 0.5 : 1, cfg.expressConnections);
    const res = await interleave(cfg.expressRounds, (side) => load(apps[side], cfg.expressSec, cfg.expressConnections));
    const cell: E2eCell = {
      mode,
      connections: cfg.expressConnections,
      durationSec: cfg.expressSec,
      ours: res.ours,
      theirs: res.theirs,
      reqRatio: spread(res.ours.map((r, i) => r.reqPerSec / res.theirs[i].reqPerSec)),
      cpuRatio: spread(res.ours.map((r, i) => r.cpuUsPerReq / res.theirs[i].cpuUsPerReq)),
    };
    cells.push(cell);
    const m = (rs: E2eRound[], k: keyof E2eRound) => median(rs.map((r) => r[k])).toFixed(0);
    log(
      `express ${mode.padEnd(9)} req/s ours ${m(res.ours, 'reqPerSec')} theirs ${m(res.theirs, 'reqPerSec')} ratio ${cell.reqRatio.median.toFixed(3)}`,
      `| p99 ms ${m(res.ours, 'p99Ms')} / ${m(res.theirs, 'p99Ms')} | cpu µs/req ${m(res.ours, 'cpuUsPerReq')} / ${m(res.theirs, 'cpuUsPerReq')}`,
      `| errors ${res.ours.concat(res.theirs).reduce((a, r) => a + r.errors, 0)}`,
    );
    await apps.ours.stop();
    await apps.theirs.stop();
  }
  return cells;
}
