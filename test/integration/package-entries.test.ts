// The shapes of the two entry points, checked on the source (the built and packed package is checked by
// scripts/check-package.sh: publint, attw, and installs used from .mjs, .cjs and type-checked .ts files).
import { describe, expect, it } from 'vitest';
import session from 'express-session';
import * as esm from '../../src/index';
import cjs from '../../src/index.cjs';

describe('ESM entry (src/index.ts)', () => {
  it('exports the store as default and named, plus both adapter factories, and nothing else at run time', () => {
    expect(esm.default).toBe(esm.MongoStore);
    expect(Object.keys(esm).sort()).toEqual(['MongoStore', 'createKrupteinAdapter', 'createWebCryptoAdapter', 'default']);
    expect(esm.MongoStore.prototype).toBeInstanceOf(session.Store);
    expect(typeof esm.MongoStore.create).toBe('function');
  });
});

describe('CommonJS entry (src/index.cjs.ts, becomes module.exports)', () => {
  it('is the MongoStore class itself, so require(...).create and new require(...)(...) work', () => {
    expect(cjs).toBe(esm.MongoStore);
    expect(cjs.create).toBe(esm.MongoStore.create);
  });

  it('also carries .default, .MongoStore and the adapter factories', () => {
    expect(cjs.default).toBe(esm.MongoStore);
    expect(cjs.MongoStore).toBe(esm.MongoStore);
    expect(cjs.createWebCryptoAdapter).toBe(esm.createWebCryptoAdapter);
    expect(cjs.createKrupteinAdapter).toBe(esm.createKrupteinAdapter);
  });

  it('keeps the class name (keepNames in tsup.config.ts relies on it being MongoStore in source)', () => {
    expect(cjs.name).toBe('MongoStore');
  });
});
