// What a user's browser does against the app (./app.mts) for one storage format, with the checks that the
// runtime serving it kept every promise: login, reads across requests, length()/all(), logout; and, at rest,
// that an encrypted format stored no plaintext and that Node 20 reads what this runtime wrote.
import assert from 'node:assert/strict';
import type { MongoClient } from 'mongodb';
import type * as Package from '../../src/index';
import { Browser } from './http';

export const FORMATS = ['plain', 'webcrypto', 'legacy'] as const;
export type Format = (typeof FORMATS)[number];

export interface FlowContext {
  base: string;
  dbPrefix: string;
  secret: string;
  /** The host's driver, to look at what the runtime stored. */
  mongo: MongoClient;
  mongoUrl: string;
  /** The packed package, loaded by the host (Node 20). */
  pkg: typeof Package;
}

/** The same store options the app uses for `format`. */
function optionsFor(format: Format, { pkg, secret }: FlowContext): Package.ConnectMongoOptions {
  if (format === 'webcrypto') return { cryptoAdapter: pkg.createWebCryptoAdapter({ secret }) };
  if (format === 'legacy') return { crypto: { secret } };
  return {};
}

const USER = 'ada-lovelace-1815';

export async function checkFormat(format: Format, context: FlowContext): Promise<void> {
  const cookie = `sid-${format}`;
  const [ada, bob] = [new Browser(`${context.base}/${format}`), new Browser(`${context.base}/${format}`)];
  assert.deepEqual((await ada.send('GET', '/me')).body, { user: null, views: null });
  assert.equal(ada.sid(cookie), undefined, `${format}: no cookie before login (saveUninitialized: false)`);

  await ada.send('POST', `/login?user=${USER}`);
  await bob.send('POST', '/login?user=bob');
  assert.deepEqual((await ada.send('GET', '/me')).body, { user: USER, views: 1 });
  assert.deepEqual((await ada.send('GET', '/me')).body, { user: USER, views: 2 });
  assert.deepEqual((await bob.send('GET', '/me')).body, { user: 'bob', views: 1 });
  assert.deepEqual((await ada.send('GET', '/stats')).body, { length: 2, users: [USER, 'bob'] });

  await checkAtRest(format, context, ada.sid(cookie)!);

  await ada.send('POST', '/logout');
  assert.deepEqual((await ada.send('GET', '/me')).body, { user: null, views: null });
  assert.deepEqual((await bob.send('GET', '/me')).body, { user: 'bob', views: 2 });
  assert.deepEqual((await bob.send('GET', '/stats')).body, { length: 1, users: ['bob'] });
}

async function checkAtRest(format: Format, context: FlowContext, sid: string): Promise<void> {
  const dbName = `${context.dbPrefix}_${format}`;
  const stored = JSON.stringify(await context.mongo.db(dbName).collection('sessions').find().toArray());
  assert.equal(stored.includes(USER), format === 'plain', `${format}: the user's name is ${format === 'plain' ? 'missing from' : 'readable in'} the stored documents`);

  const store = context.pkg.default.create({ mongoUrl: context.mongoUrl, dbName, ...optionsFor(format, context) });
  try {
    const data = await new Promise<unknown>((resolve, reject) => store.get(sid, (error, session) => (error ? reject(error) : resolve(session))));
    assert.deepEqual({ user: (data as { user?: string })?.user, views: (data as { views?: number })?.views }, { user: USER, views: 2 }, `${format}: Node 20 reads the session`);
  } finally {
    await store.close();
  }
}
