// ESM entry. Same exports as connect-mongo 6: the store (default and named), both crypto adapter factories,
// and the option types. The CommonJS entry (index.cjs.ts) re-exports these.
import { MongoStore } from './mongo-store';

export { MongoStore };
export default MongoStore;
export type { ConnectMongoOptions } from './mongo-store';
export type { MongoClientLike } from './connection/options';
export type { InternalSessionType } from './document/types';
export { createKrupteinAdapter, createWebCryptoAdapter } from './crypto';
export type { CryptoAdapter, CryptoOptions, WebCryptoAdapterOptions } from './crypto';
export type { ConnectMongoErrorCode, ConnectMongoErrorLike } from './errors';
