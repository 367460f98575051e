// Installs the packed tarball into a throwaway app folder, as a user would, and uses it from:
//   scripts/smoke/esm.mjs          `import MongoStore, { ... } from 'connect-mongo-next'`, against a live server
//   scripts/smoke/cjs.cjs          `require('connect-mongo-next')` is the class, against a live server
//   scripts/smoke/types-*.{mts,cts} type-checked with tsc (nodenext: ESM and CJS files; bundler: ESM; node10: CJS),
//                                  with a `declare module 'express-session'` SessionData augmentation
// Usage: node --import tsx scripts/smoke-package.ts path/to/connect-mongo-next-x.y.z.tgz
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestMongoServer } from '../mongo-server';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tarball = process.argv[2] ? resolve(process.argv[2]) : undefined;
if (!tarball) throw new Error('usage: smoke-package.ts <tarball.tgz>');

// Same versions as the repository's own, so the install is served from npm's cache when it can be.
const require = createRequire(join(repo, 'package.json'));
const versionOf = (name: string) => (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
const deps = ['mongodb', 'express-session', '@types/express-session', '@types/node'].map((name) => `${name}@${versionOf(name)}`);

const app = mkdtempSync(join(tmpdir(), 'cmn-smoke-'));
const checksFile = join(repo, '.tmp', 'test-results', 'checks.txt');
mkdirSync(join(repo, '.tmp', 'test-results'), { recursive: true });
// Asynchronous on purpose: the test server runs in this process and must keep serving while a check runs.
const run = async (name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(command, args, { cwd: app, stdio: 'inherit', env });
    child.once('error', fail);
    child.once('exit', (exitCode) => done(exitCode));
  });
  if (code !== 0) throw new Error(`not ok - ${name} (exit code ${code})`);
  appendFileSync(checksFile, `pass ${name}\n`);
  console.log(`ok - ${name}`);
};

const server = new TestMongoServer();
try {
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'smoke-app', private: true }, null, 2));
  console.log(`installing ${tarball} with ${deps.join(' ')} into ${app}`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball, ...deps], { cwd: app, stdio: 'inherit' });
  cpSync(join(repo, 'scripts', 'smoke'), app, { recursive: true });

  const mongoUrl = await server.start();
  const env = { ...process.env, MONGO_URL: mongoUrl };
  await run('smoke: ESM import (esm.mjs)', process.execPath, ['esm.mjs'], env);
  await run('smoke: CommonJS require (cjs.cjs)', process.execPath, ['cjs.cjs'], env);
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  await run('smoke: tsc, nodenext (types-esm.mts + types-cjs.cts)', process.execPath, [tsc, '-p', 'tsconfig.nodenext.json']);
  await run('smoke: tsc, bundler (types-esm.mts)', process.execPath, [tsc, '-p', 'tsconfig.bundler.json']);
  await run('smoke: tsc, node10 + module commonjs (types-cjs.cts)', process.execPath, [tsc, '-p', 'tsconfig.node10.json']);
} finally {
  await server.stop();
  rmSync(app, { recursive: true, force: true });
}
