// How a test finds the MongoDB it runs against. The global setup (test/support/global-setup.ts) resolves the
// backend once per run and hands the URL to every test file through vitest's provide/inject.
import { inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { BackendName } from '../../mongo-server';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUrl: string;
    mongoBackend: BackendName;
  }
}

/** Connection string of the run's shared MongoDB (no database path: pick one with uniqueDbName). */
export function mongoUrl(): string {
  return inject('mongoUrl');
}

export function mongoBackend(): BackendName {
  return inject('mongoBackend');
}

/** A fresh database name, so test files never see each other's data. */
export function uniqueDbName(prefix = 't'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}
