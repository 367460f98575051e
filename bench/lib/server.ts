// Where the benchmark's MongoDB comes from: MONGO_URL, or the project's test server spawned in its
// own process, so that the server's CPU never counts as the store's client CPU.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { existsSync } from 'node:fs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Server {
  url: string;
  kind: string;
  pid?: number;
  stop(): Promise<void>;
}

export async function startServer(): Promise<Server> {
  if (process.env.MONGO_URL) {
    return { url: process.env.MONGO_URL, kind: 'MONGO_URL', stop: async () => {} };
  }
  const script = path.join(ROOT, 'mongo-server/cli.ts');
  if (!existsSync(script)) throw new Error(`No MONGO_URL and no ${script}: cannot start a MongoDB server`);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script, '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  // Whatever way this process ends (even a crash), the server goes with it.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`test server printed no URL in 30 s\n${out}\n${stderr}`)), 30_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /mongodb:\/\/[^\s'"]+/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`test server exited (${code}) before printing its URL\n${out}\n${stderr}`));
    });
  });
  // Keep draining its output so a chatty server can never block on a full pipe.
  child.stdout!.resume();
  return {
    url,
    kind: 'project test server (mongo-server/cli.ts, own process)',
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        process.off('exit', reap);
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
