// One client connection: messages framed off the socket and handled one at a time, in order.
import type net from 'node:net';
import type { ConnState } from './types';
import { MAX_MESSAGE_SIZE } from './wire';

export class Connection {
  readonly state: ConnState;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly socket: net.Socket,
    id: number,
    private readonly handle: (conn: Connection, message: Buffer) => Promise<void>,
  ) {
    this.state = { id, authenticated: new Set(), conversations: new Map() };
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => this.onData(chunk));
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  send(buf: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(buf);
  }

  /**
   * Waits ms, or less if the connection closes or `until` settles first. Whichever ends it, the timer and
   * the 'close' listener go with it: an awaitable hello woken early must leave nothing behind.
   */
  sleep(ms: number, until?: Promise<unknown>): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      let pending = true;
      const done = () => {
        if (!pending) return;
        pending = false;
        clearTimeout(timer);
        this.socket.off('close', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.socket.once('close', done);
      until?.then(done, done);
    });
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= 4) {
      const head = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.chunks = [head];
      const length = head.readInt32LE(0);
      if (length < 16 || length > MAX_MESSAGE_SIZE) {
        this.socket.destroy();
        return;
      }
      if (this.buffered < length) return;
      const message = head.subarray(0, length);
      const rest = head.subarray(length);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      this.queue = this.queue.then(() => this.handle(this, message)).catch(() => {
        this.socket.destroy();
      });
    }
  }
}
