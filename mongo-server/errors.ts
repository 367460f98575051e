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
  72: 'InvalidOptions',
  73: 'InvalidNamespace',
  85: 'IndexOptionsConflict',
  86: 'IndexKeySpecsConflict',
  91: 'ShutdownInProgress',
  197: 'InvalidIndexSpecificationOption',
  334: 'MechanismUnavailable',
  352: 'UnsupportedOpQueryCommand',
  11000: 'DuplicateKey',
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
