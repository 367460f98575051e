// Resolves the MongoDB the whole run uses (see mongo-server/backend.ts) and prints one line naming it.
// mongodb-memory-server may download a binary here (bounded in time), and runs with test commands on,
// for failpoints.
import type { TestProject } from 'vitest/node';
import { maskUrl, resolveBackend } from '../../mongo-server';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const resolved = await resolveBackend({
    memoryServer: 'download',
    mongodArgs: ['--setParameter', 'enableTestCommands=1'],
    onMemoryServerError: (message) => console.warn(`[mongo] mongodb-memory-server unavailable: ${message}`),
  });
  project.provide('mongoUrl', resolved.url);
  project.provide('mongoBackend', resolved.backend);
  console.log(`[mongo] backend: ${resolved.backend} (${maskUrl(resolved.url)})`);
  return resolved.stop;
}
