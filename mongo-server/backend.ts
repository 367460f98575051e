// Which MongoDB a run uses, decided in one place for the tests, the examples and the benchmark:
// MONGO_URL when set, else mongodb-memory-server when a mongod binary can be had, else this test server.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMemoryServer, type BinarySource } from './memory-server';

export type BackendName = 'MONGO_URL' | 'mongodb-memory-server' | 'in-process';

export interface Backend {
  /** Connection string without a database name. */
  url: string;
  backend: BackendName;
  /** The mongod binary, for mongodb-memory-server. */
  binary?: string;
  /** The server's process when it is not this one (the test server in its own process). */
  pid?: number;
  /** Stops whatever was started (a no-op for MONGO_URL). */
  stop(): Promise<void>;
}

export interface BackendOptions {
  /** Where mongodb-memory-server's binary may come from; 'off' skips it. Default 'on-disk': never download. */
  memoryServer?: BinarySource | 'off';
  /** Extra mongod arguments for mongodb-memory-server (e.g. enableTestCommands, for failpoints). */
  mongodArgs?: string[];
  /** Runs the test server in a child process (cli.ts), so that its CPU is never counted as the caller's. */
  ownProcess?: boolean;
  /** Told, with the first line of the error, when mongodb-memory-server was tried and failed. */
  onMemoryServerError?: (message: string) => void;
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** The URL with any password masked, for printing. */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]*)@/, '//$1:****@');
}

export async function resolveBackend(options: BackendOptions = {}): Promise<Backend> {
  if (process.env.MONGO_URL) return { url: process.env.MONGO_URL, backend: 'MONGO_URL', stop: async () => {} };
  const source = options.memoryServer ?? 'on-disk';
  if (source !== 'off') {
    try {
      const mms = await startMemoryServer(source, options.mongodArgs ?? []);
      if (mms) return { ...mms, backend: 'mongodb-memory-server' };
    } catch (e) {
      options.onMemoryServerError?.((e as Error).message.split('\n')[0]);
    }
  }
  return options.ownProcess ? spawnTestServer() : startTestServer();
}

async function startTestServer(): Promise<Backend> {
  const { TestMongoServer } = await import('./server');
  const server = new TestMongoServer();
  const url = await server.start();
  return { url, backend: 'in-process', stop: () => server.stop() };
}

/** The test server's CLI in a child process, its URL read from what it prints. */
async function spawnTestServer(): Promise<Backend> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'cli.ts'), '--port', '0'], {
    cwd: path.resolve(here, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Whatever way this process ends (even a crash), the server goes with it.
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`test server printed no URL in 30 s\n${out}\n${stderr}`)), 30_000);
    child.stdout.on('data', (d) => {
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
  child.stdout.resume();
  const stop = () =>
    new Promise<void>((resolve) => {
      process.off('exit', reap);
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  return { url, backend: 'in-process', pid: child.pid, stop };
}
