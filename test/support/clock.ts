// Waiting for the clock instead of for a number of milliseconds.

/** Resolves once Date.now() is past `since` (a later millisecond), yielding to the event loop meanwhile. */
export async function clockPast(since: number = Date.now()): Promise<void> {
  while (Date.now() <= since) await new Promise((resolve) => setImmediate(resolve));
}
