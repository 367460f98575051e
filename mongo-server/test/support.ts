// Shared by the test server's own tests.
import { MongoServerError } from 'mongodb';
import { expect } from 'vitest';

/** The MongoServerError `p` rejects with; fails the test if it resolves or rejects with anything else. */
export async function serverErrorOf(p: Promise<unknown>): Promise<MongoServerError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(MongoServerError);
  return e as MongoServerError;
}
