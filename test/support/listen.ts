// The one way a test serves HTTP: on 127.0.0.1, on a port the system picks, and closed with every
// connection it still has (keep-alive sockets included) so nothing outlives the test.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  server: http.Server;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Closes the server and every connection it still has. */
  close(): Promise<void>;
}

/** Serves `handler` (an Express or Connect app, or a plain listener) on 127.0.0.1 and a free port. */
export async function listen(handler?: http.RequestListener): Promise<Listening> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A local port where nothing listens (a server was there a moment ago): for connections that must fail. */
export async function deadPort(): Promise<number> {
  const probe = await listen();
  await probe.close();
  return probe.port;
}
