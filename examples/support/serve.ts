// Small plumbing shared by the examples: listen on PORT and print the address, and shut down cleanly on
// Ctrl+C / SIGTERM. Kept apart so each example file shows only the session-store code that matters.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The port PORT asks for (3000 when unset, 0 for any free port), or what is wrong with it. */
export function parsePort(raw: string | undefined): number | { problem: string } {
  if (raw === undefined) return 3000;
  if (raw.trim() === '') return { problem: 'PORT is set but empty: unset it for port 3000, or set PORT=0 for any free port' };
  const port = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || port > 65535) {
    return { problem: `PORT must be a whole number from 0 to 65535 (0 picks a free port), got '${raw}'` };
  }
  return port;
}

/** One line on stderr and a non-zero exit: a startup mistake is not a crash, so no stack trace. */
function exitWith(message: string): never {
  console.error(message);
  process.exit(1);
}

// Checked as soon as an example is loaded, before it starts a MongoDB: a typo fails at once.
const requested = parsePort(process.env.PORT);
if (typeof requested !== 'number') exitWith(requested.problem);
const port: number = requested;

/** Listens on PORT and HOST (default 127.0.0.1), then prints the URL; exits with one line if it cannot. */
export async function listen(handler: RequestListener, name: string): Promise<Server> {
  const host = process.env.HOST ?? '127.0.0.1';
  const server = createServer(handler);
  await new Promise<void>((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? 'is in use: set PORT to another port (PORT=0 picks a free one)' : `cannot be used: ${error.message}`;
      exitWith(`${name}: port ${port} on ${host} ${why}`);
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  holdSignals(); // before the line that tells a supervisor (or a test) it may now send one
  console.log(`${name} listening on http://${host}:${address.port}`);
  return server;
}

/** Stops accepting requests and waits for the ones in flight. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}

/**
 * Runs `shutdown` once on SIGINT or SIGTERM. The process then exits by itself once nothing is left open,
 * which is the point: a store or client left open would keep it alive, and we say so instead of hiding it.
 * Ctrl+C reaches npm and the app alike, and npm passes its copy on, so the same stop arrives twice within
 * moments: that one is ignored. A signal sent later, to a shutdown that hangs, exits at once.
 */
export function onShutdownSignal(shutdown: () => Promise<void>): void {
  process.off('SIGINT', hold);
  process.off('SIGTERM', hold);
  let startedAt = 0;
  const handle = (signal: NodeJS.Signals) => {
    if (startedAt) {
      if (Date.now() - startedAt < 1_000) return;
      console.error(`${signal} again: exiting before the shutdown finished`);
      process.exit(1);
    }
    startedAt = Date.now();
    console.log(`${signal}: shutting down`);
    shutdown().then(
      () => {
        console.log('shutdown complete');
        setTimeout(() => {
          console.error('still running 5 s after shutdown: something was left open');
          process.exit(1);
        }, 5_000).unref();
      },
      (error: unknown) => {
        console.error('shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  if (held) handle(held);
}

// Without a listener, SIGTERM kills the process outright: a signal that arrives between the "listening on"
// line and onShutdownSignal() is kept for it instead.
let held: NodeJS.Signals | undefined;
const hold = (signal: NodeJS.Signals) => void (held ??= signal);
function holdSignals(): void {
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
}
