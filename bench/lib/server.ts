// Where the benchmark's MongoDB comes from: MONGO_URL, or the project's test server in its own process,
// so that the server's CPU never counts as the store's client CPU. mongodb-memory-server is left out so that
// runs without MONGO_URL always measure against the same server.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { resolveBackend } from '../../mongo-server';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Server {
  url: string;
  kind: string;
  pid?: number;
  stop(): Promise<void>;
}

export async function startServer(): Promise<Server> {
  const backend = await resolveBackend({ memoryServer: 'off', ownProcess: true });
  const kind = backend.backend === 'in-process' ? 'project test server (mongo-server/cli.ts, own process)' : backend.backend;
  return { url: backend.url, kind, pid: backend.pid, stop: () => backend.stop() };
}
