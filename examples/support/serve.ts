// Small plumbing shared by the examples: listen on PORT and print the address, and shut down cleanly on
// Ctrl+C / SIGTERM. Kept apart so each example file shows only the session-store code that matters.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on PORT (default 3000; PORT=0 picks a free port) and HOST (default 127.0.0.1), then prints the URL. */
export async function listen(handler: RequestListener, name: string): Promise<Server> {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST ?? '127.0.0.1';
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') error.message = `port ${port} is in use: set PORT to another port (PORT=0 picks a free one)`;
      reject(error);
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
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
 */
export function onShutdownSignal(shutdown: () => Promise<void>): void {
  let started = false;
  const handle = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
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
  process.once('SIGINT', handle);
  process.once('SIGTERM', handle);
}
