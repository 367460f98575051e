// Runs an example app as a child process, the way a user would, and talks to it over HTTP with a cookie jar.
// Used by test/example-*.test.ts (package engineer).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningApp {
  url: string;
  child: ChildProcess;
  output(): string;
  /**
   * Sends `signal` to the app's whole process group (as Ctrl+C does), or with `to: 'process'` to the started
   * process alone (as a process manager does to `npm start`), and resolves once every process in it is gone.
   */
  stop(signal?: NodeJS.Signals, to?: 'group' | 'process'): Promise<Stopped>;
}

export interface Stopped {
  /** Exit code of the direct child (null when a signal ended it, as npm does when interrupted). */
  code: number | null;
  exitSignal: NodeJS.Signals | null;
  /** Whether any process of the group was still alive after the output pipes closed. */
  leftovers: boolean;
}

export interface StartOptions {
  /** Command and arguments; default: `node --import tsx <file>`. */
  command?: [string, ...string[]];
  file?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** Starts the app with PORT=0 and resolves once it prints `listening on http://...`. */
export function startApp({ command, file, env = {}, timeoutMs = 45_000 }: StartOptions): Promise<RunningApp> {
  const [cmd, ...args] = command ?? [process.execPath, '--import', 'tsx', file ?? 'examples/express.ts'];
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  // detached: own process group, so `npm start` and everything under it are stopped together.
  const child = spawn(cmd, args, { cwd: repoRoot, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // 'close' fires once every process holding the output pipes (npm, tsx, the app) is gone.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };

  // Like Ctrl+C in a terminal, the signal goes to the whole process group (npm does not pass SIGTERM on to
  // its script), so the app itself receives it. Anything still alive 10 s later is SIGKILLed.
  const stop = async (signal: NodeJS.Signals = 'SIGINT', to: 'group' | 'process' = 'group'): Promise<Stopped> => {
    if (to === 'group') killGroup(signal);
    else child.kill(signal);
    const killer = setTimeout(() => killGroup('SIGKILL'), 10_000);
    const code = await exited;
    await closed;
    clearTimeout(killer);
    // A process that has just exited may not be reaped yet (npm's children are re-parented): give it 3 s.
    let leftovers = true;
    for (let i = 0; i < 60 && leftovers; i++) {
      try {
        process.kill(-child.pid!, 0);
        await new Promise((r) => setTimeout(r, 50));
      } catch {
        leftovers = false;
      }
    }
    return { code, exitSignal: child.signalCode, leftovers };
  };

  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(timer);
      killGroup('SIGKILL');
      reject(new Error(`${why}\n--- app output ---\n${output}`));
    };
    const timer = setTimeout(() => fail(`no "listening on" line within ${timeoutMs} ms`), timeoutMs);
    const poll = setInterval(() => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && !settled) {
        settled = true;
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ url: match[1], child, output: () => output, stop });
      }
    }, 50);
    void exited.then((code) => fail(`app exited (code ${code}) before listening`));
  });
}

/** A minimal cookie jar: keeps name=value pairs from Set-Cookie and sends them back. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return response;
  }

  async json<T = Record<string, unknown>>(url: string, init?: RequestInit): Promise<T> {
    const response = await this.fetch(url, init);
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  get size(): number {
    return this.cookies.size;
  }
}
