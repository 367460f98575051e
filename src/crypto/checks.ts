// Option and input checks shared by both adapters, and the errors they throw.

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/** A short, safe rendering of a rejected option value (never used for secrets). */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return describe(value);
}

export function requireOptionsObject(options: unknown, fn: string): void {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${fn} requires an options object with a secret`);
  }
}

export function toBytes(value: unknown, option: string, fn: string): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new TypeError(`${fn}: option "${option}" must be a string, ArrayBuffer or ArrayBufferView (got ${describe(value)})`);
}

export function checkPositiveInt(value: unknown, option: string, fn: string, max: number): number {
  if (typeof value !== 'number') throw new TypeError(`${fn}: option "${option}" must be a number (got ${describe(value)})`);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${fn}: option "${option}" must be an integer between 1 and ${max} (got ${value})`);
  }
  return value;
}

/** The adapters' argument check; `what` is e.g. "encrypt: plaintext". */
export function requireString(value: unknown, what: string): void {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string (got ${describe(value)})`);
}

// Decrypt failures never carry the underlying OpenSSL error or any input: only what went wrong, generically.
export function decryptError(what: string): Error {
  return new Error(`Unable to decrypt session data: ${what}`);
}
