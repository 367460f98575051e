// ttl, autoRemove, autoRemoveInterval (and the removed createAutoRemoveIdx): checked and resolved once.
import { checkOptions, numberIn, oneOf, optional, type Check, type Rules } from '../option-checks';

export type AutoRemove = 'native' | 'interval' | 'disabled';

export interface ExpiryOptions {
  /** Seconds a session lives when its cookie has no expiry. Default 1209600 (14 days). */
  ttl?: number;
  /** 'native' (default): MongoDB's TTL index; 'interval': the store deletes; 'disabled': nobody does. */
  autoRemove?: AutoRemove;
  /** Minutes between sweeps with autoRemove 'interval'. Default 10. */
  autoRemoveInterval?: number;
  /** Removed in connect-mongo 4; rejected so that old configurations fail loudly. */
  createAutoRemoveIdx?: boolean;
}

export const DEFAULT_TTL_SECONDS = 1_209_600;
/** connect-mongo's historical limit (2^32 ms, in minutes). */
export const MAX_AUTO_REMOVE_INTERVAL_MINUTES = 71_582;
// Keeps now + ttl inside the range a JavaScript Date (and BSON) can represent.
const MAX_TTL_SECONDS = 8e12;

// Both messages keep connect-mongo's wording, which apps match on.
const removed: Check = () =>
  new TypeError(
    "was removed: options.createAutoRemoveIdx has been reverted to autoRemove and autoRemoveInterval (use `autoRemove`: 'native' | 'interval' | 'disabled')",
  );

const intervalInRange = numberIn(0, MAX_AUTO_REMOVE_INTERVAL_MINUTES, { exclusiveMin: true });
const isIntervalMinutes: Check = (v) => {
  const problem = intervalInRange(v);
  if (problem && typeof v === 'number' && v > MAX_AUTO_REMOVE_INTERVAL_MINUTES) {
    problem.message += ': autoRemoveInterval is too large. options.autoRemoveInterval is in minutes but not seconds nor mills';
  }
  return problem;
};

const rules: Rules = {
  createAutoRemoveIdx: (v) => (v === undefined || v === null ? null : removed(v)),
  ttl: optional(numberIn(0, MAX_TTL_SECONDS, { exclusiveMin: true })),
  autoRemove: optional(oneOf('native', 'interval', 'disabled')),
  autoRemoveInterval: optional(isIntervalMinutes),
};

export interface ResolvedExpiryOptions {
  ttlSeconds: number;
  autoRemove: AutoRemove;
  intervalMs: number;
}

export function resolveExpiryOptions(options: ExpiryOptions): ResolvedExpiryOptions {
  checkOptions(rules, options as Record<string, unknown>);
  return {
    ttlSeconds: options.ttl ?? DEFAULT_TTL_SECONDS,
    autoRemove: options.autoRemove ?? 'native',
    intervalMs: (options.autoRemoveInterval ?? 10) * 60_000,
  };
}
