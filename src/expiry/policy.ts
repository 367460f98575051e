// When a session stops existing: the `expires` date of each document, and the "still live" test every read
// applies (with the opt-in controls/max-lifetime.ts and controls/tombstones.ts). Pure: no I/O, no timers.
import type { Filter } from 'mongodb';
import type { SessionDocument } from '../document/types';
import type { ResolvedExpiryOptions } from './options';
import { optionError } from '../errors';
import { MaxLifetime } from '../controls/max-lifetime';
import { NO_TOMBSTONE, Tombstones, isTombstone, type Tombstone } from '../controls/tombstones';

interface CookieLike {
  expires?: unknown;
  maxAge?: unknown;
}

type LiveFilter = Filter<SessionDocument>;

export class ExpiryPolicy {
  readonly maxLifetime: MaxLifetime;
  readonly tombstones: Tombstones;

  constructor(private readonly options: ResolvedExpiryOptions) {
    this.maxLifetime = new MaxLifetime(options.maxLifetimeMs);
    this.tombstones = new Tombstones(options.destroyGraceMs);
  }

  /**
   * When the document expires; null when a ttl function says the session must go. The cookie's own
   * expiry wins over a numeric ttl, so the document lives exactly as long as the cookie.
   */
  expiresFor(session: unknown, now: Date, sid: string): Date | null {
    const expires = this.uncapped(session, now, sid);
    return expires && this.maxLifetime.cap(expires, now);
  }

  private uncapped(session: unknown, now: Date, sid: string): Date | null {
    if (this.options.ttlFunction) return this.fromTtlFunction(session, now, sid);
    const cookie = (session as { cookie?: unknown } | null | undefined)?.cookie as CookieLike | undefined;
    if (cookie?.expires) {
      const expires = new Date(cookie.expires as string | number | Date);
      if (!Number.isNaN(expires.getTime())) return expires;
    }
    // A plain-object cookie may carry only maxAge (express-session's Cookie always sets expires with it).
    if (typeof cookie?.maxAge === 'number' && Number.isFinite(cookie.maxAge)) {
      return new Date(now.getTime() + cookie.maxAge);
    }
    return new Date(now.getTime() + this.options.ttlSeconds * 1000);
  }

  private fromTtlFunction(session: unknown, now: Date, sid: string): Date | null {
    const seconds = this.options.ttlFunction!(session, sid);
    if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
      throw optionError(`connect-mongo: option \`ttl\` returned ${String(seconds)}; it must return a finite number of seconds`);
    }
    return seconds <= 0 ? null : new Date(now.getTime() + seconds * 1000);
  }

  /** Matches documents that are not expired, so reads never depend on the TTL monitor having run. */
  liveFilter(now: Date): LiveFilter {
    const live: LiveFilter = { $or: [{ expires: { $exists: false } }, { expires: { $gt: now } }], ...NO_TOMBSTONE };
    const young = this.maxLifetime.liveClause(now);
    if (young) live.$and = [young];
    return live;
  }

  /**
   * liveFilter() evaluated on a fetched document: `expires` absent, or a Date after `now` (a `$gt` with a
   * Date only ever matches Dates, so null or any other type is not live).
   */
  isLive(doc: { expires?: unknown; tombstone?: unknown; createdAt?: unknown }, now: Date): boolean {
    if (isTombstone(doc)) return false;
    if (!this.maxLifetime.admits(doc, now)) return false;
    if (!('expires' in doc)) return true;
    const { expires } = doc;
    return expires instanceof Date && expires.getTime() > now.getTime();
  }

  /**
   * The filter set() adds to its upsert: no tombstone (whatever this instance's options), and with maxLifetime a
   * session that has not outlived it. A document it refuses makes the upsert fail with a duplicate key.
   */
  writeGuard(now: Date): LiveFilter {
    const guard: LiveFilter = { ...NO_TOMBSTONE };
    return Object.assign(guard, this.maxLifetime.liveClause(now));
  }

  /** The tombstone that replaces a destroyed session with destroyGrace, or null when that is off. */
  tombstone(now: Date): Tombstone | null {
    return this.tombstones.of(now);
  }

  get touchDisabled(): boolean {
    return this.options.disableTouch;
  }

  get destroyGrace(): boolean {
    return this.tombstones.on;
  }
}
