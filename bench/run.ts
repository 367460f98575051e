// npm run bench [-- --quick] [--only=ops,floor,overhead,eventloop,commands,express,all,growth,size] [--modes=plain,webcrypto,kruptein]
// Our store beside connect-mongo 6.0.0, interleaved A/B rounds; writes bench/results/{latest|quick}.{md,json}.
import os from 'node:os';
import path from 'node:path';
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { config } from './lib/config';
import { gate, log } from './lib/measure';
import { evaluateTargets, markdown, readmeBlock, type Results } from './lib/report';
import { ROOT, startServer } from './lib/server';
import { loadImpls, MODES, type Mode } from './lib/stores';
import { runFloorSection, runOpsSection } from './sections/ops';
import { runEventLoopSection } from './sections/eventloop';
import { runCommandsSection } from './sections/commands';
import { runExpressSection } from './sections/express';
import { runAllSection } from './sections/all';
import { runOverheadSection } from './sections/overhead';
import { runGrowthSection } from './sections/growth';
import { runSizeSection } from './sections/size';
import { writeCharts } from './chart';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const arg = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const SECTIONS = ['ops', 'floor', 'overhead', 'eventloop', 'commands', 'express', 'all', 'growth', 'size'];
const only = new Set(arg('only')?.split(',') ?? SECTIONS);
const modes = (arg('modes')?.split(',') ?? MODES) as Mode[];
const control = (process.env.BENCH_OURS ?? 'src') !== 'src' || (process.env.BENCH_THEIRS ?? 'connect-mongo') !== 'connect-mongo';
// Only a full default run replaces the committed latest.*; anything else goes to an ignored file.
const outName = arg('out') ?? (control ? 'control' : quick ? 'quick' : SECTIONS.some((x) => !only.has(x)) || modes.length < 3 ? 'partial' : 'latest');
const cfg = config(quick);
gate.budgetMs = quick ? 10_000 : 90_000;


const version = (pkg: string) => JSON.parse(readFileSync(path.join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
const sh = (cmd: string) => {
  try {
    return execSync(cmd, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

const t0 = performance.now();
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const loadStart = load();
log(`bench ${quick ? 'quick' : 'full'}: load ${loadStart}, sections ${[...only].join(',')}, modes ${modes.join(',')}`);

const impls = await loadImpls();
const server = await startServer();
const dbName = `bench_${Date.now().toString(36)}`;
log(`server: ${server.kind} at ${server.url}; ours = ${impls.ours.source}`);
// The contamination check must know this run's own processes; an external server's CPU cannot be told apart.
if (server.pid) gate.pids.push(server.pid);
else gate.enabled = false;

const results: Results = {
  meta: {
    date: new Date().toISOString(),
    quick,
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memGB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
    },
    node: process.version,
    versions: {
      mongodb: version('mongodb'),
      'connect-mongo': version('connect-mongo'),
      express: version('express'),
      'express-session': version('express-session'),
      autocannon: version('autocannon'),
    },
    server: server.kind,
    oursLabel: impls.ours.label,
    theirsLabel: impls.theirs.label,
    oursSource: impls.ours.source,
    theirsSource: impls.theirs.source,
    commit: sh('git rev-parse --short HEAD') + (sh('git status --porcelain -- src') ? ' + uncommitted src changes' : ''),
    config: cfg,
    loadStart,
  },
};

const sectionSeconds: Record<string, number> = {};
const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
  const s0 = performance.now();
  const r = await fn();
  sectionSeconds[name] = Math.round((performance.now() - s0) / 100) / 10;
  log(`-- ${name}: ${sectionSeconds[name]} s`);
  return r;
};
results.meta.sectionSeconds = sectionSeconds;
try {
  if (only.has('commands')) results.commands = await timed('commands', () => runCommandsSection(cfg, impls, server.url, dbName, modes));
  if (only.has('ops')) results.ops = await timed('ops', () => runOpsSection(cfg, impls, server.url, dbName, modes));
  if (only.has('floor') && modes.includes('plain')) results.floor = await timed('floor', () => runFloorSection(cfg, impls, server.url, dbName));
  if (only.has('overhead')) results.overhead = await timed('overhead', () => runOverheadSection(cfg, impls, server.url, dbName, modes));
  if (only.has('eventloop')) results.eventLoop = await timed('eventloop', () => runEventLoopSection(cfg, impls, server.url, dbName, modes));
  if (only.has('all')) results.all = await timed('all', () => runAllSection(cfg, impls, server.url, dbName, modes));
  if (only.has('growth')) results.growth = await timed('growth', () => runGrowthSection(cfg, impls, server.url, dbName));
  if (only.has('size')) results.size = await timed('size', () => runSizeSection(cfg, impls, server.url, dbName));
  if (only.has('express')) {
    // Issue 6 asks for plain and WebCrypto end to end; kruptein's cost is already plain in the op figures.
    const e2eModes = modes.filter((m) => m !== 'kruptein');
    results.express = await timed('express', () => runExpressSection(cfg, impls, server.url, dbName, e2eModes));
  }
} finally {
  await server.stop();
}

results.meta.loadEnd = load();
results.meta.contamination = { enabled: gate.enabled, pairs: gate.pairs, redone: gate.redone, keptBusy: gate.keptBusy, redoneSec: Math.round(gate.redoneMs / 100) / 10 };
results.meta.durationSec = (performance.now() - t0) / 1000;
results.targets = evaluateTargets(results);
const dir = path.join(ROOT, 'bench/results');
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, `${outName}.json`), JSON.stringify(results, null, 2) + '\n');
const md = markdown(results);
writeFileSync(path.join(dir, `${outName}.md`), md + '\n');
writeFileSync(path.join(dir, `${outName}-readme.md`), readmeBlock(results) + '\n');
// The README's charts come from the committed full run only.
if (outName === 'latest') writeCharts(results, dir);
process.stdout.write(md + '\n');
log(`wrote bench/results/${outName}.md and .json in ${results.meta.durationSec.toFixed(0)} s`);
