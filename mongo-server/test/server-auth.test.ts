// SCRAM-SHA-256 through mongodb://user:pass@ URLs. Needs a server with users: our own in-process server,
// or (for MONGO_URL) credentials given in MONGO_AUTH_URL; a wrong password is refused by any mongod.
import { afterEach, describe, expect, it } from 'vitest';
import { MongoClient, MongoServerError } from 'mongodb';
import { mongoBackend, mongoUrl } from '../../test/support/mongo';
import { TestMongoServer } from '..';

const ownServer = mongoBackend() === 'in-process';
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const USER = 'app';
const PASSWORD = 'p@ss:wörd/1';

async function authServer(): Promise<string> {
  const server = new TestMongoServer({ users: [{ user: USER, password: PASSWORD }] });
  await server.start();
  cleanups.push(() => server.stop());
  return server.url;
}

const withCredentials = (url: string, user: string, password: string) =>
  url.replace('mongodb://', `mongodb://${encodeURIComponent(user)}:${encodeURIComponent(password)}@`);

async function connectError(url: string): Promise<MongoServerError> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 3_000 });
  cleanups.push(() => client.close());
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } catch (e) {
    if (e instanceof MongoServerError) return e;
    throw e;
  }
  throw new Error('expected authentication to fail');
}

describe('authentication failure (any server)', () => {
  it('refuses a wrong password and an unknown user with 18 AuthenticationFailed', async () => {
    const base = ownServer ? await authServer() : mongoUrl();
    const wrong = await connectError(withCredentials(base, USER, 'not-the-password'));
    expect(wrong.code).toBe(18);
    expect(wrong.codeName).toBe('AuthenticationFailed');
    expect((await connectError(withCredentials(base, 'nobody', 'x'))).code).toBe(18);
  });
});

describe.runIf(ownServer)('authentication success (needs a server with users: the in-process test server)', () => {
  it('authenticates with SCRAM-SHA-256 from the URL and then serves commands', async () => {
    const url = await authServer();
    const client = new MongoClient(withCredentials(url, USER, PASSWORD));
    cleanups.push(() => client.close());
    await client.connect();
    const c = client.db('authed').collection('things');
    await c.insertOne({ ok: true });
    expect(await c.countDocuments({})).toBe(1);
    const explicit = new MongoClient(withCredentials(url, USER, PASSWORD) + '/?authMechanism=SCRAM-SHA-256&authSource=admin');
    cleanups.push(() => explicit.close());
    expect(await explicit.db('authed').collection('things').countDocuments({})).toBe(1);
  });

  it('requires authentication for data commands (13 Unauthorized) but answers ping', async () => {
    const url = await authServer();
    const anonymous = new MongoClient(url);
    cleanups.push(() => anonymous.close());
    expect((await anonymous.db('admin').command({ ping: 1 })).ok).toBe(1);
    const err = await anonymous
      .db('authed')
      .collection('things')
      .findOne({})
      .then(
        () => undefined,
        (e: unknown) => e as MongoServerError,
      );
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err!.code).toBe(13);
  });
});
