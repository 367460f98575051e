// Resolves the MongoDB the whole run uses: MONGO_URL -> mongodb-memory-server (only with a binary at hand)
// -> the in-process test server. Prints one line naming the backend.
import type { TestProject } from 'vitest/node';
import type { Backend } from '../helpers/mongo';
import { TestMongoServer } from '../../mongo-server';

interface Resolved {
  url: string;
  backend: Backend;
  stop: () => Promise<void>;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });

/**
 * A mongod binary for mongodb-memory-server, without ever making CI wait on a network that is not there:
 * MONGOMS_SYSTEM_BINARY or a cached binary; otherwise a download, only if the download host answers a
 * HEAD request within 3 s (MONGOMS_RUNTIME_DOWNLOAD=false turns downloads off), bounded in time.
 */
async function findBinary(): Promise<string | undefined> {
  const { DryMongoBinary, MongoBinary } = await import('mongodb-memory-server-core');
  const options = await DryMongoBinary.generateOptions();
  const located = await withTimeout(DryMongoBinary.locateBinary(options), 5_000, 'locating a mongod binary');
  if (located || options.systemBinary) return located;
  if (/^(false|0|no)$/i.test(process.env.MONGOMS_RUNTIME_DOWNLOAD ?? '')) return undefined;
  const { default: DownloadUrl } = await import('mongodb-memory-server-core/lib/util/MongoBinaryDownloadUrl.js');
  const url = await new DownloadUrl({ platform: options.platform, arch: options.arch, version: options.version, os: options.os }).getDownloadUrl();
  try {
    const head = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(3_000) });
    if (!head.ok) return undefined;
  } catch {
    return undefined; // offline: fall through at once
  }
  const limit = Number(process.env.MONGOMS_DOWNLOAD_TIMEOUT_MS ?? 120_000);
  return withTimeout(MongoBinary.download({ ...options, checkMD5: false }), limit, `downloading ${url}`);
}

/** A mongod from mongodb-memory-server (test commands enabled, for failpoints), when a binary can be had. */
async function tryMemoryServer(): Promise<Resolved | undefined> {
  try {
    const binary = await findBinary();
    if (!binary) return undefined;
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    const mms = await withTimeout(
      MongoMemoryServer.create({ binary: { systemBinary: binary }, instance: { args: ['--setParameter', 'enableTestCommands=1'] } }),
      30_000,
      'starting mongodb-memory-server',
    );
    return { url: mms.getUri().replace(/\/$/, ''), backend: 'mongodb-memory-server', stop: async () => void (await mms.stop()) };
  } catch (e) {
    console.warn(`[mongo] mongodb-memory-server unavailable: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

async function resolveBackend(): Promise<Resolved> {
  if (process.env.MONGO_URL) {
    return { url: process.env.MONGO_URL, backend: 'external', stop: async () => {} };
  }
  const mms = await tryMemoryServer();
  if (mms) return mms;
  const server = new TestMongoServer();
  const url = await server.start();
  return { url, backend: 'test-server', stop: () => server.stop() };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const resolved = await resolveBackend();
  project.provide('mongoUrl', resolved.url);
  project.provide('mongoBackend', resolved.backend);
  const shown = resolved.url.replace(/\/\/[^@/]*@/, '//***@');
  console.log(`[mongo] backend: ${resolved.backend} (${shown})`);
  return resolved.stop;
}
