// The one interface the store encrypts and decrypts through. Our adapters are built on it: their public
// encrypt() and decrypt() (promises, as connect-mongo's) call the very functions the store calls, so a
// breakpoint in an adapter's decrypt stops every decryption. An app's adapter is wrapped into it as it is.
//
// Maybe<T>: a value now, or a promise of it. Our adapters encrypt and decrypt at once once their keys are
// derived, so a read or a write spends no promise on them; while a key is being derived, or with an app's
// adapter, the same functions return a promise. There is one path either way: these helpers continue at
// once or later.
import type { KeyObject } from 'node:crypto';
import type { CryptoAdapter, CryptoContext } from './types';

export type Maybe<T> = T | Promise<T>;

/** `next(value)`: at once when `value` is no promise, else once it resolves. */
export function andThen<T, R>(value: Maybe<T>, next: (value: T) => Maybe<R>): Maybe<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** `run()`, with what it throws or rejects with handed to `fail`. */
export function attempt<T>(run: () => Maybe<T>, fail: (err: unknown) => Maybe<T>): Maybe<T> {
  let value: Maybe<T>;
  try {
    value = run();
  } catch (err) {
    return fail(err);
  }
  return value instanceof Promise ? value.catch(fail) : value;
}

/**
 * What `open` makes of the first of `count` keys that opens a value, tried in order (a key that throws
 * goes on to the next); `none(first error)` when none does. At once while the keys are derived; from the
 * first key still being derived on, a promise.
 */
export function firstToOpen<R>(
  count: number,
  keyAt: (i: number) => Maybe<KeyObject>,
  open: (key: KeyObject, i: number) => R,
  none: (firstError: unknown) => Maybe<R>,
  from = 0,
  firstError?: unknown,
): Maybe<R> {
  for (let i = from; i < count; i++) {
    const key = keyAt(i);
    if (key instanceof Promise) return openOnceDerived(count, keyAt, open, none, i, key, firstError);
    try {
      return open(key, i);
    } catch (err) {
      firstError ??= err;
    }
  }
  return none(firstError);
}

async function openOnceDerived<R>(
  count: number,
  keyAt: (i: number) => Maybe<KeyObject>,
  open: (key: KeyObject, i: number) => R,
  none: (firstError: unknown) => Maybe<R>,
  i: number,
  key: Promise<KeyObject>,
  firstError: unknown,
): Promise<R> {
  try {
    return open(await key, i);
  } catch (err) {
    firstError ??= err;
  }
  return firstToOpen(count, keyAt, open, none, i + 1, firstError);
}

/** A decrypted value, and which secret opened it (0: the newest). */
export interface Decryption {
  plaintext: string;
  keyIndex: number;
  /** Written in a format older than the one the adapter writes. With keyIndex > 0: "re-encrypt me". */
  outdated?: boolean;
}

export type AdapterStats = { keyDerivations: number; cachedKeys: number };

export interface SessionCipher {
  /** A value at once when the key is derived; else a promise. Throws (or rejects) on bad input. */
  encrypt(plaintext: string, context?: CryptoContext): Maybe<string>;
  /** A value at once when the keys are derived; else a promise. Throws (or rejects) when nothing opens it. */
  decrypt(ciphertext: string, context?: CryptoContext): Maybe<Decryption>;
  /** Ours only: whether the context's id is bound into the ciphertext. Undefined: an app's adapter, unknown. */
  readonly bindsContext?: boolean;
  /**
   * Ours only, for a CBC format: what lets whoever can write the collection alter its records without the
   * secret (kruptein's HMAC leaves the IV out; WebCrypto AES-CBC has no MAC at all). The store warns once.
   */
  readonly alterable?: { cipher: string; because: string };
  /** Ours only: PBKDF2 derivations run and keys held (see cryptoAdapterStats). */
  stats?(): AdapterStats;
}

const CIPHER = Symbol('connect-mongo-next cipher');

/** An adapter created here: connect-mongo's two async methods, over the cipher the store uses directly. */
export type OwnAdapter = CryptoAdapter & { readonly [CIPHER]: SessionCipher };

/** connect-mongo's adapter shape over `cipher`; the cipher is a non-enumerable property (the object shows only its two methods). */
export function ownAdapter(cipher: SessionCipher): OwnAdapter {
  const adapter: CryptoAdapter = {
    async encrypt(plaintext: string, context?: CryptoContext): Promise<string> {
      return cipher.encrypt(plaintext, context);
    },
    async decrypt(ciphertext: string, context?: CryptoContext): Promise<string> {
      return (await cipher.decrypt(ciphertext, context)).plaintext;
    },
  };
  return Object.defineProperty(adapter, CIPHER, { value: cipher }) as OwnAdapter;
}

/** Whether the adapter was created here (copies and wrappers of ours are an app's adapters). */
export function isOwn(adapter: CryptoAdapter): adapter is OwnAdapter {
  return Object.prototype.hasOwnProperty.call(adapter, CIPHER);
}

/** What the store calls: ours as it is; an app's adapter through its own two methods, always a promise. */
export function cipherOf(adapter: CryptoAdapter): SessionCipher {
  if (isOwn(adapter)) return adapter[CIPHER];
  return {
    // Called with one argument when there is no context, as connect-mongo calls them.
    encrypt: (plaintext, context) => (context ? adapter.encrypt(plaintext, context) : adapter.encrypt(plaintext)),
    async decrypt(ciphertext, context) {
      const plaintext = await (context ? adapter.decrypt(ciphertext, context) : adapter.decrypt(ciphertext));
      return { plaintext, keyIndex: 0 };
    },
  };
}

/**
 * How many PBKDF2 derivations an adapter created here has run, and how many derived keys it holds.
 * Internal diagnostic (not re-exported from the package entry): lets tests check "one derivation per
 * salt" through observable state instead of timing or mocks. Undefined for an app's adapter.
 */
export function cryptoAdapterStats(adapter: CryptoAdapter): AdapterStats | undefined {
  return isOwn(adapter) ? adapter[CIPHER].stats?.() : undefined;
}
