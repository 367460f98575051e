// Table-driven option validation shared by the store's collaborators. Each collaborator keeps its own
// table next to the code that uses those options; this file only holds the generic checks, so that every
// bad option fails in the constructor with a TypeError/RangeError that names it, and the typo matching
// that points an unknown option at the known one it resembles.
import { optionError } from './errors';

/** Returns null when the value is fine, otherwise the error to throw (without the option name). */
export type Check = (value: unknown) => TypeError | RangeError | null;

export type Rules = Record<string, Check>;

const type = (expected: string) => new TypeError(`must be ${expected}`);

/** Every check treats `undefined` as "not given": defaults are applied by the collaborator. */
export const optional =
  (check: Check): Check =>
  (value) =>
    value === undefined ? null : check(value);

export const isString: Check = (v) => (typeof v === 'string' && v.length > 0 ? null : type('a non-empty string'));

export const isBoolean: Check = (v) => (typeof v === 'boolean' ? null : type('a boolean'));

export const isFunction: Check = (v) => (typeof v === 'function' ? null : type('a function'));

export const isPlainObject: Check = (v) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? null : type('an object');

export const oneOf =
  (...values: readonly string[]): Check =>
  (v) =>
    values.includes(v as string) ? null : type(`one of ${values.map((x) => `'${x}'`).join(', ')}`);

/** A finite number within [min, max]; `exclusiveMin` makes the lower bound strict. */
export const numberIn =
  (min: number, max: number, { exclusiveMin = false } = {}): Check =>
  (v) => {
    if (typeof v !== 'number' || Number.isNaN(v)) return type('a number');
    const tooSmall = exclusiveMin ? v <= min : v < min;
    if (tooSmall || v > max || !Number.isFinite(v)) {
      const low = exclusiveMin ? `greater than ${min}` : `at least ${min}`;
      return new RangeError(`must be ${low}${Number.isFinite(max) ? ` and at most ${max}` : ' and finite'}`);
    }
    return null;
  };

/** Throws the first failing rule's error, prefixed with the option's name. */
export function checkOptions(rules: Rules, options: Record<string, unknown>, prefix = ''): void {
  for (const [name, check] of Object.entries(rules)) {
    const error = check(options[name]);
    if (error) throw optionError(`option \`${prefix}${name}\` ${error.message}`, { range: error instanceof RangeError });
  }
}

/** Edit distance, case-insensitive, a swap of two neighbours counting as one edit (`tll` → `ttl`). */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d = Array.from({ length: x.length + 1 }, (_, i) => [i, ...Array<number>(y.length).fill(0)]);
  for (let j = 1; j <= y.length; j++) d[0][j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[x.length][y.length];
}

/** The known name `key` is most likely a typo of (a case slip, or one edit per 4 characters, 1 to 3), or undefined. */
export function closestName(key: string, known: readonly string[]): string | undefined {
  const allowed = Math.max(1, Math.min(3, Math.floor(key.length / 4)));
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const name of known) {
    const d = name === key ? Infinity : distance(key, name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** `; option `mongourl` looks like a typo of `mongoUrl`` for the first key of `options` close to a `wanted` name, else ''. */
export function typoHint(options: object, wanted: readonly string[]): string {
  for (const key of Object.keys(options)) {
    const match = closestName(key, wanted);
    if (match) return `; option \`${key}\` looks like a typo of \`${match}\``;
  }
  return '';
}
