// Installs the packed tarball into a throwaway app folder, as a user would, and uses it from:
//   scripts/smoke/esm.mjs          `import MongoStore, { ... } from 'connect-mongo-next'`, against a live server
//   scripts/smoke/cjs.cjs          `require('connect-mongo-next')` is the class, against a live server
//   scripts/smoke/types-*.{mts,cts} type-checked with tsc (nodenext: ESM and CJS files; bundler: ESM; node10: CJS),
//                                  with a `declare module 'express-session'` SessionData augmentation
//   README.md's quick start       its app.mjs and app.cjs, run as written (scripts/smoke-quick-start.ts)
//   scripts/smoke/mongoose/        type-checked in two more apps on mongodb 5, with Mongoose 8 and 9 (drivers 6, 7)
// Usage: node --import tsx scripts/smoke-package.ts path/to/connect-mongo-next-x.y.z.tgz
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestMongoServer } from '../mongo-server';
import { checkQuickStart } from './smoke-quick-start';

const repo = fileURLToPath(new URL('..', import.meta.url));
const tarball = process.argv[2] ? resolve(process.argv[2]) : undefined;
if (!tarball) throw new Error('usage: smoke-package.ts <tarball.tgz>');

// Same versions as the repository's own, so the install is served from npm's cache when it can be.
const require = createRequire(join(repo, 'package.json'));
const versionOf = (name: string) => (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
const types = ['@types/express-session', '@types/node'].map((name) => `${name}@${versionOf(name)}`);
const deps = ['mongodb', 'express', 'express-session'].map((name) => `${name}@${versionOf(name)}`).concat(types);

const app = mkdtempSync(join(tmpdir(), 'cmn-smoke-'));
const checksFile = join(repo, '.tmp', 'test-results', 'checks.txt');
mkdirSync(join(repo, '.tmp', 'test-results'), { recursive: true });
// Asynchronous on purpose: the test server runs in this process and must keep serving while a check runs.
const run = async (name: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd = app) => {
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(command, args, { cwd, stdio: 'inherit', env });
    child.once('error', fail);
    child.once('exit', (exitCode) => done(exitCode));
  });
  if (code !== 0) throw new Error(`not ok - ${name} (exit code ${code})`);
  appendFileSync(checksFile, `pass ${name}\n`);
  console.log(`ok - ${name}`);
};

/** A fresh app folder with the tarball and `packages` installed, as a user's `npm install` would. */
function install(dir: string, packages: string[]): void {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'smoke-app', private: true }, null, 2));
  console.log(`installing ${tarball} with ${packages.join(' ')} into ${dir}`);
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball!, ...packages], { cwd: dir, stdio: 'inherit' });
}

const majorIn = (dir: string, name: string) => (JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version.split('.')[0];

/**
 * Mongoose bundles its own driver, a separate declaration of MongoClient from the app's: its client must still
 * fit `client` / `clientPromise` with no cast. One app per Mongoose major (their declarations are global), each
 * on mongodb 5 so that both bundled drivers (6 and 7) differ from the app's.
 */
async function checkMongooseTypes(tsc: string): Promise<void> {
  for (const [major, version] of [['8', versionOf('mongoose8')], ['9', versionOf('mongoose')]]) {
    const dir = mkdtempSync(join(tmpdir(), `cmn-smoke-mongoose${major}-`));
    try {
      install(dir, ['mongodb@5', 'express-session', `mongoose@${version}`, ...types]);
      const [own, bundled] = [majorIn(dir, 'mongodb'), majorIn(join(dir, 'node_modules', 'mongoose'), 'mongodb')];
      if (own !== '5' || bundled === own) throw new Error(`expected mongodb 5 in the app and another in Mongoose, got ${own} and ${bundled}`);
      cpSync(join(repo, 'scripts', 'smoke', 'mongoose'), dir, { recursive: true });
      await run(`smoke: tsc --strict, Mongoose ${major} (bundled driver ${bundled}) client in an app on mongodb ${own}`, process.execPath, [tsc, '-p', 'tsconfig.json'], process.env, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

const server = new TestMongoServer();
try {
  install(app, deps);
  cpSync(join(repo, 'scripts', 'smoke'), app, { recursive: true });

  const mongoUrl = await server.start();
  const env = { ...process.env, MONGO_URL: mongoUrl };
  await run('smoke: ESM import (esm.mjs)', process.execPath, ['esm.mjs'], env);
  await run('smoke: CommonJS require (cjs.cjs)', process.execPath, ['cjs.cjs'], env);
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  await run('smoke: tsc, nodenext (types-esm.mts + types-cjs.cts)', process.execPath, [tsc, '-p', 'tsconfig.nodenext.json']);
  await run('smoke: tsc, bundler (types-esm.mts)', process.execPath, [tsc, '-p', 'tsconfig.bundler.json']);
  await run('smoke: tsc, node10 + module commonjs (types-cjs.cts)', process.execPath, [tsc, '-p', 'tsconfig.node10.json']);
  await checkQuickStart(app, mongoUrl, readFileSync(join(repo, 'README.md'), 'utf8'), (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version);
  appendFileSync(checksFile, 'pass smoke: README quick start, followed as written\n');
  await checkMongooseTypes(tsc);
} finally {
  await server.stop();
  rmSync(app, { recursive: true, force: true });
}
