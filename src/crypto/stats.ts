import type { CryptoAdapter } from './types';

type AdapterStats = { keyDerivations: number; cachedKeys: number };

// Kept off the adapter objects, which hold nothing but encrypt and decrypt (as connect-mongo's do).
const statsByAdapter = new WeakMap<CryptoAdapter, () => AdapterStats>();

export function registerAdapterStats(adapter: CryptoAdapter, read: () => AdapterStats): void {
  statsByAdapter.set(adapter, read);
}

/**
 * How many PBKDF2 derivations an adapter created here has run, and how many derived keys it holds.
 * Internal diagnostic (not re-exported from the package entry): lets tests check "one derivation per
 * salt" through observable state instead of timing or mocks. Returns undefined for foreign adapters.
 */
export function cryptoAdapterStats(adapter: CryptoAdapter): AdapterStats | undefined {
  return statsByAdapter.get(adapter)?.();
}

type Detailed = { plaintext: string; keyIndex: number; outdated?: boolean };

/** What the store may use beyond encrypt/decrypt when an adapter was created here. */
export interface AdapterAbilities {
  /**
   * Decrypts and says which secret did it (0: the newest); a higher index, or `outdated` (a format older
   * than the one this adapter writes), means "re-encrypt me".
   */
  decryptDetailed(ciphertext: string, context?: { id: string }): Promise<Detailed>;
  /**
   * The same, without a promise: undefined while a key it needs is not derived yet (use decryptDetailed),
   * and a throw where decryptDetailed would reject. Each promise saved counts when a decryption costs
   * ~15 µs.
   */
  decryptNow(ciphertext: string, context?: { id: string }): Detailed | undefined;
  /** encrypt() without a promise; undefined while the key is not derived yet (use encrypt). */
  encryptNow(plaintext: string, context?: { id: string }): string | undefined;
  /** Whether `context.id` is bound to the ciphertext (AES-GCM only). */
  bindsContext: boolean;
  /** A kruptein CBC algorithm: its HMAC leaves the IV out, so whoever can write a record can change its first block. */
  ivNotAuthenticated?: string;
}

const abilitiesByAdapter = new WeakMap<object, AdapterAbilities>();

export function registerAbilities(adapter: CryptoAdapter, abilities: AdapterAbilities): void {
  abilitiesByAdapter.set(adapter, abilities);
}

/** Undefined for adapters created elsewhere (connect-mongo's, or the app's own). */
export function abilitiesOf(adapter: CryptoAdapter): AdapterAbilities | undefined {
  return abilitiesByAdapter.get(adapter);
}
