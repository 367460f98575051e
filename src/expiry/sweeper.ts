// Who deletes expired sessions (autoRemove): MongoDB, through the TTL index this creates ('native'), the
// store on a timer ('interval'), or nobody ('disabled').
import type { Collection, Document, Filter } from 'mongodb';
import { debug } from '../debug';
import type { ResolvedExpiryOptions } from './options';

/** Node's timers overflow above this and fire after 1 ms instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Sweeper {
  private timer: NodeJS.Timeout | undefined;
  private timerDelayMs: number | undefined;
  private stopped = false;

  constructor(readonly options: ResolvedExpiryOptions) {}

  /** Creates the TTL index for autoRemove 'native'; rejects on failure (the store reports it). */
  async ensureTtlIndex<D extends Document>(collection: Collection<D>): Promise<void> {
    if (this.options.autoRemove !== 'native') return;
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
  start(sweep: () => Promise<void>): void {
    if (this.options.autoRemove !== 'interval' || this.stopped) return;
    debug('sweeping expired sessions every %d ms', this.options.intervalMs);
    if (this.options.intervalMs <= MAX_TIMER_MS) {
      this.timer = setInterval(() => void sweep(), this.options.intervalMs);
      this.timerDelayMs = this.options.intervalMs;
      this.timer.unref();
      return;
    }
    this.chainTimeouts(sweep, this.options.intervalMs);
  }

  private chainTimeouts(sweep: () => Promise<void>, remaining: number): void {
    const delay = Math.min(remaining, MAX_TIMER_MS);
    this.timerDelayMs = delay;
    this.timer = setTimeout(() => {
      if (this.stopped) return;
      if (remaining > delay) return this.chainTimeouts(sweep, remaining - delay);
      const next = () => !this.stopped && this.chainTimeouts(sweep, this.options.intervalMs);
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
