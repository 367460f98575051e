// ttl, autoRemove, autoRemoveInterval (and the removed createAutoRemoveIdx), and the opt-in lifetime
// controls maxLifetime, destroyGrace and disableTouch: checked and resolved once.
import type { SessionData } from 'express-session';
import { checkOptions, isBoolean, numberIn, oneOf, optional, type Check, type Rules } from '../option-checks';

/**
 * Seconds a session may live, decided per session (e.g. "remember me"); 0 or less destroys it. `session` has
 * the app's session type, as in the `userId` option.
 */
export type TtlFunction<T = SessionData> = (session: T, sid: string) => number;

export type AutoRemove = 'native' | 'interval' | 'disabled';

export interface ExpiryOptions<T = SessionData> {
  /**
   * Seconds a session lives when its cookie has no expiry. Default 1209600 (14 days). A function decides
   * per session and wins over the cookie's expiry; a result of 0 or less destroys the session.
   */
  ttl?: number | TtlFunction<T>;
  /** 'native' (default): MongoDB's TTL index; 'interval': the store deletes; 'disabled': nobody does. */
  autoRemove?: AutoRemove;
  /** Minutes between sweeps with autoRemove 'interval'. Default 10. */
  autoRemoveInterval?: number;
  /** Removed in connect-mongo 4; rejected so that old configurations fail loudly. */
  createAutoRemoveIdx?: boolean;
  /** Seconds a session may live since its creation, however active it is. Off by default. */
  maxLifetime?: number;
  /** Seconds during which a destroyed session's id refuses late writes (a tombstone). Off by default. */
  destroyGrace?: number;
  /** touch() writes nothing and emits nothing (wins over touchAfter). Default false. */
  disableTouch?: boolean;
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
  ttl: optional((v) => (typeof v === 'function' ? null : numberIn(0, MAX_TTL_SECONDS, { exclusiveMin: true })(v))),
  autoRemove: optional(oneOf('native', 'interval', 'disabled')),
  autoRemoveInterval: optional(isIntervalMinutes),
  maxLifetime: optional(numberIn(0, MAX_TTL_SECONDS, { exclusiveMin: true })),
  destroyGrace: optional(numberIn(0, MAX_TTL_SECONDS, { exclusiveMin: true })),
  disableTouch: optional(isBoolean),
};

export interface ResolvedExpiryOptions {
  ttlSeconds: number;
  ttlFunction: TtlFunction<unknown> | undefined;
  autoRemove: AutoRemove;
  intervalMs: number;
  /** 0 when off. */
  maxLifetimeMs: number;
  /** 0 when off. */
  destroyGraceMs: number;
  disableTouch: boolean;
}

export function resolveExpiryOptions<T>(options: ExpiryOptions<T>): ResolvedExpiryOptions {
  checkOptions(rules, options as Record<string, unknown>);
  return {
    ttlSeconds: typeof options.ttl === 'number' ? options.ttl : DEFAULT_TTL_SECONDS,
    // Called with the session express-session hands to set() and touch(), which has the app's type.
    ttlFunction: typeof options.ttl === 'function' ? (options.ttl as TtlFunction<unknown>) : undefined,
    autoRemove: options.autoRemove ?? 'native',
    intervalMs: (options.autoRemoveInterval ?? 10) * 60_000,
    maxLifetimeMs: (options.maxLifetime ?? 0) * 1000,
    destroyGraceMs: (options.destroyGrace ?? 0) * 1000,
    disableTouch: options.disableTouch ?? false,
  };
}
