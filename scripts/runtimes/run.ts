// `npm run test:runtimes`: the packed package on every runtime in ./list.ts (installed by ./install.ts, cached
// in .cache/runtimes). Each runtime runs, against one test server (mongo-server/, a separate Node 20 process):
//   esm.mjs, cjs.cjs   the package smoke files (scripts/smoke/): import, require, a live store
//   app.mts            an Express + express-session app in TypeScript, run as is and type-checked (tsc here,
//                      and `deno check` on Deno), driven over HTTP with cookies in all three formats (./flow.ts)
// Two runtimes at a time (the machine this runs on has 2 cores). Run `npm run build` first.
//   node --import tsx scripts/runtimes/run.ts [LABEL...]    only these runtimes, e.g. `bun "node 24"`
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MongoClient } from 'mongodb';
import type * as Package from '../../src/index';
import { checkFormat, FORMATS, type FlowContext } from './flow';
import { Browser } from './http';
import { binaryOf, CACHE, installRuntimes } from './install';
import { RUNTIMES, type Runtime } from './list';
import { startProcess } from './process';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const results = join(repo, '.tmp', 'test-results');
const secret = randomBytes(32).toString('base64');

const require = createRequire(join(repo, 'package.json'));
const versionOf = (name: string) => (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;

/** Packs the built package and installs it, as a user would, into a fresh app folder with the smoke files. */
function prepareApp(): string {
  const app = mkdtempSync(join(tmpdir(), 'cmn-runtimes-'));
  const tarball = join(app, execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', app], { cwd: repo, encoding: 'utf8' }).trim());
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'runtimes-app', private: true }, null, 2));
  const deps = ['mongodb', 'express', 'express-session', '@types/express', '@types/express-session', '@types/node'];
  const specs = deps.map((name) => `${name}@${versionOf(name)}`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball, ...specs], { cwd: app, stdio: 'inherit' });
  for (const file of ['esm.mjs', 'cjs.cjs']) copyFileSync(join(repo, 'scripts', 'smoke', file), join(app, file));
  for (const file of ['app.mts', 'tsconfig.json']) copyFileSync(join(repo, 'scripts', 'runtimes', file), join(app, file));
  return app;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
/** Records a passed check, with how long it took. */
const pass = (name: string, since: number) => {
  appendFileSync(join(results, 'checks.txt'), `pass ${name}\n`);
  console.log(`ok - ${name} (${seconds(Date.now() - since)})`);
};
/** A `pass` for checks run one after the other: each took the time since the previous one. */
function passer(prefix: string): (name: string) => void {
  let since = Date.now();
  return (name) => {
    pass(`${prefix}${name}`, since);
    since = Date.now();
  };
}

/** Runs one file to completion on `runtime`: it must exit 0 and write nothing to stderr (no warning either). */
async function runFile(runtime: Runtime, app: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { code, stdout, stderr } = await startProcess(binaryOf(runtime), args, app, env).exited;
  if (code !== 0 || stderr) throw new Error(`${runtime.label}: ${args.join(' ')} exited with code ${code}\n${stdout}${stderr}`);
}

/** Serves app.mts on `runtime`, walks every format through it, then shuts it down: it must exit by itself. */
async function checkApp(runtime: Runtime, app: string, env: NodeJS.ProcessEnv, context: Omit<FlowContext, 'base'>): Promise<void> {
  const child = startProcess(binaryOf(runtime), runtime.runArgs('app.mts'), app, env);
  try {
    const [, port] = await child.line(/listening (\d+)/);
    const base = `http://127.0.0.1:${port}`;
    for (const format of FORMATS) await checkFormat(format, { ...context, base });
    await new Browser(base).send('POST', '/shutdown');
    const exit = await Promise.race([child.exited, new Promise<null>((resolve) => setTimeout(resolve, 15_000, null).unref())]);
    if (!exit) throw new Error(`${runtime.label}: the app did not exit within 15 s of closing its server and stores (something left open)`);
    if (exit.code !== 0 || exit.stderr) throw new Error(`${runtime.label}: the app exited with code ${exit.code}\n${exit.stdout}${exit.stderr}`);
  } finally {
    child.kill();
  }
}

/** Every check on one runtime, each reported as it passes. */
async function checkRuntime(runtime: Runtime, app: string, mongoUrl: string, context: Omit<FlowContext, 'base' | 'dbPrefix'>): Promise<number> {
  const started = Date.now();
  const id = runtime.label.replace(/\W/g, '');
  const name = `${runtime.label} (${runtime.version})`;
  const env = {
    ...process.env,
    MONGO_URL: mongoUrl,
    SMOKE_DB_SUFFIX: `_${id}`,
    DB_PREFIX: `runtimes_${id}`,
    SECRET: secret,
    NO_COLOR: '1',
    DENO_DIR: join(CACHE, 'deno-dir'),
    DENO_NO_UPDATE_CHECK: '1',
  };
  const passed = passer(`runtimes: ${name}: `);
  await runFile(runtime, app, runtime.runArgs('esm.mjs'), env);
  passed('ESM import, a live store (esm.mjs)');
  await runFile(runtime, app, runtime.runArgs('cjs.cjs'), env);
  passed('CommonJS require, a live store (cjs.cjs)');
  if (runtime.label === 'deno') {
    await runFile(runtime, app, ['check', '--quiet', '--node-modules-dir=manual', 'app.mts'], env);
    passed('deno check app.mts');
  }
  await checkApp(runtime, app, env, { ...context, dbPrefix: env.DB_PREFIX });
  passed(`Express app.mts over HTTP, ${FORMATS.join(', ')}: login, reads, length()/all(), logout`);
  return Date.now() - started;
}

/** Runs `task` over `items`, `width` at a time. */
async function inPool<T, R>(items: T[], width: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return out;
}

const chosen = process.argv.slice(2);
const runtimes = chosen.length ? RUNTIMES.filter((runtime) => chosen.includes(runtime.label)) : RUNTIMES;
if (runtimes.length < chosen.length) throw new Error(`unknown runtime in ${chosen.join(', ')}; known: ${RUNTIMES.map((r) => r.label).join(', ')}`);

async function main(): Promise<void> {
  const started = Date.now();
  mkdirSync(results, { recursive: true });
  const passed = passer('runtimes: ');
  await installRuntimes();
  passed(`installed: ${RUNTIMES.map((runtime) => `${runtime.label} ${runtime.version}`).join(', ')}`);
  const app = prepareApp();
  passed('packed, and installed into an app folder with express, express-session, mongodb');
  // Type-checked by the host's tsc alongside the runtimes (the declarations themselves: check-package.sh).
  const typeCheck = startProcess(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app, process.env);
  const typesStarted = Date.now();
  const server = startProcess(process.execPath, ['--import', 'tsx', 'mongo-server/cli.ts', '--port', '0'], repo, process.env);
  let client: MongoClient | undefined;
  try {
    const [, mongoUrl] = await server.line(/test-server listening: (\S+)/);
    passed(`test server up at ${mongoUrl}`);
    const mongo = (client = new MongoClient(mongoUrl));
    const pkg = (await import(pathToFileURL(join(app, 'node_modules', 'connect-mongo-next', 'dist', 'index.js')).href)) as typeof Package;
    const durations = await inPool(runtimes, 2, (runtime) => checkRuntime(runtime, app, mongoUrl, { mongo, mongoUrl, secret, pkg }));
    const types = await typeCheck.exited;
    if (types.code !== 0) throw new Error(`app.mts does not type-check against the tarball:\n${types.stdout}${types.stderr}`);
    pass('runtimes: app.mts type-checks against the tarball (tsc --strict, nodenext)', typesStarted);
    runtimes.forEach((runtime, i) => console.log(`  ${seconds(durations[i]).padStart(6)}  ${runtime.label} ${runtime.version}`));
    console.log(`runtimes: all ${runtimes.length} passed in ${seconds(Date.now() - started)}`);
  } finally {
    typeCheck.kill();
    await client?.close();
    server.kill('SIGTERM');
    await server.exited;
    rmSync(app, { recursive: true, force: true });
  }
}

await main();
