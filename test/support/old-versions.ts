// The libraries connect-mongo apps ran before connect-mongo 6, installed as aliased devDependencies: every
// kruptein 3.x release line connect-mongo 4.x/5.x may have resolved (`kruptein ^3.0.0`), and connect-mongo
// 3.2.0, 4.6.0 and 5.1.0. Only the writing side comes from them; reading is always ours.
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const require = createRequire(import.meta.url);

export interface KrupteinInstance {
  set(secret: string, plaintext: unknown, cb: (err: unknown, out?: string) => void): void;
  get(secret: string, ciphertext: string, cb: (err: unknown, out?: unknown) => void): void;
}
type KrupteinFactory = (options: object) => KrupteinInstance;

export interface KrupteinRelease {
  version: string;
  /** Whether connect-mongo 6 (kruptein 3.0.8's format) reads it too. */
  sameAs308: boolean;
  create: KrupteinFactory;
}

const release = (version: string, pkg: string): KrupteinRelease => ({
  version,
  sameAs308: version.startsWith('3.0.'),
  create: require(pkg) as KrupteinFactory,
});

export const KRUPTEIN_RELEASES: KrupteinRelease[] = [
  release('3.0.0', 'kruptein-3.0.0'),
  release('3.0.8', 'kruptein'),
  release('3.0.9', 'kruptein-3.0.9'),
  release('3.1.1', 'kruptein-3.1.1'),
  release('3.1.7', 'kruptein-3.1.7'),
  release('3.2.1', 'kruptein-3.2.1'),
  release('3.3.0', 'kruptein-3.3.0'),
  release('3.4.0', 'kruptein-3.4.0'),
];

/**
 * From kruptein 3.1.1 on, set() refuses secrets with fewer than two each of upper case, lower case, digits
 * and symbols; connect-mongo apps on those versions had such a secret (or wrote nothing).
 */
export const COMPLEX_SECRET = 'Upgrade-SECRET-42!?-k8Vq3Zr7Lw2Nx5Tb9Hm4';

/** kruptein 2.2.3, which connect-mongo 4.1.x/4.2.x installed (`kruptein ^2.2.3`). */
export const kruptein2 = require('kruptein-2.2.3') as KrupteinFactory;

/** connect-mongo 4.1.x/4.2.x's `crypto` defaults: hex, unlike later versions. */
export const CONNECT_MONGO_41_CRYPTO_DEFAULTS = {
  secret: false,
  algorithm: 'aes-256-gcm',
  hashing: 'sha512',
  encodeas: 'hex',
  key_size: 32,
  iv_size: 16,
  at_size: 16,
};

/** connect-mongo 4.3+/5.x's `crypto` defaults, merged under the app's options as it merges them. */
export const CONNECT_MONGO_CRYPTO_DEFAULTS = {
  secret: false,
  algorithm: 'aes-256-gcm',
  hashing: 'sha512',
  encodeas: 'base64',
  key_size: 32,
  iv_size: 16,
  at_size: 16,
};

/** kruptein.set() exactly as connect-mongo 4.x/5.x calls it: with the serialized session (string or object). */
export function krupteinWrite(k: KrupteinInstance, secret: string, payload: unknown): Promise<string> {
  return promisify(k.set.bind(k))(secret, payload) as Promise<string>;
}

/** connect-mongo 3.2.0's own encryption module (a singleton, as in that version). */
export const connectMongo3Crypto = require('connect-mongo-3/src/crypto.js') as {
  init(options: object): void;
  set(session: unknown): string;
  get(record: string): string;
};
