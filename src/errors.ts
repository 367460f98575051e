// The store's own errors: one family, each carrying a stable `code` an app can switch on. Each member extends
// the built-in class connect-mongo throws for the same failure (a bad option is a TypeError or RangeError),
// so `instanceof TypeError` checks keep working, and the message keeps connect-mongo's text after the
// `connect-mongo: ` prefix, so apps matching on it keep working too.

export const ErrorCodes = {
  /** An option of the store or of an adapter factory is missing, of the wrong type or out of range. */
  badOption: 'CONNECT_MONGO_BAD_OPTION',
  /** A method got an argument it cannot use (a sid that is not a string, a missing session, …). */
  badArgument: 'CONNECT_MONGO_BAD_ARGUMENT',
  /** The store could not reach MongoDB (the 'error' event and the connection warning). */
  notConnected: 'CONNECT_MONGO_NOT_CONNECTED',
  /** An index the store creates at startup could not be created (the 'error' event). */
  indexFailed: 'CONNECT_MONGO_INDEX_FAILED',
  /** A stored session is not valid JSON or not an object. */
  unreadableSession: 'CONNECT_MONGO_UNREADABLE_SESSION',
  /** A stored session could not be decrypted (wrong secret, altered or foreign data). */
  undecryptableSession: 'CONNECT_MONGO_UNDECRYPTABLE',
  /** A session MongoDB would reject or store changed (BigInt, circular, over 16 MiB, …): nothing was written. */
  refusedWrite: 'CONNECT_MONGO_REFUSED_WRITE',
  /** The store was closed with close(). */
  closed: 'CONNECT_MONGO_CLOSED',
} as const;

export type ConnectMongoErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** What every error of the family has, whichever built-in class it extends. */
export interface ConnectMongoErrorLike extends Error {
  readonly code: ConnectMongoErrorCode;
}

const PREFIX = 'connect-mongo: ';
const prefixed = (message: string) => (message.startsWith(PREFIX) ? message : PREFIX + message);

export class ConnectMongoError extends Error implements ConnectMongoErrorLike {
  constructor(
    readonly code: ConnectMongoErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(prefixed(message), options);
  }

  /** True for every member of the family, the TypeError and RangeError ones included. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    const plain = Function.prototype[Symbol.hasInstance];
    return plain.call(ConnectMongoError, value) || value instanceof ConnectMongoTypeError || value instanceof ConnectMongoRangeError;
  }
}

export class ConnectMongoTypeError extends TypeError implements ConnectMongoErrorLike {
  constructor(
    readonly code: ConnectMongoErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(prefixed(message), options);
  }
}

export class ConnectMongoRangeError extends RangeError implements ConnectMongoErrorLike {
  constructor(
    readonly code: ConnectMongoErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(prefixed(message), options);
  }
}

/** A bad option: a TypeError (wrong type) unless `range` (a value out of range). */
export const optionError = (message: string, options?: ErrorOptions & { range?: boolean }): TypeError =>
  options?.range
    ? new ConnectMongoRangeError(ErrorCodes.badOption, message, options)
    : new ConnectMongoTypeError(ErrorCodes.badOption, message, options);

export const argumentError = (message: string): TypeError => new ConnectMongoTypeError(ErrorCodes.badArgument, message);

/** A session refused before anything is written. */
export const refusedWrite = (message: string, options?: ErrorOptions): TypeError =>
  new ConnectMongoTypeError(ErrorCodes.refusedWrite, message, options);

export const hasCode = (err: unknown, code: ConnectMongoErrorCode): boolean =>
  (err as { code?: unknown } | null)?.code === code && err instanceof ConnectMongoError;
