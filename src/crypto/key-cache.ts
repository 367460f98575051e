import { createSecretKey, pbkdf2, type KeyObject } from 'node:crypto';

// Async PBKDF2 (libuv thread pool): a derivation never blocks the event loop. Failures get a fixed message.
function pbkdf2Async(secret: Uint8Array, salt: Uint8Array, iterations: number, keyLen: number, digest: string) {
  return new Promise<Buffer>((resolve, reject) => {
    pbkdf2(secret, salt, iterations, keyLen, digest, (err, key) =>
      err ? reject(new Error(`Unable to derive the encryption key (PBKDF2-${digest})`)) : resolve(key),
    );
  });
}

function toSecretKey(raw: Buffer): KeyObject {
  const key = createSecretKey(raw);
  raw.fill(0);
  return key;
}

/** One adapter's PBKDF2 parameters; counts the derivations it runs (see cryptoAdapterStats). */
export class KeyDeriver {
  derivations = 0;

  constructor(
    private readonly secret: Uint8Array,
    private readonly iterations: number,
    private readonly keyLength: number,
    private readonly digest: string,
  ) {}

  derive(salt: Uint8Array): Promise<KeyObject> {
    this.derivations++;
    return pbkdf2Async(this.secret, salt, this.iterations, this.keyLength, this.digest).then(toSecretKey);
  }
}

type KeyEvents = { derived?: () => void; failed?: () => void };

/**
 * A key derived on first use, then kept. Concurrent first uses share one derivation; a failed derivation
 * is forgotten, so that a later call retries instead of failing forever.
 */
export class CachedKey {
  /** Set once derived: callers use it directly and skip a promise on every later operation. */
  key: KeyObject | undefined = undefined;
  private pending: Promise<KeyObject> | undefined = undefined;

  constructor(
    private readonly deriver: KeyDeriver,
    private readonly salt: Uint8Array,
    private readonly events: KeyEvents = {},
  ) {}

  get(): Promise<KeyObject> {
    if (!this.pending) {
      this.pending = this.deriver.derive(this.salt).then(
        (key) => {
          this.key = key;
          this.events.derived?.();
          return key;
        },
        (err: unknown) => {
          this.pending = undefined;
          this.events.failed?.();
          throw err;
        },
      );
      // Nobody may be awaiting yet; the failure (if any) is rethrown to the caller that awaits it.
      this.pending.catch(() => {});
    }
    return this.pending;
  }
}

/**
 * Keys by salt: one that is never evicted (the adapter's own salt, used for everything it writes), and up
 * to `limit` for salts written by others (kruptein draws one per value), least recently used evicted.
 */
export class SaltKeyCache {
  readonly own: CachedKey;
  private readonly ownSalt: Buffer;
  // Map order doubles as LRU order.
  private readonly others = new Map<string, CachedKey>();

  constructor(
    private readonly deriver: KeyDeriver,
    ownSalt: Buffer,
    private readonly limit: number,
  ) {
    this.own = new CachedKey(deriver, ownSalt);
    this.ownSalt = ownSalt;
  }

  /** Derived keys held, the own key included once it exists. */
  get size(): number {
    return this.others.size + (this.own.key ? 1 : 0);
  }

  /** The key itself when it is known, so that the caller can skip an await. */
  keyFor(salt: Buffer): KeyObject | Promise<KeyObject> {
    // Everything this adapter wrote carries its own salt: compared as bytes, no string per lookup.
    if (salt.equals(this.ownSalt)) return this.own.key ?? this.own.get();
    const id = salt.toString('latin1');
    const entry = this.others.get(id);
    if (entry) {
      this.others.delete(id); // refresh LRU position
      this.others.set(id, entry);
      return entry.key ?? entry.get();
    }
    return this.add(id, Buffer.from(salt)).get();
  }

  private add(id: string, salt: Buffer): CachedKey {
    const entry: CachedKey = new CachedKey(this.deriver, salt, {
      failed: () => {
        if (this.others.get(id) === entry) this.others.delete(id); // a later call derives afresh
      },
    });
    this.others.set(id, entry);
    if (this.others.size > this.limit) this.others.delete(this.others.keys().next().value as string);
    return entry;
  }
}
