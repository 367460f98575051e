// Realistic ~1 KB session: an express-session Cookie plus the kind of data apps keep.
import { Cookie } from 'express-session';
import { randomBytes } from 'node:crypto';

export function newSid(): string {
  // express-session's default genid is uid-safe(24): 32 base64url characters.
  return randomBytes(24).toString('base64url');
}

export function makeSession(i: number): Record<string, unknown> & { cookie: Cookie } {
  // The type declares no argument, but express-session's Cookie takes its options.
  const cookie: Cookie = new (Cookie as unknown as new (o: object) => Cookie)({ maxAge: 24 * 3600 * 1000, httpOnly: true, path: '/', sameSite: 'lax' });
  return {
    cookie,
    user: {
      id: `64b7f${i.toString(16).padStart(19, '0')}`,
      name: `User Number ${i}`,
      email: `user${i}@example.com`,
      roles: ['customer', 'newsletter'],
      locale: 'en-GB',
      timezone: 'Europe/London',
    },
    csrfSecret: randomBytes(18).toString('base64url'),
    cart: {
      currency: 'EUR',
      items: [
        { sku: 'SKU-10293', name: 'Espresso beans 1kg', qty: 2, price: 24.9 },
        { sku: 'SKU-55120', name: 'Ceramic pour-over dripper', qty: 1, price: 31.5 },
        { sku: 'SKU-77310', name: 'Paper filters (100)', qty: 3, price: 4.2 },
      ],
      coupon: null,
      updatedAt: '2025-01-14T10:22:31.000Z',
    },
    flash: { info: ['Your basket was saved.'] },
    preferences: { theme: 'dark', newsletter: true, currency: 'EUR', lastCategory: 'coffee/equipment' },
    returnTo: '/checkout/shipping?step=2&source=cart',
    history: ['/', '/shop/coffee', '/shop/coffee/espresso', '/shop/equipment', '/cart'],
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    views: i,
    lastSeen: 1736850000000 + i,
  };
}

/** The session a returning visitor saves: same shape, one field changed. */
export function touchUp(s: Record<string, unknown>): Record<string, unknown> {
  return { ...s, views: ((s.views as number) ?? 0) + 1, lastSeen: Date.now() };
}

/** A session grown to about `bytes` of JSON with more of what sessions hold (history entries, cart lines). */
export function sizedSession(i: number, bytes: number): Record<string, unknown> & { cookie: Cookie } {
  const s = makeSession(i);
  const base = JSON.stringify(s).length;
  if (bytes <= base) return s;
  const item = (k: number) => ({ at: 1736850000000 + k, path: `/shop/item/${k}`, sku: `SKU-${10000 + k}`, qty: (k % 4) + 1 });
  const itemBytes = JSON.stringify(item(0)).length + 1;
  s.recent = Array.from({ length: Math.max(1, Math.round((bytes - base - 12) / itemBytes)) }, (_, k) => item(k));
  return s;
}
