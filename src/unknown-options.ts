// Unknown option keys. connect-mongo ignores them, so they stay ignored here too, but a typo such as `ttL`
// silently meaning "default TTL" is worth one warning per key, naming the option it most likely meant.
import type { ConnectMongoOptions } from './mongo-store';
import { closestName } from './option-checks';

// A Record over every key of the options type: tsc fails here when an option is added but not listed.
const knownOptions: Record<keyof ConnectMongoOptions, true> = {
  mongoUrl: true,
  mongoOptions: true,
  clientPromise: true,
  client: true,
  dbName: true,
  collectionName: true,
  writeOperationOptions: true,
  closeClient: true,
  readPreference: true,
  ttl: true,
  autoRemove: true,
  autoRemoveInterval: true,
  createAutoRemoveIdx: true,
  maxLifetime: true,
  destroyGrace: true,
  disableTouch: true,
  stringify: true,
  serialize: true,
  unserialize: true,
  transformId: true,
  timestamps: true,
  touchAfter: true,
  crypto: true,
  cryptoAdapter: true,
  hashSessionIds: true,
  userId: true,
  onDecryptError: true,
  reencryptOnRead: true,
  bindToId: true,
  requireEncrypted: true,
};

export const KNOWN_OPTIONS: readonly string[] = Object.keys(knownOptions);

// connect-mongo 3's names, which connect-mongo 4 dropped: no typo, so point at the replacement.
const legacyOptions: Record<string, string> = {
  url: '`mongoUrl`',
  mongooseConnection: '`client: mongoose.connection.getClient()`',
  db: '`client` (or `clientPromise`) and `dbName`',
  collection: '`collectionName`',
  secret: '`crypto: { secret }` or `cryptoAdapter`',
};

/** `; option `url` is connect-mongo 3's: use `mongoUrl`` for the first connect-mongo 3 key in `options`, else ''. */
export function legacyOptionHint(options: object): string {
  const key = Object.keys(options).find((k) => Object.hasOwn(legacyOptions, k));
  return key ? `; option \`${key}\` is a connect-mongo 3 option: use ${legacyOptions[key]}` : '';
}

export const UNKNOWN_OPTION_WARNING = 'CONNECT_MONGO_UNKNOWN_OPTION';

const warned = new Set<string>();

/** The warning for an unknown key, or null for a known one. */
export function unknownOptionMessage(key: string): string | null {
  if (KNOWN_OPTIONS.includes(key)) return null;
  const legacy = Object.hasOwn(legacyOptions, key) ? legacyOptions[key] : undefined;
  const match = closestName(key, KNOWN_OPTIONS);
  const hint = legacy ? `: a connect-mongo 3 option; use ${legacy}` : match ? `: did you mean \`${match}\`?` : '';
  return `connect-mongo: unknown option \`${key}\` is ignored${hint}`;
}

/** One process warning per unknown key (per process, not per store: stores are often created per test). */
export function warnUnknownOptions(options: object): void {
  for (const key of Object.keys(options)) {
    const message = warned.has(key) ? null : unknownOptionMessage(key);
    if (!message) continue;
    warned.add(key);
    process.emitWarning(message, { code: UNKNOWN_OPTION_WARNING });
  }
}
