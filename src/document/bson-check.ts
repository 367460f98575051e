// With stringify: false the session is stored as a BSON object. MongoDB rejects some values and silently
// changes others; this refuses them before anything is written, with messages that name the problem, never
// the key or value (they may be user data).
import { refusedWrite } from '../errors';

const BSON_LEAF = (v: object) =>
  v instanceof Date || v instanceof RegExp || ArrayBuffer.isView(v) || typeof (v as { _bsontype?: unknown })._bsontype === 'string';

/** An unpaired UTF-16 surrogate: BSON stores strings as UTF-8, where it would silently become U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unpairedSurrogate = () =>
  refusedWrite(
    'connect-mongo: the session contains a string with an unpaired UTF-16 surrogate; MongoDB would store it changed with stringify: false (use stringify: true)',
  );

/**
 * Refuses what MongoDB would reject or silently change in a stored object, before anything is written.
 * Messages name the problem, not the key or value (they may be user data).
 */
export function assertStorableAsBson(value: unknown, seen: Set<object> = new Set(), path = 0): void {
  if (typeof value === 'bigint') throw refusedWrite('connect-mongo: the session contains a BigInt, which cannot be stored');
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value)) throw unpairedSurrogate();
    return;
  }
  if (typeof value !== 'object' || value === null || BSON_LEAF(value)) return;
  if (seen.has(value)) throw refusedWrite('connect-mongo: the session contains a circular reference');
  if (path > 90) throw refusedWrite('connect-mongo: the session is nested too deeply to be stored'); // BSON's depth limit is 100
  seen.add(value);
  if (Array.isArray(value)) {
    for (const item of value) assertStorableAsBson(item, seen, path + 1);
  } else {
    for (const [key, item] of Object.entries(value)) {
      if (LONE_SURROGATE.test(key)) throw unpairedSurrogate();
      if (key.startsWith('$') || key.includes('.') || key.includes('\0')) {
        throw refusedWrite(
          "connect-mongo: a session key starts with '$' or contains '.' or NUL; MongoDB cannot store it with stringify: false (use stringify: true)",
        );
      }
      assertStorableAsBson(item, seen, path + 1);
    }
  }
  seen.delete(value); // shared (non-circular) references are fine
}
