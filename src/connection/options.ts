// mongoUrl + mongoOptions | clientPromise | client, dbName, collectionName, writeOperationOptions, readPreference:
// types and checks.
import type { MongoClientOptions, ReadPreferenceLike, WriteConcernSettings } from 'mongodb';
import { checkOptions, isBoolean, isPlainObject, isString, optional, typoHint, type Check, type Rules } from '../option-checks';
import { optionError } from '../errors';
import { legacyOptionHint } from '../unknown-options';

/**
 * What the store calls on a client. Structural on purpose: a MongoClient of any driver 5–7 fits, including
 * the copy Mongoose bundles, whose class is a separate declaration from the app's `mongodb` (private fields
 * make two copies of MongoClient incompatible types, even of the same version).
 */
export interface MongoClientLike {
  db(dbName?: string): { collection(name: string, options?: object): object };
  connect(): Promise<unknown>;
  close(): Promise<void>;
}

export interface ConnectionOptions {
  /** Connection string; the store opens (and closes) its own client. Wins over clientPromise and client. */
  mongoUrl?: string;
  /** Options for the client opened from mongoUrl. */
  mongoOptions?: MongoClientOptions;
  /** e.g. `mongoose.connect(url).then((m) => m.connection.getClient())`. Wins over client. */
  clientPromise?: Promise<MongoClientLike>;
  /** A MongoClient (of any supported driver, Mongoose's own included). */
  client?: MongoClientLike;
  /** Defaults to the database named in the connection string. */
  dbName?: string;
  /** Defaults to 'sessions'. */
  collectionName?: string;
  /** Write concern sent with every write of the store (not set on the collection). */
  writeOperationOptions?: WriteConcernSettings;
  /**
   * Where the store's own reads go. Default 'primary', whatever the client's: a session written by one request
   * must be seen by the next, and a lagging secondary would not have it yet.
   */
  readPreference?: ReadPreferenceLike;
  /**
   * Whether close() closes a `client` / `clientPromise` client, which the app may still use elsewhere
   * (Mongoose's, say). Default true, as connect-mongo. A client the store opened from mongoUrl is always closed.
   */
  closeClient?: boolean;
}

/**
 * Why a value is not a usable MongoClient, as the rest of a sentence starting with the option's name (`client`
 * "is …", `clientPromise` "resolved to …"), or null. Duck-typed: Mongoose bundles its own driver copy.
 */
export function clientProblem(value: unknown, promised = false): string | null {
  const verb = promised ? 'resolved to' : 'is';
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof v.getClient === 'function') {
    const fix = promised ? 'resolve it to `connection.getClient()`, e.g. `connection.asPromise().then((c) => c.getClient())`' : 'pass `connection.getClient()` instead';
    return `${verb} a Mongoose Connection, not a MongoClient: ${fix}`;
  }
  if (typeof (v.connection as Record<string, unknown> | undefined)?.getClient === 'function') {
    const fix = promised ? 'use `mongoose.connect(url).then((m) => m.connection.getClient())`' : 'pass `mongoose.connection.getClient()` instead';
    return `${verb} a Mongoose instance, not a MongoClient: ${fix}`;
  }
  if (typeof v.db !== 'function' || typeof v.close !== 'function') {
    const what = promised ? `resolved to ${value === null ? 'null' : typeof value}, not a MongoClient` : 'must be a MongoClient';
    return `${what} (an object with db() and close() methods)`;
  }
  return null;
}

const isClient: Check = (v) => {
  const problem = clientProblem(v);
  return problem ? new TypeError(problem) : null;
};

const READ_PREFERENCE_MODES = ['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'];

// A mode, or a ReadPreference (duck-typed: Mongoose bundles its own driver copy).
const isReadPreference: Check = (v) =>
  READ_PREFERENCE_MODES.includes(v as string) || READ_PREFERENCE_MODES.includes((v as { mode?: string } | null)?.mode as string)
    ? null
    : new TypeError(`must be a ReadPreference or one of ${READ_PREFERENCE_MODES.map((m) => `'${m}'`).join(', ')}`);

const isThenable: Check = (v) =>
  typeof (v as { then?: unknown } | null)?.then === 'function' ? null : new TypeError('must be a Promise');

// MongoDB rejects these in collection names; failing here beats failing on the first request.
const isCollectionName: Check = (v) =>
  isString(v) ?? (/[$\0]/.test(v as string) ? new TypeError("must not contain '$' or NUL characters") : null);

const rules: Rules = {
  mongoUrl: optional(isString),
  mongoOptions: optional(isPlainObject),
  clientPromise: optional(isThenable),
  client: optional(isClient),
  dbName: optional(isString),
  collectionName: optional(isCollectionName),
  writeOperationOptions: optional(isPlainObject),
  readPreference: optional(isReadPreference),
  closeClient: optional(isBoolean),
};

/** Checks the connection options; connect-mongo's missing-connection wording is kept for apps matching on it. */
export function checkConnectionOptions(options: ConnectionOptions): void {
  // connect-mongo tests truthiness, so an empty or null value counts as missing too.
  if (!options.mongoUrl && !options.clientPromise && !options.client) {
    // A typo such as `mongourl` lands here; the warning about it might never be printed before this throws.
    const hint = legacyOptionHint(options) || typoHint(options, ['mongoUrl', 'clientPromise', 'client']);
    throw optionError(
      `connect-mongo: You must provide either mongoUrl|clientPromise|client in options (one of \`mongoUrl\`, \`clientPromise\` or \`client\` is required${hint})`,
    );
  }
  checkOptions(rules, options as Record<string, unknown>);
  if (options.closeClient === false && options.mongoUrl) {
    throw optionError('connect-mongo: option `closeClient: false` only applies to `client` or `clientPromise`; the client opened from `mongoUrl` has no other owner');
  }
}
