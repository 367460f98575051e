// Where the examples' MongoDB comes from, so `npm start` works on a fresh machine:
//   1. MONGO_URL, when set (your own server, Atlas, a test harness...);
//   2. mongodb-memory-server, only when a mongod binary is already on disk (MONGOMS_SYSTEM_BINARY or its
//      download cache): the examples never download one, and give it a bounded time to start;
//   3. otherwise this repository's in-process test server (mongo-server/), which speaks enough of the
//      wire protocol for a session store. Examples are not shipped, so they may import test code.
// Whichever it is gets printed, with any password in MONGO_URL masked.
export type MongoSource = 'MONGO_URL' | 'mongodb-memory-server' | 'test-server';

export interface ExampleMongo {
  /** Connection string without a database name; pick one with `dbName` or append it. */
  url: string;
  source: MongoSource;
  /** Stops the embedded server, if one was started (a no-op for MONGO_URL). */
  stop(): Promise<void>;
}

const LOCATE_LIMIT_MS = 5_000;
const MEMORY_SERVER_START_LIMIT_MS = 20_000;

export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]*)@/, '//$1:****@');
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * mongodb-memory-server, only if a mongod binary is already on disk (MONGOMS_SYSTEM_BINARY or its download
 * cache, as its own DryMongoBinary finds it): undefined when there is none, so nothing is ever downloaded.
 */
async function startMemoryServer(): Promise<{ mongo: ExampleMongo; binary: string } | undefined> {
  const { DryMongoBinary, MongoMemoryServer } = await import('mongodb-memory-server-core');
  const binary = await within(DryMongoBinary.locateBinary(await DryMongoBinary.generateOptions()), LOCATE_LIMIT_MS, 'locating mongod');
  if (!binary) return undefined;
  const server = await within(MongoMemoryServer.create({ binary: { systemBinary: binary } }), MEMORY_SERVER_START_LIMIT_MS, 'starting mongod');
  const url = server.getUri().replace(/\/$/, '');
  return { binary, mongo: { url, source: 'mongodb-memory-server', stop: async () => void (await server.stop()) } };
}

async function startTestServer(): Promise<ExampleMongo> {
  const { TestMongoServer } = await import('../../mongo-server');
  const server = new TestMongoServer();
  const url = await server.start();
  return { url, source: 'test-server', stop: () => server.stop() };
}

export async function startExampleMongo(log: (line: string) => void = console.log): Promise<ExampleMongo> {
  const external = process.env.MONGO_URL;
  if (external) {
    log(`MongoDB: MONGO_URL (${maskUrl(external)})`);
    return { url: external, source: 'MONGO_URL', stop: async () => {} };
  }
  try {
    const found = await startMemoryServer();
    if (found) {
      log(`MongoDB: embedded mongodb-memory-server (${found.binary}) at ${found.mongo.url}`);
      return found.mongo;
    }
  } catch (error) {
    log(`MongoDB: mongodb-memory-server unavailable (${(error as Error).message.split('\n')[0]}); using the test server`);
  }
  const mongo = await startTestServer();
  log(`MongoDB: embedded test server (mongo-server/; no usable mongod binary here) at ${mongo.url}; in memory, so sessions last until the app stops: set MONGO_URL to keep them`);
  return mongo;
}
