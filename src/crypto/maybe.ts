// A value now, or a promise of it. Our adapters encrypt and decrypt at once once their keys are derived, so a
// read or a write spends no promise on them; while a key is being derived, or with an app's adapter, the
// same functions return a promise. There is one path either way: these helpers continue at once or later.
import type { KeyObject } from 'node:crypto';

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
