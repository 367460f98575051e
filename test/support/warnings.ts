// Process warnings a test provokes on purpose: collected for the test to judge, and kept out of the run's
// output (a passing run prints no warnings).

/**
 * The process warnings emitted while fn runs (one turn after it included: Node emits them on a later tick).
 * Node's own listener, which prints them, is detached meanwhile and put back after.
 */
export async function captureWarnings(fn: () => unknown): Promise<Array<Error & { code?: string }>> {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  const seen: Array<Error & { code?: string }> = [];
  const listener = (warning: Error) => seen.push(warning);
  process.on('warning', listener);
  try {
    await fn();
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', listener);
    for (const printer of printers) process.on('warning', printer);
  }
  return seen;
}
