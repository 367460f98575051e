// The crypto adapters' public API, plus the internals that tests and benchmarks use.
export { createKrupteinAdapter } from './kruptein';
export { createWebCryptoAdapter } from './webcrypto';
export { cryptoAdapterStats } from './cipher';
export { decodeDerOctetSequence, encodeDerOctetSequence } from './der';
export type { CryptoAdapter, CryptoOptions, WebCryptoAdapterOptions, WebCryptoEncoding } from './types';
