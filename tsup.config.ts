import { rmSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Two builds, because the two module systems get different shapes:
// - ESM (dist/index.js + index.d.ts): default and named exports, straight from src/index.ts.
// - CommonJS (dist/index.cjs): require() must return the MongoStore class itself (connect-mongo 6 returns a
//   namespace object there, so `require('connect-mongo').create` is undefined). `cjsInterop` turns the
//   single default export of src/index.cjs.ts into `module.exports = ...`; it only runs with splitting on.
//   Its declarations (dist/index.d.cts, `export =` plus a namespace) are written by scripts/write-cjs-types.ts.
// Both builds write to dist/ in parallel, so neither may clean it: empty it once, here, before they start.
rmSync('dist', { recursive: true, force: true });

const shared = {
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  keepNames: true, // MongoStore.name stays 'MongoStore' (esbuild would otherwise rename the class binding)
  removeNodeProtocol: false,
} as const;

export default defineConfig([
  {
    ...shared,
    entry: { index: 'src/index.ts' },
    format: ['esm'],
    dts: true,
  },
  {
    ...shared,
    entry: { index: 'src/index.cjs.ts' },
    format: ['cjs'],
    dts: false,
    cjsInterop: true,
    splitting: true,
  },
]);
