// Pieces of the JSON records that connect-mongo 3 and kruptein 2 stored.
import type { KrupteinConfig } from '../kruptein';

/** JSON.parse that reports failure as undefined. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Node's JSON form of a Buffer ({"type":"Buffer","data":[…]}) with `min`..`max` bytes, or undefined. */
export function bufferOf(json: unknown, min: number, max: number): Buffer | undefined {
  const { type, data } = (typeof json === 'object' && json !== null ? json : {}) as { type?: unknown; data?: unknown };
  if (type !== 'Buffer' || !Array.isArray(data) || data.length < min || data.length > max) return undefined;
  if (!data.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) return undefined;
  return Buffer.from(data as number[]);
}

/** The encoding of a digest's text: hex or base64 when it has their exact shape, else the configured one. */
export function encodingOf(digestText: string, c: KrupteinConfig): BufferEncoding {
  if (digestText.length === 2 * c.digestLength && /^[0-9a-f]+$/.test(digestText)) return 'hex';
  if (digestText.length === 4 * Math.ceil(c.digestLength / 3) && /^[A-Za-z0-9+/]+={0,2}$/.test(digestText)) return 'base64';
  return c.enc;
}
