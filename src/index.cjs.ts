// CommonJS entry (dist/index.cjs). `require('connect-mongo-next')` returns the MongoStore class itself, so both
// `require(...).create(...)` and `new (require(...))(...)` work, and the class also carries the named exports
// (`.default`, `.MongoStore`, `.createWebCryptoAdapter`, `.createKrupteinAdapter`) for code written either way.
// tsup's cjsInterop emits `module.exports = exports.default` for this single default export; the matching
// `export =` declarations are generated into dist/index.d.cts by scripts/write-cjs-types.ts.
import MongoStore, { createKrupteinAdapter, createWebCryptoAdapter } from './index';

const commonJsExport = Object.assign(MongoStore, {
  default: MongoStore,
  MongoStore,
  createWebCryptoAdapter,
  createKrupteinAdapter,
});

export default commonJsExport;
