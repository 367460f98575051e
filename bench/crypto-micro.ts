// Micro-benchmark of the crypto adapters vs connect-mongo 6.0.0's, on a ~1 KB JSON session.
// Run: npx tsx bench/crypto-micro.ts
// Reports wall µs/op (sequential awaits) and CPU µs/op (process.cpuUsage: all threads, so the libuv
// thread-pool work behind crypto.subtle is counted too). Keys are derived before timing starts.
import { createRequire } from 'node:module';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as connectMongo from 'connect-mongo';
import {
  createKrupteinAdapter,
  createWebCryptoAdapter,
  decodeDerOctetSequence,
  encodeDerOctetSequence,
  type CryptoAdapter,
} from '../src/crypto';
import { cipherOf, isOwn } from '../src/crypto/cipher';

const session = JSON.stringify({
  cookie: { originalMaxAge: 1_209_600_000, expires: '2030-01-01T00:00:00.000Z', secure: false, httpOnly: true, path: '/', sameSite: 'lax' },
  user: { id: 'u_4f1c2a', name: 'Zoë Example', email: 'zoe@example.com', roles: ['admin', 'editor', 'viewer'] },
  csrf: randomBytes(24).toString('base64'),
  flash: { info: ['Your changes were saved.'], error: [] },
  returnTo: '/account/settings?tab=security&highlight=two-factor',
  cart: Array.from({ length: 9 }, (_, i) => ({ sku: `SKU-${1000 + i}`, qty: (i % 3) + 1, price: 9.99 + i })),
  prefs: { theme: 'dark', lang: 'fr-FR', tz: 'Europe/Paris' },
  visited: ['/', '/products', '/products/sku-1003', '/cart', '/checkout/address', '/checkout/payment'],
});

type Asn1Builder = { seq(): { obj(...items: unknown[]): void }; key(name: string): { octstr(): unknown } };
type Row = { name: string; wall: number; cpu: number };
const rows: Row[] = [];

async function measure(name: string, n: number, op: (i: number) => Promise<unknown> | unknown) {
  for (let i = 0; i < Math.min(n, 200); i++) await op(i); // warm-up
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await op(i);
  const wall = Number(process.hrtime.bigint() - t0) / 1e3 / n;
  const c = process.cpuUsage(cpu0);
  rows.push({ name, wall, cpu: (c.user + c.system) / n });
}

async function pair(label: string, a: CryptoAdapter, n: number) {
  const stored = await Promise.all(Array.from({ length: 64 }, () => a.encrypt(session)));
  await measure(`${label} encrypt`, n, () => a.encrypt(session));
  await measure(`${label} decrypt`, n, (i) => a.decrypt(stored[i % stored.length]));
  // What the store calls: the same functions, a value instead of a promise once the key exists.
  if (isOwn(a)) {
    const cipher = cipherOf(a);
    await measure(`${label} encrypt, store path`, n, () => cipher.encrypt(session));
    await measure(`${label} decrypt, store path`, n, (i) => cipher.decrypt(stored[i % stored.length]));
  }
}

async function main() {
  console.log(`session: ${Buffer.byteLength(session)} bytes; node ${process.version}`);

  // Baseline: plain node:crypto AES-256-GCM on the same string (timed twice; the first run warms up).
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(session, 'utf8'), c.final()]);
  const tag = c.getAuthTag();
  for (const label of ['warm-up', 'node:crypto aes-256-gcm encrypt (baseline)']) await measure(label, 20_000, () => {
    const x = createCipheriv('aes-256-gcm', key, randomBytes(12));
    return Buffer.concat([x.update(session, 'utf8'), x.final(), x.getAuthTag()]).toString('base64');
  });
  await measure('node:crypto aes-256-gcm decrypt (baseline)', 20_000, () => {
    const x = createDecipheriv('aes-256-gcm', key, iv);
    x.setAuthTag(tag);
    return Buffer.concat([x.update(ct), x.final()]).toString('utf8');
  });

  await pair('ours   WebCrypto AES-GCM', createWebCryptoAdapter({ secret: 'bench-secret' }), 20_000);
  await pair('theirs WebCrypto AES-GCM', connectMongo.createWebCryptoAdapter({ secret: 'bench-secret' }), 5_000);
  await pair('ours   WebCrypto AES-CBC', createWebCryptoAdapter({ secret: 'bench-secret', algorithm: 'AES-CBC' }), 20_000);
  await pair('theirs WebCrypto AES-CBC', connectMongo.createWebCryptoAdapter({ secret: 'bench-secret', algorithm: 'AES-CBC' }), 5_000);
  await pair('ours   kruptein aes-256-gcm', createKrupteinAdapter({ secret: 'bench-secret' }), 20_000);
  await pair('theirs kruptein aes-256-gcm', connectMongo.createKrupteinAdapter({ secret: 'bench-secret' }), 150);
  // Ours reading values connect-mongo wrote: one salt per value, each derived once, then cached.
  const theirK = connectMongo.createKrupteinAdapter({ secret: 'bench-secret' });
  const foreign = await Promise.all(Array.from({ length: 64 }, () => theirK.encrypt(session)));
  const oursK = createKrupteinAdapter({ secret: 'bench-secret' });
  await Promise.all(foreign.map((s) => oursK.decrypt(s)));
  await measure('ours   kruptein decrypt of connect-mongo-written values (keys cached)', 20_000, (i) => oursK.decrypt(foreign[i % 64]));

  // DER codec: hand-written vs asn1.js (kruptein's dependency), kruptein-shaped record.
  const asn1 = createRequire(import.meta.url)('asn1.js');
  const schema = asn1.define('s', function (this: Asn1Builder) {
    this.seq().obj(this.key('ct').octstr(), this.key('hmac').octstr(), this.key('iv').octstr(),
      this.key('salt').octstr(), this.key('at').octstr(), this.key('aad').octstr());
  });
  const fields = [randomBytes(1400), randomBytes(88), randomBytes(12), randomBytes(128), randomBytes(16), randomBytes(88)];
  const obj = { ct: fields[0], hmac: fields[1], iv: fields[2], salt: fields[3], at: fields[4], aad: fields[5] };
  const der = encodeDerOctetSequence(fields);
  await measure('DER encode, hand-written', 50_000, () => encodeDerOctetSequence(fields));
  await measure('DER encode, asn1.js', 20_000, () => schema.encode(obj, 'der'));
  await measure('DER decode, hand-written', 50_000, () => decodeDerOctetSequence(der));
  await measure('DER decode, asn1.js', 20_000, () => schema.decode(der, 'der'));

  rows.splice(rows.findIndex((r) => r.name === 'warm-up'), 1);
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`${'operation'.padEnd(width)}  wall µs/op   CPU µs/op`);
  for (const r of rows) console.log(`${r.name.padEnd(width)}  ${r.wall.toFixed(2).padStart(10)}  ${r.cpu.toFixed(2).padStart(10)}`);
  const get = (name: string) => rows.find((r) => r.name === name)!;
  const ratio = (ours: string, theirs: string) => (get(theirs).cpu / get(ours).cpu).toFixed(1);
  console.log('\nCPU ratio theirs/ours (higher is better for us):');
  for (const op of ['encrypt', 'decrypt']) {
    console.log(`  WebCrypto GCM ${op}: ${ratio(`ours   WebCrypto AES-GCM ${op}`, `theirs WebCrypto AES-GCM ${op}`)}×`);
    console.log(`  WebCrypto CBC ${op}: ${ratio(`ours   WebCrypto AES-CBC ${op}`, `theirs WebCrypto AES-CBC ${op}`)}×`);
    console.log(`  kruptein      ${op}: ${ratio(`ours   kruptein aes-256-gcm ${op}`, `theirs kruptein aes-256-gcm ${op}`)}×`);
  }
}

await main();
