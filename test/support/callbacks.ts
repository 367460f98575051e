// Counting callbacks (each must run exactly once) and running many calls with bounded concurrency.
import type { MongoStore } from '../../src/index';

export interface CallRecord {
  method: string;
  calls: number;
  args: unknown[][];
}

/**
 * Wraps every callback-taking store method so each call records how often its callback ran. express-session
 * calls get/set/touch/destroy with callbacks; `pending()` lists calls that never called back.
 */
export function countCallbacks(store: MongoStore) {
  const records: CallRecord[] = [];
  const target = store as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const method of ['get', 'set', 'touch', 'destroy', 'all', 'length', 'clear']) {
    const original = target[method].bind(store);
    target[method] = (...args: unknown[]) => {
      const last = args[args.length - 1];
      if (typeof last !== 'function') return original(...args);
      const record: CallRecord = { method, calls: 0, args: [] };
      records.push(record);
      const cb = last as (...a: unknown[]) => unknown;
      return original(...args.slice(0, -1), (...cbArgs: unknown[]) => {
        record.calls += 1;
        record.args.push(cbArgs);
        return cb(...cbArgs);
      });
    };
  }
  return {
    records,
    pending: () => records.filter((r) => r.calls === 0),
    repeated: () => records.filter((r) => r.calls > 1),
  };
}

/** A callback that counts its calls and resolves `first` with the arguments of the first one. */
export function onceCallback<A extends unknown[] = unknown[]>() {
  let resolve!: (args: A) => void;
  const first = new Promise<A>((r) => (resolve = r));
  const state = {
    calls: 0,
    first,
    cb: (...args: A) => {
      state.calls += 1;
      if (state.calls === 1) resolve(args);
    },
  };
  return state;
}

/** Runs `tasks` with at most `width` in flight at once. */
export async function pool<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}
