// When a session stops existing: the `expires` date of each document, and the "still live" test every read
// applies. Pure: no I/O, no timers.

type LiveFilter = { $or: [{ expires: { $exists: false } }, { expires: { $gt: Date } }] };

interface CookieLike {
  expires?: unknown;
  maxAge?: unknown;
}

export class ExpiryPolicy {
  constructor(private readonly ttlSeconds: number) {}

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
}
