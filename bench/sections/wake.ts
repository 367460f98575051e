// What one call costs warm (a tight loop) and right after the process wakes from a 2 ms sleep, the state a
// store's code runs in at concurrency 1 (each operation waits for its round trip). On a VM whose caches are
// cold after every wake, the second figure can be several times the first for any code, crypto or not:
// this puts the encryption overhead measured in flow next to what the same calls cost warm.
import { createCipheriv, createHmac, createSecretKey, randomBytes, type CipherGCM } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKrupteinAdapter, createWebCryptoAdapter } from '../../src/crypto';
import { cipherOf } from '../../src/crypto/cipher';
import { makeSession } from '../lib/session-data';
import { median } from '../lib/stats';
import type { Mode } from '../lib/stores';

export interface WakeCell {
  what: string;
  warmUs: number;
  afterWakeUs: number;
}

function warm(call: () => unknown, n: number): number {
  for (let i = 0; i < n; i++) call();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) call();
  return ((performance.now() - t0) * 1000) / n;
}

async function afterWake(call: () => unknown, n: number): Promise<number> {
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    await sleep(2);
    const t0 = performance.now();
    call();
    us.push((performance.now() - t0) * 1000);
  }
  return median(us);
}

async function cell(what: string, call: () => unknown, quick: boolean): Promise<WakeCell> {
  return { what, warmUs: warm(call, quick ? 500 : 5000), afterWakeUs: await afterWake(call, quick ? 50 : 300) };
}

/**
 * The floor under each format's write: only the OpenSSL calls its encryption cannot do without, on the
 * same session text, with none of the adapter's encoding around them. WebCrypto: one AES-256-GCM
 * encryption. kruptein: the same plus its HMAC-SHA512 over the ciphertext (the AAD costs one call more).
 */
function floorCalls(json: string): [string, () => unknown][] {
  const key = createSecretKey(randomBytes(32));
  const iv = randomBytes(12);
  const aad = randomBytes(64);
  const gcm = (withAad: boolean) => {
    const cipher = createCipheriv('aes-256-gcm', key, iv) as CipherGCM;
    if (withAad) cipher.setAAD(aad);
    const ct = cipher.update(json, 'utf8');
    cipher.final();
    cipher.getAuthTag();
    return ct;
  };
  return [
    ['AES-256-GCM calls alone (floor of a webcrypto write)', () => gcm(false)],
    ['AES-256-GCM + HMAC-SHA512 calls alone (floor of a kruptein write)', () => createHmac('sha512', key).update(gcm(true)).digest()],
  ];
}

/** JSON of the bench session (what a plain get parses), each encrypted mode's own decrypt and encrypt, and the floors. */
export async function runWakeSection(modes: Mode[], quick: boolean): Promise<WakeCell[]> {
  const json = JSON.stringify(makeSession(1));
  const out = [await cell('JSON.parse of the session (plain get)', () => JSON.parse(json), quick)];
  const secret = 'bench secret: correct horse battery staple';
  for (const mode of modes.filter((m) => m !== 'plain')) {
    const adapter = mode === 'kruptein' ? createKrupteinAdapter({ secret }) : createWebCryptoAdapter({ secret });
    await adapter.decrypt(await adapter.encrypt(json)); // derives the key
    const cipher = cipherOf(adapter);
    const sealed = cipher.encrypt(json) as string; // the key is derived: a value, no promise
    out.push(await cell(`${mode} decrypt`, () => cipher.decrypt(sealed), quick));
    out.push(await cell(`${mode} encrypt`, () => cipher.encrypt(json), quick));
  }
  for (const [what, call] of floorCalls(json)) out.push(await cell(what, call, quick));
  return out;
}
