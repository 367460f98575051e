// One per-test cleanup list: whatever a test opens (stores, clients, servers, MongoDB processes) is
// registered here and closed after that test, last opened first, failures ignored.
import { afterEach } from 'vitest';

const closers: Array<() => Promise<unknown> | unknown> = [];

afterEach(async () => {
  const pending = closers.splice(0).reverse();
  for (const close of pending) await Promise.resolve().then(close).catch(() => {});
});

/** Registers something to close after the current test (closed in reverse order of registration). */
export function onCleanup(close: () => Promise<unknown> | unknown): void {
  closers.push(close);
}
