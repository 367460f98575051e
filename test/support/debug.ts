// connect-mongo's debug output (the `debug` package), captured instead of printed.
import { format } from 'node:util';
import Debug from 'debug';

export interface DebugCapture {
  /** Every line printed since the capture started. */
  lines: string[];
  /** Puts back the previous logger and enabled namespaces. */
  restore(): void;
}

/** Captures what the `namespaces` print until restore(). */
export function captureDebug(namespaces = 'connect-mongo'): DebugCapture {
  const lines: string[] = [];
  const savedLog = Debug.log;
  const savedNamespaces = Debug.disable();
  Debug.log = (...args: unknown[]) => void lines.push(format(...args));
  Debug.enable(namespaces);
  return {
    lines,
    restore() {
      Debug.log = savedLog;
      Debug.disable();
      if (savedNamespaces) Debug.enable(savedNamespaces);
    },
  };
}

/** Runs fn with connect-mongo's debug output captured, and returns that output. */
export async function debugOutput(fn: () => Promise<void>, namespaces = 'connect-mongo'): Promise<string> {
  const capture = captureDebug(namespaces);
  try {
    await fn();
  } finally {
    capture.restore();
  }
  return capture.lines.join('\n');
}
