// Watching the process for unhandled rejections and uncaught exceptions while a test runs.
import { expect } from 'vitest';
type ProcessEvent = 'unhandledRejection' | 'uncaughtException';

export interface ProcessWatch {
  unhandled: unknown[];
  uncaught: unknown[];
  /** Lets pending rejections surface (two macrotasks), then detaches and puts back what was detached. */
  stop(): Promise<void>;
  /** stop(), then fails the test if anything was collected. */
  expectQuiet(): Promise<void>;
}

/**
 * Collects unhandled rejections and uncaught exceptions until stop(). vitest's own listeners stay, so anything
 * seen also fails the run, except on the events named in `exclusive`: their other listeners are detached while
 * watching, for a test that provokes them on purpose and judges what was collected itself.
 */
export function watchProcess({ exclusive = [] }: { exclusive?: ProcessEvent[] } = {}): ProcessWatch {
  const unhandled: unknown[] = [];
  const uncaught: unknown[] = [];
  const emitter: NodeJS.EventEmitter = process; // one signature for both events
  const detached = exclusive.map((event) => [event, emitter.listeners(event)] as const);
  for (const event of exclusive) emitter.removeAllListeners(event);
  const onRejection = (reason: unknown) => unhandled.push(reason);
  const onException = (err: unknown) => uncaught.push(err);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    unhandled,
    uncaught,
    async stop(): Promise<void> {
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
      for (const [event, listeners] of detached) for (const l of listeners) emitter.on(event, l as (...a: unknown[]) => void);
    },
    async expectQuiet(): Promise<void> {
      await this.stop();
      expect(unhandled).toEqual([]);
      expect(uncaught).toEqual([]);
    },
  };
}

/** Runs fn watching `event` exclusively; returns what it collected there (two macrotasks after fn included). */
async function captureWhile(event: ProcessEvent, fn: () => Promise<void>): Promise<unknown[]> {
  const watch = watchProcess({ exclusive: [event] });
  try {
    await fn();
  } finally {
    await watch.stop();
  }
  return event === 'unhandledRejection' ? watch.unhandled : watch.uncaught;
}

/** Runs fn with uncaught exceptions captured instead of failing the run (for rethrown callback errors). */
export function captureUncaught(fn: () => Promise<void>): Promise<unknown[]> {
  return captureWhile('uncaughtException', fn);
}

/** Collects the unhandled rejections that happen while fn runs (and two macrotasks after). */
export function captureUnhandled(fn: () => Promise<void>): Promise<unknown[]> {
  return captureWhile('unhandledRejection', fn);
}
