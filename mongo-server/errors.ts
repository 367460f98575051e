// Errors carried back to the client as {ok: 0, errmsg, code, codeName}, with mongod's codes.
export const CODE_NAMES: Record<number, string> = {
  1: 'InternalError',
  2: 'BadValue',
  9: 'FailedToParse',
  13: 'Unauthorized',
  14: 'TypeMismatch',
  18: 'AuthenticationFailed',
  20: 'IllegalOperation',
  26: 'NamespaceNotFound',
  27: 'IndexNotFound',
  43: 'CursorNotFound',
  48: 'NamespaceExists',
  59: 'CommandNotFound',
  66: 'ImmutableField',
  67: 'CannotCreateIndex',
  64: 'WriteConcernFailed',
  72: 'InvalidOptions',
  73: 'InvalidNamespace',
  76: 'NoReplicationEnabled',
  79: 'UnknownReplWriteConcern',
  85: 'IndexOptionsConflict',
  86: 'IndexKeySpecsConflict',
  91: 'ShutdownInProgress',
  95: 'NotSecondary',
  100: 'UnsatisfiableWriteConcern',
  123: 'NotAReplicaSet',
  189: 'PrimarySteppedDown',
  197: 'InvalidIndexSpecificationOption',
  225: 'TransactionTooOld',
  262: 'ExceededTimeLimit',
  334: 'MechanismUnavailable',
  352: 'UnsupportedOpQueryCommand',
  10107: 'NotWritablePrimary',
  11000: 'DuplicateKey',
  11602: 'InterruptedDueToReplStateChange',
  13435: 'NotPrimaryNoSecondaryOk',
  31082: 'SearchNotEnabled',
  40324: 'Location40324',
  40415: 'Location40415',
  40571: 'Location40571',
};

export class CommandError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toReply(): Record<string, unknown> {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: CODE_NAMES[this.code] ?? `Location${this.code}`, ...this.extra };
  }
}

export const badValue = (msg: string) => new CommandError(2, msg);
export const unknownField = (cmd: string, field: string) =>
  new CommandError(40415, `BSON field '${cmd}.${field}' is an unknown field.`);

/** The reply for anything a command threw: its CommandError, or InternalError. */
export const errorReply = (e: unknown): Record<string, unknown> => (e instanceof CommandError ? e : new CommandError(1, (e as Error).message)).toReply();
