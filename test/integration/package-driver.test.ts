// Which MongoDB driver this run really loaded. The driver matrix (scripts/driver-matrix.sh) reruns the
// integration tests with mongodb@5 and @6 and sets EXPECT_MONGODB_MAJOR; a plain run expects the dev
// dependency's major (7). Without this check a matrix run could silently test driver 7 three times.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { mongoUrl } from '../support';

const require = createRequire(import.meta.url);
const driverPackage = JSON.parse(readFileSync(require.resolve('mongodb/package.json'), 'utf8')) as { version: string };
const ownPackage = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  devDependencies: Record<string, string>;
};

describe('mongodb driver under test', () => {
  it('is the major version this run is meant to test', () => {
    const expected = process.env.EXPECT_MONGODB_MAJOR ?? /\d+/.exec(ownPackage.devDependencies.mongodb)![0];
    console.log(`[driver] mongodb ${driverPackage.version} (expected major ${expected})`);
    expect(driverPackage.version.split('.')[0]).toBe(expected);
  });

  it('is the module the tests and src/ import, and it talks to the run\'s server', async () => {
    const client = new MongoClient(mongoUrl());
    try {
      // The client's handshake metadata names the version of the driver code that actually runs
      // (a plain object in driver 5, a promise in later majors).
      // `metadata` is internal to the driver (not in its types), hence the cast.
      const metadata = (await (client.options as unknown as { metadata: unknown }).metadata) as { driver: { version: string } };
      expect(metadata.driver.version).toBe(driverPackage.version);
      await client.connect();
      expect((await client.db('admin').command({ ping: 1 })).ok).toBe(1);
    } finally {
      await client.close();
    }
  });
});
