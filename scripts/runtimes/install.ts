// Installs the pinned runtimes (./list.ts) into .cache/runtimes/<package>@<version>/ with npm, from the npm
// registry only, once: a folder whose binary answers with its version is kept. `--ignore-scripts`: the
// packages are plain binaries and need no install script.
//   node --import tsx scripts/runtimes/install.ts      (test:runtimes runs it first)
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RUNTIMES, type Runtime } from './list';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../..', import.meta.url));
export const CACHE = join(repo, '.cache', 'runtimes');

const folderOf = (runtime: Runtime) => join(CACHE, `${runtime.pkg.replace('/', '+')}@${runtime.version}`);
export const binaryOf = (runtime: Runtime) => join(folderOf(runtime), 'node_modules', runtime.pkg, runtime.bin);

/** The version the binary reports ("v24.1.0", "1.2.3", "deno 2.1.0 (...)"), or null if it does not run. */
async function reportedVersion(runtime: Runtime): Promise<string | null> {
  if (!existsSync(binaryOf(runtime))) return null;
  try {
    const { stdout } = await run(binaryOf(runtime), ['--version']);
    return stdout;
  } catch {
    return null;
  }
}

const installed = async (runtime: Runtime) => (await reportedVersion(runtime))?.includes(runtime.version) ?? false;

async function install(runtime: Runtime): Promise<void> {
  if (await installed(runtime)) return;
  const folder = folderOf(runtime);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'package.json'), '{ "private": true }\n');
  const spec = `${runtime.pkg}@${runtime.version}`;
  console.log(`runtimes: installing ${spec} into ${folder}`);
  await run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', spec], { cwd: folder });
  if (!(await installed(runtime))) throw new Error(`runtimes: ${spec} installed, but its binary does not report ${runtime.version}`);
}

/** Installs whatever is missing, in parallel (the downloads are network-bound). */
export async function installRuntimes(): Promise<void> {
  if (platform() !== 'linux' || arch() !== 'x64') throw new Error(`runtimes: Linux x64 only (this is ${platform()} ${arch()})`);
  await Promise.all(RUNTIMES.map(install));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await installRuntimes();
  for (const runtime of RUNTIMES) console.log(`runtimes: ${runtime.label} ${runtime.version} at ${binaryOf(runtime)}`);
}
