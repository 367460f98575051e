// The bridge between promise-returning internals and connect-mongo's optional callbacks.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Callback<R> = (err: any, result?: R) => void;

/**
 * Calls back exactly once, or returns the promise when there is no callback. A throwing callback is
 * rethrown on the next tick (an uncaught exception, as with any Node callback API) instead of being
 * caught and called a second time with its own error.
 */
export function settle<R>(promise: Promise<R>, callback: Callback<R> | undefined): Promise<R> | undefined {
  if (typeof callback !== 'function') return promise;
  // Module-level helpers, not closures made per call: the build keeps function names (keepNames), which
  // costs a defineProperty for every named closure created.
  promise.then(
    (value) => deliverValue(callback, value),
    (err) => deliverError(callback, err),
  );
  return undefined;
}

function deliverValue<R>(callback: Callback<R>, value: R): void {
  try {
    if (value === undefined) callback(null);
    else callback(null, value);
  } catch (err) {
    process.nextTick(rethrow, err);
  }
}

function deliverError(callback: Callback<never>, err: unknown): void {
  try {
    callback(err);
  } catch (thrown) {
    process.nextTick(rethrow, thrown);
  }
}

function rethrow(err: unknown): never {
  throw err;
}
