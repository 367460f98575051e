// Type-checked (never run) with tsc against the installed tarball: CommonJS consumers under node16/nodenext.
import MongoStore = require('connect-mongo-next');
import session = require('express-session');

declare module 'express-session' {
  interface SessionData {
    cart: string[];
  }
}

const store: MongoStore = MongoStore.create({ mongoUrl: 'mongodb://127.0.0.1/app' });
const viaNew: MongoStore.MongoStore = new MongoStore({ mongoUrl: 'mongodb://127.0.0.1/app' });
const viaDefault = new MongoStore.default({ mongoUrl: 'mongodb://127.0.0.1/app' });
const adapter: MongoStore.CryptoAdapter = MongoStore.createWebCryptoAdapter({ secret: 'x' });
const legacy: MongoStore.CryptoAdapter = MongoStore.createKrupteinAdapter({ secret: 'x' });
const options: MongoStore.ConnectMongoOptions = { clientPromise: undefined, cryptoAdapter: adapter };

class AuditedStore extends MongoStore {}
const audited = new AuditedStore({ mongoUrl: 'mongodb://127.0.0.1/app' });

session({ secret: 's', store: audited });
store.get('sid', (_error, data) => {
  const cart: string[] | undefined = data?.cart;
  void cart;
});

// @ts-expect-error ttl is a number of seconds
MongoStore.create({ mongoUrl: 'mongodb://127.0.0.1/app', ttl: '14d' });

void viaNew;
void viaDefault;
void legacy;
void options;
