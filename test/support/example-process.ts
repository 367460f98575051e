// Runs an example app as a child process, the way a user would (`npm start`, or `node --import tsx` on a file
// of examples/), until it prints the address it listens on. Tests talk to it with a CookieJar (./cookies).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningExample {
  url: string;
  child: ChildProcess;
  output(): string;
  /**
   * Sends `signal` to the app's whole process group (as Ctrl+C does), or with `to: 'process'` to the started
   * process alone (as a process manager does to `npm start`), and resolves once every process in it is gone.
   */
  stop(signal?: NodeJS.Signals, to?: 'group' | 'process'): Promise<ExampleStopped>;
}

export interface ExampleStopped {
  /** Exit code of the direct child (null when a signal ended it, as npm does when interrupted). */
  code: number | null;
  exitSignal: NodeJS.Signals | null;
  /** Whether any process of the group was still alive after the output pipes closed. */
  leftovers: boolean;
}

export interface ExampleOptions {
  /** Command and arguments; default: `node --import tsx <file>`. */
  command?: [string, ...string[]];
  file?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

/** Starts the example with PORT=0 (the app picks a free port) and resolves once it prints `listening on http://...`. */
export function startExample({ command, file, env = {}, timeoutMs = 45_000 }: ExampleOptions): Promise<RunningExample> {
  const [cmd, ...args] = command ?? [process.execPath, '--import', 'tsx', file ?? 'examples/express.ts'];
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
  // detached: own process group, so `npm start` and everything under it are stopped together.
  const child = spawn(cmd, args, { cwd: repoRoot, env: childEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let onOutput = () => {};
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      onOutput();
    });
  }
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
  const stop = async (signal: NodeJS.Signals = 'SIGINT', to: 'group' | 'process' = 'group'): Promise<ExampleStopped> => {
    if (to === 'group') killGroup(signal);
    else child.kill(signal);
    const killer = setTimeout(() => killGroup('SIGKILL'), 10_000);
    const code = await exited;
    await closed;
    clearTimeout(killer);
    // A process that has just exited may not be reaped yet (npm's children are re-parented): looked at again
    // after each turn of the event loop, for up to 3 s.
    const deadline = Date.now() + 3_000;
    let leftovers = true;
    while (leftovers && Date.now() < deadline) {
      try {
        process.kill(-child.pid!, 0);
        await new Promise((r) => setImmediate(r));
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
      clearTimeout(timer);
      killGroup('SIGKILL');
      reject(new Error(`${why}\n--- app output ---\n${output}`));
    };
    const timer = setTimeout(() => fail(`no "listening on" line within ${timeoutMs} ms`), timeoutMs);
    onOutput = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ url: match[1], child, output: () => output, stop });
      }
    };
    void exited.then((code) => fail(`app exited (code ${code}) before listening`));
  });
}
