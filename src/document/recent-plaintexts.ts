// The plaintext of the last ciphertext read or written for each session id, for our own adapters. A
// session is read on every request and rewritten only when it changes, so most reads find the exact
// ciphertext they decrypted (or wrote) last time: the same bytes under the same keys decrypt to the same
// plaintext, and a string comparison replaces the decryption. Any other ciphertext (another instance
// wrote it, it was altered) is a miss and is decrypted as usual. Bounded in entries and characters;
// least recently used first out. Private fields: an app that logs or inspects the store sees none of it.

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

  /** The plaintext when `ciphertext` is exactly the last one seen for `id`. */
  recall(id: string, ciphertext: string): RecentPlaintext | undefined {
    const entry = this.#byId.get(id);
    if (!entry || entry.ciphertext !== ciphertext) return undefined;
    this.#byId.delete(id); // refresh its place in the LRU order
    this.#byId.set(id, entry);
    return entry;
  }

  remember(id: string, ciphertext: string, { plaintext, stale }: RecentPlaintext): void {
    this.forget(id);
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

  /** After a destroy: the plaintext of a logged-out session is not kept. */
  forget(id: string): void {
    const entry = this.#byId.get(id);
    if (!entry) return;
    this.#byId.delete(id);
    this.#chars -= entry.ciphertext.length + entry.plaintext.length;
  }

  clear(): void {
    this.#byId.clear();
    this.#chars = 0;
  }
}
