// Process warnings in tests. Test workers run with --no-warnings (vitest.config.ts), so Node prints none
// itself; this setup file records each one instead. A test that expects a warning takes it with
// takeWarnings() and asserts it; a file that provokes one on purpose in many tests says so once with
// allowWarnings(). Whatever is left at the end of a test is printed, naming the test, as Node would have
// printed it: a passing run shows no warning, and scripts/test.sh fails a run that shows one.
import { afterAll, afterEach, expect } from 'vitest';

export type ProcessWarning = Error & { code?: string; detail?: string };

let pending: Array<{ warning: ProcessWarning; test: string | undefined }> = [];
const allowed = new Set<string>();
const waiting: Array<{ code: string; resolve: (warning: ProcessWarning) => void }> = [];

process.on('warning', (warning: ProcessWarning) => {
  if (warning.code && allowed.has(warning.code)) return;
  const waiter = waiting.find(({ code }) => code === warning.code);
  if (waiter) return void waiting.splice(waiting.indexOf(waiter), 1)[0].resolve(warning);
  pending.push({ warning, test: expect.getState().currentTestName });
});

/** The next warning with `code` (or one already recorded), taken. */
export function nextWarning(code: string): Promise<ProcessWarning> {
  const [recorded] = takeWarnings(code);
  if (recorded) return Promise.resolve(recorded);
  return new Promise((resolve) => waiting.push({ code, resolve }));
}

function take(code?: string): typeof pending {
  const taken = pending.filter(({ warning }) => code === undefined || warning.code === code);
  pending = pending.filter((entry) => !taken.includes(entry));
  return taken;
}

/** Removes and returns the warnings recorded so far (those with `code`, if given), oldest first. */
export function takeWarnings(code?: string): ProcessWarning[] {
  return take(code).map(({ warning }) => warning);
}

/** The warnings `fn` causes (Node emits them on a later tick, which this waits for). */
export async function warningsFrom(fn: () => unknown, code?: string): Promise<ProcessWarning[]> {
  await fn();
  await new Promise((resolve) => setImmediate(resolve));
  return takeWarnings(code);
}

/** For the rest of this test file, warnings with `code` are expected and not printed. `why` is for the reader. */
export function allowWarnings(code: string, why: string): void {
  void why;
  allowed.add(code);
}

function printLeftOver(): void {
  for (const { warning, test } of take()) {
    const code = warning.code ? `[${warning.code}] ` : '';
    const detail = warning.detail ? `\n${warning.detail}` : '';
    console.error(`(node:${process.pid}) ${code}${warning.name}: ${warning.message}${detail}\n  (emitted during: ${test ?? 'no test'})`);
  }
}
afterEach(printLeftOver);
afterAll(printLeftOver);
