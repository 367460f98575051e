import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'mongo-server/test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Workers print no process warning themselves: test/support/warnings.ts records each, and prints the
    // ones no test expected.
    execArgv: ['--no-warnings'],
    setupFiles: ['test/support/warnings.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    coverage: {
      // Enabled by `vitest run --coverage` (npm test), so running a single file stays quick.
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text', 'json-summary'],
      reportsDirectory: 'coverage',
      thresholds: { lines: 90, branches: 90 },
    },
  },
});
