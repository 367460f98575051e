// Everything about when a session stops existing: ttl, autoRemove, autoRemoveInterval, the `expires`
// date of each document, the "not expired" filter every read uses, the TTL index and the sweep timer.
import Debug from 'debug';
import type { Collection, Document, Filter } from 'mongodb';
import { checkOptions, numberIn, oneOf, optional, type Check, type Rules } from './option-checks';

const debug = Debug('connect-mongo');

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
/** Node's timers overflow above this and fire after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;
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

type LiveFilter = { $or: [{ expires: { $exists: false } }, { expires: { $gt: Date } }] };

interface CookieLike {
  expires?: unknown;
  maxAge?: unknown;
}

export class ExpiryManager {
  readonly ttlSeconds: number;
  readonly autoRemove: AutoRemove;
  readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private timerDelayMs: number | undefined;
  private stopped = false;

  constructor(options: ExpiryOptions) {
    checkOptions(rules, options as Record<string, unknown>);
    this.ttlSeconds = options.ttl ?? DEFAULT_TTL_SECONDS;
    this.autoRemove = options.autoRemove ?? 'native';
    this.intervalMs = (options.autoRemoveInterval ?? 10) * 60_000;
  }

  /** The cookie's own expiry wins over ttl, so the document lives exactly as long as the cookie. */
  expiresFor(session: { cookie?: unknown } | null | undefined, now: Date): Date {
    const cookie = session?.cookie as CookieLike | undefined;
    if (cookie?.expires) {
      const expires = new Date(cookie.expires as string | number | Date);
      if (!Number.isNaN(expires.getTime())) return expires;
    }
    // A plain-object cookie may carry only maxAge (express-session's Cookie always sets expires with it).
    if (typeof cookie?.maxAge === 'number' && Number.isFinite(cookie.maxAge)) {
      return new Date(now.getTime() + cookie.maxAge);
    }
    return new Date(now.getTime() + this.ttlSeconds * 1000);
  }

  /** Matches documents that are not expired, so reads never depend on the TTL monitor having run. */
  liveFilter(now: Date): LiveFilter {
    return { $or: [{ expires: { $exists: false } }, { expires: { $gt: now } }] };
  }

  /**
   * liveFilter() evaluated on a fetched document: `expires` absent, or a Date after `now` (a `$gt` with a
   * Date only ever matches Dates, so null or any other type is not live).
   */
  isLive(doc: { expires?: unknown }, now: Date): boolean {
    if (!('expires' in doc)) return true;
    const { expires } = doc;
    return expires instanceof Date && expires.getTime() > now.getTime();
  }

  /** Creates the TTL index for autoRemove 'native'; rejects on failure (the store reports it). */
  async prepareCollection<D extends Document>(collection: Collection<D>): Promise<void> {
    if (this.autoRemove !== 'native') return;
    debug('creating TTL index expires_1');
    await collection.createIndex({ expires: 1 }, { expireAfterSeconds: 0 });
  }

  /** Deletes expired sessions, unacknowledged: nobody waits for a sweep. */
  async removeExpired<D extends Document>(collection: Collection<D>): Promise<void> {
    await collection.deleteMany({ expires: { $lt: new Date() } } as unknown as Filter<D>, { writeConcern: { w: 0 } });
  }

  /**
   * For autoRemove 'interval': runs `sweep` every autoRemoveInterval on an unref'd setInterval, as
   * connect-mongo does. Periods beyond Node's timer limit (which would fire after 1 ms) are chained
   * from shorter timeouts instead.
   */
  startSweeping(sweep: () => Promise<void>): void {
    if (this.autoRemove !== 'interval' || this.stopped) return;
    debug('sweeping expired sessions every %d ms', this.intervalMs);
    if (this.intervalMs <= MAX_TIMER_MS) {
      this.timer = setInterval(() => void sweep(), this.intervalMs);
      this.timerDelayMs = this.intervalMs;
      this.timer.unref();
      return;
    }
    this.chainTimeouts(sweep, this.intervalMs);
  }

  private chainTimeouts(sweep: () => Promise<void>, remaining: number): void {
    const delay = Math.min(remaining, MAX_TIMER_MS);
    this.timerDelayMs = delay;
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      if (remaining > delay) return this.chainTimeouts(sweep, remaining - delay);
      const next = () => !this.stopped && this.chainTimeouts(sweep, this.intervalMs);
      sweep().then(next, next);
    }, delay);
    this.timer.unref();
  }

  /** The delay of the timer currently scheduled, for diagnostics and tests. */
  get scheduledDelayMs(): number | undefined {
    return this.timer ? this.timerDelayMs : undefined;
  }

  stop(): void {
    this.stopped = true;
    // clearInterval and clearTimeout are interchangeable in Node; the name says which one is usual here.
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
