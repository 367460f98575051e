// A browser's part in the runtime checks: HTTP requests that keep and send back the cookies the app sets.
// node:http without an agent, so every request has its own connection and nothing keeps the app's server open.
import { request } from 'node:http';
import { parseSetCookie, signedSid } from '../../test/support/cookies';

export interface Reply {
  status: number;
  body: Record<string, unknown>;
}

export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly base: string) {}

  send(method: 'GET' | 'POST', path: string): Promise<Reply> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = request(`${this.base}${path}`, { method, agent: false, headers: cookie ? { cookie } : {} }, (res) => {
        for (const line of res.headers['set-cookie'] ?? []) {
          const { name, value } = parseSetCookie(line);
          this.cookies.set(name, value);
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text}`));
          else resolve({ status: res.statusCode, body: JSON.parse(text) as Record<string, unknown> });
        });
      });
      req.once('error', reject);
      req.end();
    });
  }

  /** The session id of the signed cookie `name`, if the browser holds one. */
  sid(name: string): string | undefined {
    return signedSid(this.cookies.get(name));
  }
}
