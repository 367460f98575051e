// What every reader of an older stored format offers once it has recognised a value, and the loop that
// tries each secret's keys on it (as the current format's decryption does).
import type { KeyObject } from 'node:crypto';

/** A key known now, or one still being derived. */
export type KeyLookup = () => KeyObject | Promise<KeyObject>;

/** One stored value in an older format, parsed. */
export interface Recognized {
  /** The keys secret `i` may have produced for this value, most likely first. */
  keys(i: number): KeyLookup[];
  /** The plaintext as our decrypt() returns it; throws when `key` does not authenticate the value. */
  open(key: KeyObject): string;
}

/** `outdated`: written in an older format, so the store rewrites it (reencryptOnRead, reencryptAll). */
export type OlderDetailed = { plaintext: string; keyIndex: number; outdated: true };

/** undefined while a key it needs is still being derived. */
export function openNow(value: Recognized, secrets: number): OlderDetailed | undefined {
  let first: unknown;
  for (let i = 0; i < secrets; i++) {
    for (const lookup of value.keys(i)) {
      const key = lookup();
      if (key instanceof Promise) return undefined;
      try {
        return { plaintext: value.open(key), keyIndex: i, outdated: true };
      } catch (err) {
        first ??= err;
      }
    }
  }
  throw first;
}

export async function open(value: Recognized, secrets: number): Promise<OlderDetailed> {
  let first: unknown;
  for (let i = 0; i < secrets; i++) {
    for (const lookup of value.keys(i)) {
      try {
        return { plaintext: value.open(await lookup()), keyIndex: i, outdated: true };
      } catch (err) {
        first ??= err;
      }
    }
  }
  throw first;
}
