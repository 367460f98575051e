// kruptein 3.0.8 called as connect-mongo calls it, for tests that write data the way connect-mongo does.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** kruptein's factory (CommonJS, untyped). */
export const kruptein = require('kruptein') as (opts: object) => {
  set(secret: string, plaintext: unknown, cb: (err: unknown, out?: string) => void): void;
  get(secret: string, ciphertext: string, cb: (err: unknown, out?: string) => void): void;
};
