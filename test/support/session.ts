// Sessions as express-session hands them to a store, and unique session ids.
import session from 'express-session';

export const HOUR = 60 * 60 * 1000;

// @types/express-session declares no constructor arguments; the real Cookie takes the cookie options.
const CookieWithOptions = session.Cookie as unknown as new (options: session.CookieOptions) => session.Cookie & {
  toJSON(): Record<string, unknown>;
};

/**
 * A session as express-session hands it to a store: a real Cookie (path '/', httpOnly, `maxAge` ms from now;
 * null: no expiry, a browser-session cookie), plus data.
 */
export function makeSession<D extends object>(data: D = {} as D, maxAge: number | null = HOUR) {
  const cookie = new CookieWithOptions({ maxAge: maxAge ?? undefined, httpOnly: true, path: '/' });
  return { cookie, ...data } as unknown as session.SessionData & D & { cookie: typeof cookie };
}

/** What the session looks like after a JSON round trip (the cookie's expires becomes a string). */
export function asJson<S>(s: S): unknown {
  return JSON.parse(JSON.stringify(s));
}

let counter = 0;
/** A session id no other test uses. */
export function sid(prefix = 'sid'): string {
  counter += 1;
  return `${prefix}-${counter}-${Math.random().toString(36).slice(2, 10)}`;
}
