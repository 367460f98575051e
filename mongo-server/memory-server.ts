// mongodb-memory-server, only when a mongod binary can be had without ever making a run wait on a network
// that is not there.
import type { DryMongoBinary, MongoMemoryServer } from 'mongodb-memory-server-core';

type BinaryOptions = Awaited<ReturnType<typeof DryMongoBinary.generateOptions>>;

/** 'download' may fetch a binary (bounded in time); 'on-disk' uses one already present, never downloading. */
export type BinarySource = 'download' | 'on-disk';

export interface MemoryServer {
  url: string;
  binary: string;
  stop(): Promise<void>;
}

const LOCATE_LIMIT_MS = 5_000;
const START_LIMIT_MS = 30_000;

/** `promise`, or a rejection naming `what` once `ms` have passed. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * A download, only if the download host answers a HEAD request within 3 s (offline: undefined at once);
 * MONGOMS_RUNTIME_DOWNLOAD=false turns downloads off, MONGOMS_DOWNLOAD_TIMEOUT_MS bounds them.
 */
async function download(options: BinaryOptions): Promise<string | undefined> {
  if (/^(false|0|no)$/i.test(process.env.MONGOMS_RUNTIME_DOWNLOAD ?? '')) return undefined;
  const { MongoBinary } = await import('mongodb-memory-server-core');
  const { default: DownloadUrl } = await import('mongodb-memory-server-core/lib/util/MongoBinaryDownloadUrl.js');
  const url = await new DownloadUrl({ platform: options.platform, arch: options.arch, version: options.version, os: options.os }).getDownloadUrl();
  try {
    const head = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(3_000) });
    if (!head.ok) return undefined;
  } catch {
    return undefined;
  }
  const limit = Number(process.env.MONGOMS_DOWNLOAD_TIMEOUT_MS ?? 120_000);
  return within(MongoBinary.download({ ...options, checkMD5: false }), limit, `downloading ${url}`);
}

/** A mongod binary: MONGOMS_SYSTEM_BINARY or mongodb-memory-server's cache, else (if allowed) a download. */
async function findBinary(source: BinarySource): Promise<string | undefined> {
  const { DryMongoBinary } = await import('mongodb-memory-server-core');
  const options = await DryMongoBinary.generateOptions();
  const located = await within(DryMongoBinary.locateBinary(options), LOCATE_LIMIT_MS, 'locating a mongod binary');
  if (located || options.systemBinary || source === 'on-disk') return located;
  return download(options);
}

/** A mongod started by mongodb-memory-server, or undefined when no binary can be had; throws if it fails to start. */
export async function startMemoryServer(source: BinarySource, mongodArgs: string[]): Promise<MemoryServer | undefined> {
  const binary = await findBinary(source);
  if (!binary) return undefined;
  const { MongoMemoryServer } = await import('mongodb-memory-server-core');
  const mms: MongoMemoryServer = await within(
    MongoMemoryServer.create({ binary: { systemBinary: binary }, instance: { args: mongodArgs } }),
    START_LIMIT_MS,
    'starting mongodb-memory-server',
  );
  return { url: mms.getUri().replace(/\/$/, ''), binary, stop: async () => void (await mms.stop()) };
}
