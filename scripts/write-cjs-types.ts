// Writes dist/index.d.cts, the declarations for the CommonJS entry, from the ESM declarations tsup wrote to
// dist/index.d.ts. The CommonJS module.exports IS the MongoStore class (see src/index.cjs.ts), which TypeScript
// can only describe with `export =`; the other names ride along on a namespace merged with the class, so
// `import MongoStore = require('connect-mongo-next')`, `MongoStore.create(...)`, `MongoStore.CryptoAdapter` and
// `require(...).default` all type-check. A hand-kept copy would drift from the ESM types; deriving it cannot.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const esmTypes = readFileSync(`${dist}index.d.ts`, 'utf8');

// rollup-plugin-dts (used by tsup) ends the bundle with one `export { a, type B, C as default };` statement.
const match = /\nexport \{([^}]*)\};\s*$/.exec(esmTypes);
if (!match) throw new Error('write-cjs-types: dist/index.d.ts does not end with a single `export { ... };` list');
const body = esmTypes.slice(0, match.index);
if (/^export\s/m.test(body)) {
  throw new Error('write-cjs-types: dist/index.d.ts has exports besides the final list; `export =` cannot hold them');
}

const specifiers = match[1]
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const exportedAs = (s: string) => s.replace(/^type\s+/, '').split(/\s+as\s+/).pop();
for (const required of ['MongoStore', 'default', 'createWebCryptoAdapter', 'createKrupteinAdapter']) {
  if (!specifiers.some((s) => exportedAs(s) === required)) {
    throw new Error(`write-cjs-types: the ESM entry does not export \`${required}\``);
  }
}
const defaultSpecifier = specifiers.find((s) => exportedAs(s) === 'default');
if (defaultSpecifier !== 'MongoStore as default') {
  throw new Error(`write-cjs-types: expected \`MongoStore as default\`, found \`${defaultSpecifier}\``);
}

const cjsTypes = `${body}
declare namespace MongoStore {
    export { ${specifiers.join(', ')} };
}

export = MongoStore;
`;
writeFileSync(`${dist}index.d.cts`, cjsTypes);
console.log(`write-cjs-types: dist/index.d.cts (${specifiers.length} names on the MongoStore namespace)`);
