// Cookies as a browser keeps them: Set-Cookie parsing, express-session's signed session id, and a jar.

/** express-session's cookie name. */
export const COOKIE_NAME = 'connect.sid';

export interface SetCookie {
  name: string;
  /** As sent (still URI-encoded). */
  value: string;
  /** `name=value`, ready for a Cookie header. */
  pair: string;
  expires: Date | null;
}

/** One Set-Cookie header line. */
export function parseSetCookie(line: string): SetCookie {
  const [pair, ...attributes] = line.split(/;\s*/);
  const eq = pair.indexOf('=');
  const expiresAttr = attributes.find((a) => /^expires=/i.test(a));
  return {
    name: pair.slice(0, eq).trim(),
    value: pair.slice(eq + 1).trim(),
    pair,
    expires: expiresAttr ? new Date(expiresAttr.slice('expires='.length)) : null,
  };
}

/** The session id in express-session's signed cookie value ("s:" + sid + "." + signature), or undefined. */
export function signedSid(value: string | undefined): string | undefined {
  const decoded = value === undefined ? undefined : decodeURIComponent(value);
  return decoded?.startsWith('s:') ? decoded.slice(2, decoded.lastIndexOf('.')) : undefined;
}

export interface SessionCookie {
  /** `connect.sid=...`, ready for a Cookie header. */
  pair: string;
  /** The session id the signed cookie carries. */
  sid: string;
  expires: Date | null;
}

/** The session cookie a (supertest) response sets, or null when it sets none. */
export function sessionCookie(res: { headers: Record<string, unknown> }): SessionCookie | null {
  const header = res.headers['set-cookie'];
  const all = Array.isArray(header) ? (header as string[]) : typeof header === 'string' ? [header] : [];
  const line = all.find((c) => c.startsWith(`${COOKIE_NAME}=`));
  if (!line) return null;
  const { pair, value, expires } = parseSetCookie(line);
  const sid = signedSid(value);
  if (sid === undefined) throw new Error(`unsigned session cookie: ${line}`);
  return { pair, sid, expires };
}

/** A minimal cookie jar over fetch: keeps name=value pairs from Set-Cookie and sends them back. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.header;
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const { name, value } = parseSetCookie(line);
      this.cookies.set(name, value);
    }
    return response;
  }

  async json<T = Record<string, unknown>>(url: string, init?: RequestInit): Promise<T> {
    const response = await this.fetch(url, init);
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** The Cookie header the jar sends (undefined when empty); setting it replaces every cookie. */
  get header(): string | undefined {
    return this.cookies.size ? [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
  }

  set header(value: string | undefined) {
    this.cookies.clear();
    for (const pair of value ? value.split(/;\s*/) : []) {
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  /** One cookie's value, as sent. */
  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  get size(): number {
    return this.cookies.size;
  }
}
