// What every reader of an older stored format offers once it has recognised a value, and the loop that
// tries each secret's keys on it (as the current format's decryption does).
import type { KeyObject } from 'node:crypto';
import { firstToOpen, type Maybe } from '../cipher';

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

/** The first of the value's keys that opens it: at once while they are derived, else a promise. Throws the first key's error when none does. */
export function openOlder(value: Recognized, secrets: number): Maybe<OlderDetailed> {
  const lookups: { secret: number; lookup: KeyLookup }[] = [];
  for (let i = 0; i < secrets; i++) for (const lookup of value.keys(i)) lookups.push({ secret: i, lookup });
  const open = (key: KeyObject, i: number): OlderDetailed => ({ plaintext: value.open(key), keyIndex: lookups[i].secret, outdated: true });
  return firstToOpen(lookups.length, (i) => lookups[i].lookup(), open, (err) => {
    throw err;
  });
}
