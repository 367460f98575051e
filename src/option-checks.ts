// Table-driven option validation shared by the store's collaborators. Each collaborator keeps its own
// table next to the code that uses those options; this file only holds the generic checks, so that every
// bad option fails in the constructor with a TypeError/RangeError that names it.

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
    if (error) {
      error.message = `connect-mongo: option \`${prefix}${name}\` ${error.message}`;
      throw error;
    }
  }
}
