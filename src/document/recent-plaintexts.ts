// The plaintext of the last ciphertext read or written for each session id, for our kruptein adapter (where
// it earns >= 10 % of an encrypted get; see SessionCipher.worthRemembering). A session is read on every
// request and rewritten only when it changes, so most reads find the exact ciphertext they decrypted (or
// wrote) last time: the same bytes under the same keys decrypt to the same plaintext, and a string
// comparison replaces the decryption. Any other ciphertext (another instance wrote it, it was altered) is
// a miss and is decrypted as usual. Bounded in entries and characters; least recently used first out.
// Private fields: an app that logs or inspects the store sees none of it.
// A logged-out session's plaintext must not stay: a read that began before a forget() keeps nothing (it
// may have read the session just before the delete), and after close() nothing is kept at all.

export interface RecentPlaintext {
  plaintext: string;
  stale: boolean;
}

type Entry = RecentPlaintext & { ciphertext: string };

/** Up to 1,000 sessions and 8 Mi characters (ciphertexts and plaintexts together) per store. */
const MAX_ENTRIES = 1_000;
const MAX_CHARS = 8 * 1024 * 1024;

export class RecentPlaintexts {
  readonly #byId = new Map<string, Entry>();
  #chars = 0;
  /** How many forget() and clear() calls so far: a read compares it with the mark() it took at its start. */
  #forgets = 0;
  #closed = false;

  /** The plaintext when `ciphertext` is exactly the last one seen for `id`. */
  recall(id: string, ciphertext: string): RecentPlaintext | undefined {
    const entry = this.#byId.get(id);
    if (!entry || entry.ciphertext !== ciphertext) return undefined;
    this.#byId.delete(id); // refresh its place in the LRU order
    this.#byId.set(id, entry);
    return entry;
  }

  /** How many sessions' plaintexts are kept. */
  get size(): number {
    return this.#byId.size;
  }

  /** Taken when a read begins, before its query is sent; pass it to remember(). */
  mark(): number {
    return this.#forgets;
  }

  /** Keeps the plaintext, unless the store is closed or (given the read's `since`) a session was forgotten since. */
  remember(id: string, ciphertext: string, { plaintext, stale }: RecentPlaintext, since?: number): void {
    if (this.#closed || (since !== undefined && since !== this.#forgets)) return;
    this.#drop(id);
    const size = ciphertext.length + plaintext.length;
    if (size > MAX_CHARS / 16) return; // a huge session would push out many ordinary ones
    this.#byId.set(id, { ciphertext, plaintext, stale });
    this.#chars += size;
    for (const [oldest, e] of this.#byId) {
      if (this.#byId.size <= MAX_ENTRIES && this.#chars <= MAX_CHARS) break;
      this.#byId.delete(oldest);
      this.#chars -= e.ciphertext.length + e.plaintext.length;
    }
  }

  /** At a destroy, before and after the delete: the plaintext of a logged-out session is not kept. */
  forget(id: string): void {
    this.#forgets++;
    this.#drop(id);
  }

  clear(): void {
    this.#forgets++;
    this.#byId.clear();
    this.#chars = 0;
  }

  /** Forgets everything, and keeps nothing from now on (a read still in flight included). */
  close(): void {
    this.clear();
    this.#closed = true;
  }

  #drop(id: string): void {
    const entry = this.#byId.get(id);
    if (!entry) return;
    this.#byId.delete(id);
    this.#chars -= entry.ciphertext.length + entry.plaintext.length;
  }
}
