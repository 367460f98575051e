// Runs before `npm start` / `npm run example`: on a fresh clone, install the dependencies first (`npm ci`,
// from the lockfile) so that the example really is one command. Plain Node, no dependencies of its own.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const needed = ['tsx', 'express', 'express-session', 'mongodb'];
const missing = needed.filter((name) => !existsSync(`${repo}node_modules/${name}/package.json`));
if (missing.length > 0) {
  console.log(`Dependencies not installed (${missing.join(', ')} missing): running npm ci first.`);
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: repo, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
