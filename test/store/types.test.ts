// The public types: exports, connect-mongo 6's options accepted as they are, and express-session's
// SessionData declaration merging typing req.session and the store's sessions. Checked by `npm run
// typecheck` (tsc covers test/), and the runtime half by vitest.
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import express from 'express';
import session from 'express-session';
import type * as connectMongo from 'connect-mongo';
import DefaultStore, {
  MongoStore,
  createKrupteinAdapter,
  createWebCryptoAdapter,
  type ConnectMongoOptions,
  type CryptoAdapter,
  type CryptoOptions,
  type WebCryptoAdapterOptions,
} from '../../src/index';
import { mongoUrl, track, uniqueDbName } from '../support';

declare module 'express-session' {
  interface SessionData {
    // optional: this augmentation is global to the type-checked project, other files must not need it
    storeTypesViews?: number;
  }
}

describe('public API types', () => {
  it('exports the store as default and named, and both adapter factories', () => {
    expect(DefaultStore).toBe(MongoStore);
    expect(typeof createKrupteinAdapter).toBe('function');
    expect(typeof createWebCryptoAdapter).toBe('function');
    expect(MongoStore.name).toBe('MongoStore');
    expect(track(MongoStore.create({ mongoUrl: mongoUrl(), dbName: uniqueDbName() }))).toBeInstanceOf(session.Store);
  });

  it("accepts every connect-mongo 6 option object as it is", () => {
    type Theirs = ConstructorParameters<typeof connectMongo.MongoStore>[0];
    expectTypeOf<Theirs>().toExtend<ConnectMongoOptions>();
    expectTypeOf<connectMongo.CryptoAdapter>().toExtend<CryptoAdapter>();
    // Ours accept more (a list of secrets for key rotation), so every connect-mongo value fits.
    expectTypeOf<connectMongo.CryptoOptions>().toExtend<CryptoOptions>();
    expectTypeOf<connectMongo.WebCryptoAdapterOptions>().toExtend<WebCryptoAdapterOptions>();
    const full: ConnectMongoOptions = {
      mongoUrl: 'mongodb://127.0.0.1/x',
      mongoOptions: { maxPoolSize: 5 },
      dbName: 'x',
      collectionName: 'sessions',
      ttl: 60,
      touchAfter: 10,
      stringify: false,
      autoRemove: 'interval',
      autoRemoveInterval: 5,
      serialize: (s) => ({ ...s }),
      unserialize: (p) => p as session.SessionData,
      writeOperationOptions: { w: 1 },
      transformId: (sid) => sid,
      crypto: { secret: false },
      timestamps: true,
    };
    expect(full.autoRemove).toBe('interval');
  });

  it('types sessions with the merged SessionData, in the store and on req.session', async () => {
    const store = track(MongoStore.create({ mongoUrl: mongoUrl(), dbName: uniqueDbName() }));
    const app = express();
    app.use(session({ secret: 's', store, resave: false, saveUninitialized: false }));
    app.get('/', (req, res) => {
      expectTypeOf(req.session.storeTypesViews).toEqualTypeOf<number | undefined>();
      req.session.storeTypesViews = (req.session.storeTypesViews ?? 0) + 1;
      res.end();
    });
    await store.set('typed', { cookie: new session.Cookie(), storeTypesViews: 2 } as session.SessionData);
    const pending = store.get('typed');
    expectTypeOf(pending).toEqualTypeOf<Promise<session.SessionData | null>>();
    const got = await pending;
    expectTypeOf(got?.storeTypesViews).toEqualTypeOf<number | undefined>();
    expect(got?.storeTypesViews).toBe(2);
    const count = store.length();
    expectTypeOf(count).toEqualTypeOf<Promise<number>>();
    expect(await count).toBe(1);
    // with a callback, nothing is returned
    expectTypeOf(store.get('typed', () => {})).toEqualTypeOf<void>();
  });
});

describe('option callbacks see the app\'s session type', () => {
  it('a `ttl` function gets the merged SessionData, as `userId` does (no `unknown` to narrow)', async () => {
    type TtlOf<T extends session.SessionData> = Extract<ConnectMongoOptions<T>['ttl'], (...args: never[]) => unknown>;
    expectTypeOf<Parameters<TtlOf<session.SessionData>>[0]>().toEqualTypeOf<session.SessionData>();
    expectTypeOf<Parameters<TtlOf<session.SessionData & { rememberMe: boolean }>>[0]>().toEqualTypeOf<session.SessionData & { rememberMe: boolean }>();
    const seen: Array<number | undefined> = [];
    const store = track(
      MongoStore.create({
        mongoUrl: mongoUrl(),
        dbName: uniqueDbName(),
        ttl: (s) => {
          seen.push(s.storeTypesViews); // compiles under --strict only when `s` is typed
          return (s.storeTypesViews ?? 0) > 1 ? 3600 : 60;
        },
      }),
    );
    await store.set('remember', { cookie: new session.Cookie(), storeTypesViews: 2 });
    expect(seen).toEqual([2]);
  });
});

/** Type errors of test/support/connect-mongo-consumer.ts, with 'connect-mongo' resolved as `paths` says. */
function consumerDiagnostics(paths: Record<string, string[]>): string[] {
  const root = path.resolve(import.meta.dirname, '../..');
  const program = ts.createProgram([path.join(root, 'test/support/connect-mongo-consumer.ts')], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: ['node'],
    baseUrl: root,
    paths,
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe("an app written against connect-mongo 6.0.0's declarations", () => {
  it('compiles against connect-mongo itself (the file is a faithful consumer)', () => {
    expect(consumerDiagnostics({})).toEqual([]);
  });

  it('compiles unchanged against this package', () => {
    expect(consumerDiagnostics({ 'connect-mongo': ['src/index.ts'] })).toEqual([]);
  });
});
