// connect-mongo 3.2.0, 4.6.0 and 5.1.0 stores on the run's MongoDB, closed after the test. connect-mongo 4/5
// resolve `kruptein ^3.0.0` at install time; each store here is given the kruptein release under test
// (the same factory call, on the same merged options, that its constructor makes with the one it finds).
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import session from 'express-session';
import type { Store } from 'express-session';
import { onCleanup } from './cleanup';
import { mongoUrl } from './mongo';
import type { KrupteinRelease } from './old-versions';

const require = createRequire(import.meta.url);

type StoreClass = { create(options: object): Store & { close(): Promise<void> } };
const connectMongo = { 4: require('connect-mongo-4') as StoreClass, 5: require('connect-mongo-5') as StoreClass };
/** connect-mongo 4.1.0: its own mongodb 3.x driver and kruptein 2.2.3 (its dependencies then). */
const connectMongo41 = (require('connect-mongo-4.1') as { default: StoreClass }).default;
const connectMongo3 = (require('connect-mongo-3') as (connect: unknown) => new (options: object) => Store & { close(): unknown })(session);

/** The URL of a database on the run's server. */
const dbUrl = (dbName: string) => {
  const url = new URL(mongoUrl());
  url.pathname = `/${dbName}`;
  return url.toString();
};

/** A connect-mongo 4.6.0 or 5.1.0 store, with `kruptein` when its options enable crypto. */
export function oldStore(major: 4 | 5, dbName: string, options: object, kruptein?: KrupteinRelease): Store {
  const store = connectMongo[major].create({ mongoUrl: mongoUrl(), dbName, ...options });
  const internals = store as unknown as { crypto: unknown; options: { crypto: object } };
  if (kruptein && internals.crypto) internals.crypto = kruptein.create(internals.options.crypto);
  onCleanup(() => store.close());
  return store;
}

/** A connect-mongo 4.1.0 store, as installed then (kruptein 2.2.3). */
export function oldStore41(dbName: string, options: object): Store {
  const store = connectMongo41.create({ mongoUrl: mongoUrl(), dbName, ...options });
  onCleanup(() => store.close());
  return store;
}

/** A connect-mongo 3.2.0 store (its own mongodb 3.x driver, its own crypto under `secret`). */
export function oldStore3(dbName: string, options: object): Store {
  const store = new connectMongo3({ url: dbUrl(dbName), ...options });
  const events = store as unknown as { state: string; once(e: string, f: () => void): void };
  onCleanup(async () => {
    // It connects in the background; close() before that would leave its client open.
    if (events.state !== 'connected') await new Promise<void>((resolve) => events.once('connected', resolve));
    await store.close();
  });
  return store;
}

/** set() of an old store, as a promise. */
export const oldSet = (store: Store, sid: string, s: session.SessionData) => promisify(store.set.bind(store))(sid, s);
