// Why JSON.stringify refused a session, without V8's own message: for a circular structure it quotes the
// key names along the cycle, and keys are session data too.
import { refusedWrite } from '../errors';

function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  if (/circular/i.test(message)) return 'it contains a circular reference';
  if (/BigInt/.test(message)) return 'it contains a BigInt';
  return `a toJSON() method or getter threw ${err instanceof Error ? `a ${err.name}` : 'a non-error'}`;
}

/** The error for a session JSON.stringify threw on; `what` is e.g. "serialized for encryption". No cause: it would quote the data. */
export function unserializable(err: unknown, what = 'serialized'): TypeError {
  return refusedWrite(`connect-mongo: the session could not be ${what} (${reason(err)})`);
}
