// Type-checked (never run) with tsc against the installed tarball: ESM consumers under node16/nodenext.
import session from 'express-session';
import MongoStore, {
  MongoStore as NamedMongoStore,
  createKrupteinAdapter,
  createWebCryptoAdapter,
  type ConnectMongoOptions,
  type CryptoAdapter,
  type CryptoOptions,
  type WebCryptoAdapterOptions,
} from 'connect-mongo-next';

declare module 'express-session' {
  interface SessionData {
    views: number;
    user?: { name: string };
  }
}

const webOptions: WebCryptoAdapterOptions = { secret: 'x', encoding: 'base64url' };
const legacy: CryptoOptions = { secret: 'x', algorithm: 'aes-256-gcm' };
const adapter: CryptoAdapter = createWebCryptoAdapter(webOptions);
const options: ConnectMongoOptions = { mongoUrl: 'mongodb://127.0.0.1/app', ttl: 60, autoRemove: 'interval', cryptoAdapter: adapter };
const store: MongoStore = MongoStore.create(options);
const named: NamedMongoStore = new NamedMongoStore({ mongoUrl: 'mongodb://127.0.0.1/app', crypto: legacy });
const kruptein: CryptoAdapter = createKrupteinAdapter(legacy);
const middleware = session({ secret: 's', store, resave: false, saveUninitialized: false });

store.get('sid', (error, data) => {
  if (!error && data) {
    const views: number = data.views;
    const name: string | undefined = data.user?.name;
    void views;
    void name;
  }
});
const closing: Promise<void> = store.close() as Promise<void>;

// @ts-expect-error autoRemove is 'native' | 'interval' | 'disabled'
MongoStore.create({ mongoUrl: 'mongodb://127.0.0.1/app', autoRemove: 'sometimes' });
// @ts-expect-error views was declared a number in SessionData
const wrong: session.SessionData = { cookie: {} as session.Cookie, views: 'many' };

void named;
void kruptein;
void middleware;
void closing;
void wrong;
