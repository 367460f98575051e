// `npm start` when something is off: a bad PORT or a taken port is one clear line and a non-zero exit (no
// stack trace), and stopping npm itself, as a process manager or `kill <npm's pid>` does, stops the app too.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CookieJar, mongoUrl, repoRoot, startExample, uniqueDbName } from '../../support';

const npmStart: [string, ...string[]] = ['npm', 'start', '--silent'];

/** Runs a command to its end (it is expected to fail fast), with its output. */
function runToExit(command: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = command;
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after 30 s:\n${output}`));
    }, 30_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const example = ['node', '--import', 'tsx', 'examples/express.ts'];
const mongoEnv = () => ({ MONGO_URL: mongoUrl(), MONGO_DB: uniqueDbName('example_start') });

describe('npm start: a bad PORT', () => {
  it.each([
    ['abc', "PORT must be a whole number from 0 to 65535 (0 picks a free port), got 'abc'"],
    ['70000', "PORT must be a whole number from 0 to 65535 (0 picks a free port), got '70000'"],
    ['', 'PORT is set but empty: unset it for port 3000, or set PORT=0 for any free port'],
  ])('PORT=%j: one line naming PORT, exit code 1, before MongoDB is started', async (port, line) => {
    const { code, output } = await runToExit(example, { ...mongoEnv(), PORT: port });
    expect(code).toBe(1);
    expect(output).toBe(`${line}\n`);
  });

  it('through npm too: the exit code is not lost', async () => {
    const { code, output } = await runToExit(npmStart, { ...mongoEnv(), PORT: 'abc' });
    expect(code).not.toBe(0);
    expect(output).toContain("PORT must be a whole number from 0 to 65535 (0 picks a free port), got 'abc'");
    expect(output).not.toMatch(/ERR_SOCKET_BAD_PORT|\n\s+at /);
  });
});

describe('npm start: a port already taken', () => {
  it('prints one line saying so, and exits 1 without a stack trace', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, output } = await runToExit(example, { ...mongoEnv(), PORT: String(port) });
      expect(code).toBe(1);
      const lines = output.trim().split('\n');
      expect(lines.at(-1)).toBe(`express example: port ${port} on 127.0.0.1 is in use: set PORT to another port (PORT=0 picks a free one)`);
      expect(lines).toHaveLength(2); // the MongoDB line, then that one
      expect(output).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

describe('stopping npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s to npm alone (not its process group) shuts the app down cleanly', async (signal) => {
    const app = await startExample({ command: npmStart, env: mongoEnv() });
    let stopped;
    try {
      expect((await new CookieJar().json<{ views: number }>(app.url)).views).toBe(1);
    } finally {
      stopped = await app.stop(signal, 'process');
    }
    expect(app.output()).toContain(`${signal}: shutting down`);
    expect(app.output()).toContain('shutdown complete');
    expect(stopped.leftovers).toBe(false);
    await expect(fetch(app.url)).rejects.toThrow();
  });
});

describe('stopping an example started by hand', () => {
  it('SIGTERM to `node --import tsx examples/express.ts` alone (`kill <pid>`) shuts it down cleanly', async () => {
    const app = await startExample({ command: example as [string, ...string[]], env: mongoEnv() });
    const stopped = await app.stop('SIGTERM', 'process');
    expect(app.output()).toContain('SIGTERM: shutting down');
    expect(app.output()).toContain('shutdown complete');
    expect(stopped).toEqual({ code: 0, exitSignal: null, leftovers: false });
    await expect(fetch(app.url)).rejects.toThrow();
  });

  // Only that everything stops: tsx kills an app that has not acknowledged the signal within 30 ms, which
  // on a busy machine can cut its clean shutdown short (examples/README.md says so).
  it('`npx tsx examples/express.ts`: Ctrl+C (SIGINT to its process group) stops npx, tsx and the app', async () => {
    const app = await startExample({ command: ['npx', 'tsx', 'examples/express.ts'], env: mongoEnv() });
    const stopped = await app.stop('SIGINT', 'group');
    expect(stopped.leftovers).toBe(false);
    await expect(fetch(app.url)).rejects.toThrow();
  });
});
