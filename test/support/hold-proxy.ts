// A TCP proxy in front of MongoDB that holds back one command until the test releases it: a failpoint that
// blocks until told, on any server. The held message, and whatever its connection sends after it, reach
// MongoDB only after release(); replies and other connections flow freely.
import net from 'node:net';
import { onCleanup } from './cleanup';

const OP_MSG = 2013;

/** The command name of an OP_MSG (the first key of its body section), or undefined. */
function commandName(message: Buffer): string | undefined {
  if (message.readInt32LE(12) !== OP_MSG || message[20] !== 0) return undefined; // kind 0: the body document
  const nameStart = 21 + 4 + 1; // document length, then the first element's type byte
  return message.toString('utf8', nameStart, message.indexOf(0, nameStart));
}

export interface Hold {
  /** Resolves when the held command has reached the proxy (and stopped there). */
  reached: Promise<void>;
  release(): void;
}

export interface HoldProxy {
  /** A mongodb:// URL through the proxy, with `directConnection` so the driver never goes around it. */
  url: string;
  /** Holds the next `command` any connection sends. */
  hold(command: string): Hold;
}

/** The first host:port of a mongodb:// URL. */
export const firstHost = (url: string) => url.replace(/^mongodb:\/\/([^@/]*@)?/, '').split(/[,/?]/)[0];

/** Starts a proxy to `target` (host:port); closed after the test. */
export async function holdProxy(target: string): Promise<HoldProxy> {
  const [host, port] = target.split(':');
  let pending: { command: string; arrive: () => void; gate: Promise<void> } | undefined;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => client.destroy());
      s.on('close', () => (client.destroy(), upstream.destroy()));
    }
    upstream.pipe(client);
    let buffered = Buffer.alloc(0);
    let queue = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.readInt32LE(0) <= buffered.length) {
        const message = buffered.subarray(0, buffered.readInt32LE(0));
        buffered = buffered.subarray(message.length);
        const held = pending && commandName(message) === pending.command ? pending : undefined;
        if (held) {
          pending = undefined;
          held.arrive();
        }
        queue = queue.then(() => held?.gate).then(() => void upstream.write(message));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    url: `mongodb://127.0.0.1:${(server.address() as net.AddressInfo).port}/?directConnection=true`,
    hold(command) {
      let arrive!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((resolve) => (arrive = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      pending = { command, arrive, gate };
      return { reached, release };
    },
  };
}
