// Where the examples' MongoDB comes from, so `npm start` works on a fresh machine:
//   1. MONGO_URL, when set (your own server, Atlas, a test harness...);
//   2. mongodb-memory-server, only when a mongod binary is already on disk (MONGOMS_SYSTEM_BINARY or its
//      download cache): the examples never download one, and give it a bounded time to start;
//   3. otherwise this repository's in-process test server (test/mongo-server), which speaks enough of the
//      wire protocol for a session store. Examples are not shipped, so they may import test code.
// Whichever it is gets printed, with any password in MONGO_URL masked.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type MongoSource = 'MONGO_URL' | 'mongodb-memory-server' | 'test-server';

export interface ExampleMongo {
  /** Connection string without a database name; pick one with `dbName` or append it. */
  url: string;
  source: MongoSource;
  /** Stops the embedded server, if one was started (a no-op for MONGO_URL). */
  stop(): Promise<void>;
}

const MEMORY_SERVER_START_LIMIT_MS = 20_000;

export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]*)@/, '//$1:****@');
}

/** A mongod binary that mongodb-memory-server could use without downloading anything, if there is one. */
function localMongodBinary(): string | undefined {
  const system = process.env.MONGOMS_SYSTEM_BINARY;
  if (system) return existsSync(system) ? system : undefined;
  const cacheDirs = [
    process.env.MONGOMS_DOWNLOAD_DIR,
    join(process.cwd(), 'node_modules', '.cache', 'mongodb-memory-server'),
    join(homedir(), '.cache', 'mongodb-binaries'),
  ].filter((dir): dir is string => Boolean(dir));
  for (const dir of cacheDirs) {
    if (!existsSync(dir)) continue;
    const binary = readdirSync(dir).find((name) => name.startsWith('mongod-'));
    if (binary) return join(dir, binary);
  }
  return undefined;
}

async function startMemoryServer(): Promise<ExampleMongo> {
  // Never let mongodb-memory-server fetch a binary: a missing one must fail fast, not hang on the network.
  process.env.MONGOMS_RUNTIME_DOWNLOAD = 'false';
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  let timer: NodeJS.Timeout | undefined;
  const server = await Promise.race([
    MongoMemoryServer.create(),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not started within ${MEMORY_SERVER_START_LIMIT_MS} ms`)), MEMORY_SERVER_START_LIMIT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  return { url: server.getUri(), source: 'mongodb-memory-server', stop: async () => void (await server.stop()) };
}

async function startTestServer(): Promise<ExampleMongo> {
  const { TestMongoServer } = await import('../../test/mongo-server');
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
  const binary = localMongodBinary();
  if (binary) {
    try {
      const mongo = await startMemoryServer();
      log(`MongoDB: embedded mongodb-memory-server (${binary}) at ${mongo.url}`);
      return mongo;
    } catch (error) {
      log(`MongoDB: mongodb-memory-server could not start (${(error as Error).message}); falling back`);
    }
  }
  const mongo = await startTestServer();
  log(`MongoDB: embedded test server from test/mongo-server at ${mongo.url} (in memory: data is lost when the app stops; set MONGO_URL to keep it)`);
  return mongo;
}
