// Reading what connect-mongo wrote before connect-mongo 6: kruptein 2 (JSON), 3.1–3.3 and 3.4 records,
// and connect-mongo 3's own JSON records. The kruptein adapter tries its own format (kruptein 3.0, what
// connect-mongo 6 writes) first, so nothing changes on that path; only a value it rejects comes here. The
// format is recognised from the value, and authenticated with the same secrets: a wrong secret fails as before.
import { decodeDerOctetSequence } from '../der';
import { KeyDeriver, SaltKeyCache } from '../key-cache';
import type { KrupteinConfig } from '../kruptein';
import { ConnectMongo3Keys, recognizeConnectMongo3 } from './connect-mongo-3';
import { recognizeKruptein2 } from './kruptein-2';
import { recognizeKruptein31 } from './kruptein-3-1';
import { recognizeKruptein34 } from './kruptein-3-4';
import type { Maybe } from '../cipher';
import { openOlder, type OlderDetailed, type Recognized } from './reader';

export type { OlderDetailed } from './reader';

/** PBKDF2 iterations of kruptein 3.1.3 and later. */
const ITERATIONS_SINCE_3_1_3 = 20_000;
const KEY_CACHE_LIMIT = 1_000;

/** A 3.0 record the adapter refused for its HMAC (so perhaps 3.1–3.3), not for being damaged inside. */
const failedIntegrity = (err: unknown) => err instanceof Error && err.message.includes('integrity check failed');

export class OlderFormats {
  private readonly derivers: KeyDeriver[];
  private readonly keys20: SaltKeyCache[];
  private readonly keysCm3: ConnectMongo3Keys;

  constructor(
    private readonly c: KrupteinConfig,
    secrets: Buffer[],
    keyLength: number,
    /** The adapter's own keys (15 000 iterations), which kruptein 2 and 3.1.1 used too. */
    private readonly keys15: SaltKeyCache[],
  ) {
    this.derivers = secrets.map((s) => new KeyDeriver(s, ITERATIONS_SINCE_3_1_3, keyLength, c.hashing));
    this.keys20 = this.derivers.map((d) => new SaltKeyCache(d, c.ownSalt, KEY_CACHE_LIMIT));
    this.keysCm3 = new ConnectMongo3Keys(secrets, c.hashing, keyLength);
  }

  get derivations(): number {
    return this.derivers.reduce((n, d) => n + d.derivations, this.keysCm3.derivations);
  }

  get cachedKeys(): number {
    return this.keys20.reduce((n, k) => n + k.size, this.keysCm3.size);
  }

  /** The older format `stored` is in, or undefined; `failure`: why the current format refused it. */
  private recognize(stored: unknown, failure: unknown): Recognized | undefined {
    if (typeof stored !== 'string') return undefined;
    if (stored.startsWith('{') || stored.startsWith('"')) {
      return recognizeConnectMongo3(this.c, stored, this.keysCm3) ?? recognizeKruptein2(this.c, stored, this.keys15);
    }
    const fields = decodeDerOctetSequence(Buffer.from(stored, this.c.enc));
    if (!fields) return undefined;
    return (
      recognizeKruptein34(this.c, fields, this.keys20) ??
      (failedIntegrity(failure) ? recognizeKruptein31(this.c, fields, this.keys15, this.keys20) : undefined)
    );
  }

  /** At once while the keys are derived, else a promise; throws `failure` for a value in no known format. */
  decrypt(stored: unknown, failure: unknown): Maybe<OlderDetailed> {
    const value = this.recognize(stored, failure);
    if (!value) throw failure;
    return openOlder(value, this.keys15.length);
  }
}
