// An app written against connect-mongo 6.0.0's published declarations, touching every public name, option,
// method, callback shape and property. test/store/types.test.ts compiles it twice: as it is (so it really is
// a connect-mongo consumer) and with 'connect-mongo' resolved to this package (so switching compiles).
import express from 'express';
import session from 'express-session';
import { MongoClient, type Collection } from 'mongodb';
import DefaultStore, {
  MongoStore,
  createKrupteinAdapter,
  createWebCryptoAdapter,
  type CryptoAdapter,
  type CryptoOptions,
  type WebCryptoAdapterOptions,
} from 'connect-mongo';

interface CartSession extends session.SessionData {
  cart?: string[];
}

const client = new MongoClient('mongodb://127.0.0.1:27017/app');
const cryptoOptions: CryptoOptions = { secret: 'kruptein secret, 32 bytes or more', algorithm: 'aes-256-gcm', hashing: 'sha512', encodeas: 'base64' };
const webOptions: WebCryptoAdapterOptions = { secret: 'the web secret, 32 bytes or more', algorithm: 'AES-GCM', encoding: 'base64url', ivLength: 12 };
const adapters: CryptoAdapter[] = [
  createKrupteinAdapter(cryptoOptions),
  createWebCryptoAdapter(webOptions),
  { encrypt: async (plain: string) => plain, decrypt: async (stored: string) => stored },
];

export const stores = [
  MongoStore.create({
    mongoUrl: 'mongodb://127.0.0.1:27017/app',
    mongoOptions: { maxPoolSize: 5 },
    dbName: 'app',
    collectionName: 'sessions',
    ttl: 3600,
    touchAfter: 60,
    stringify: false,
    autoRemove: 'interval',
    autoRemoveInterval: 5,
    writeOperationOptions: { w: 'majority', wtimeoutMS: 1000 },
    transformId: (sid: string) => sid,
    timestamps: true,
    crypto: { secret: false },
  }),
  new DefaultStore({ client, cryptoAdapter: adapters[1], createAutoRemoveIdx: undefined }),
  DefaultStore.create({ clientPromise: Promise.resolve(client), autoRemove: 'disabled' }),
  MongoStore.create({ client, serialize: (s) => JSON.stringify(s), unserialize: (p) => (typeof p === 'string' ? JSON.parse(p) : p) }),
];

const store: MongoStore<CartSession> = MongoStore.create<CartSession>({ client });
const asExpressStore: session.Store = store;
const app = express();
app.use(session({ secret: 'cookie secret', store: asExpressStore, resave: false, saveUninitialized: false }));

export async function useTheCollection(): Promise<number> {
  const collection = await store.collectionP;
  await collection.createIndex({ lastModified: 1 });
  const doc = await collection.findOne({ _id: 'sid' });
  const expires: number | undefined = doc?.expires?.getTime();
  const stored = doc?.session;
  const same: Promise<Collection<NonNullable<typeof doc>>> = store.collectionP;
  await same;
  return (expires ?? 0) + (typeof stored === 'string' ? stored.length : 0);
}

export function useTheMethods(data: CartSession): void {
  store.get('sid', (err: unknown, found?: CartSession | null) => void [err, found?.cart]);
  store.set('sid', data, (err: unknown) => void err);
  store.set('sid', data);
  store.touch('sid', { ...data, lastModified: new Date() }, (err: unknown) => void err);
  store.touch('sid', data);
  store.all((err, sessions) => {
    const list = Array.isArray(sessions) ? sessions : Object.values(sessions ?? {});
    void [err, list.length];
  });
  store.destroy('sid', (err: unknown) => void err);
  store.destroy('sid');
  store.length((err: unknown, length: number) => void [err, length.toFixed(0)]);
  store.clear((err: unknown) => void err);
  store.clear();
  const closed: Promise<void> = store.close();
  void closed;
}

export function useTheEvents(): void {
  store.on('create', (sid: string) => void sid);
  store.on('update', (sid: string) => void sid);
  store.on('set', (sid: string) => void sid);
  store.on('get', (sid: string) => void sid);
  store.on('destroy', (sid: string) => void sid);
  store.on('touch', (sid: string, touched: CartSession) => void [sid, touched.cart]);
  store.on('all', (sessions: CartSession[]) => void sessions.length);
}
