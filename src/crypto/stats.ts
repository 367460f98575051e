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
