// The encrypted `session` field: which context binds a ciphertext to its `_id` (controls/bind-to-id.ts),
// which secret decrypted it (a stale one asks for re-encryption), and what an undecryptable one means (onDecryptError).
import { andThen, attempt, cipherOf, isOwn, type Decryption, type Maybe, type SessionCipher } from '../crypto/cipher';
import type { CryptoAdapter } from '../crypto/types';
import { Binding, type BindToId } from '../controls/bind-to-id';
import { ConnectMongoError, ErrorCodes, optionError } from '../errors';
import { unserializable } from './serialize-errors';

export type { BindToId } from '../controls/bind-to-id';
export type OnDecryptError = 'error' | 'miss';

export interface EncryptionOptions {
  adapter: CryptoAdapter;
  bindToId: BindToId;
}

/** A decrypted field; `stale` when written with an older secret or not yet bound to its id. */
export interface Decrypted {
  plaintext: string;
  stale: boolean;
  /** Read under bindToId 'migrate' without its id: never remembered, so that the cut-off applies to it. */
  unbound?: true;
}

/** "This stored session cannot be decrypted": what onDecryptError: 'miss' turns into a missing session. */
export const undecryptable = (why: string): Error =>
  new ConnectMongoError(ErrorCodes.undecryptableSession, `the stored session is unreadable (${why})`);

const WRONG_SECRET = 'it could not be decrypted: wrong secret, wrong adapter settings or damaged data';
const WRONG_SECRET_OR_ID = 'it could not be decrypted: wrong secret, wrong adapter settings, damaged data or bound to another id';

function plaintextOf(payload: unknown): string {
  try {
    return typeof payload === 'string' ? payload : JSON.stringify(payload);
  } catch (err) {
    throw unserializable(err, 'serialized for encryption');
  }
}

export class SessionEncryption {
  /**
   * What every encryption and decryption calls. Ours: the functions createWebCryptoAdapter (crypto/webcrypto.ts)
   * or the kruptein adapter (crypto/kruptein.ts) built, the same ones their public methods call. An app's
   * adapter: its own two methods.
   */
  private readonly cipher: SessionCipher;
  /** With bindToId only. */
  private readonly binding: Binding | undefined;
  /** Our adapters only (see RecentPlaintexts below); an app's adapter may count, audit or revoke on every call. */
  private readonly recent: RecentPlaintexts | undefined;

  constructor({ adapter, bindToId }: EncryptionOptions) {
    this.cipher = cipherOf(adapter);
    const own = isOwn(adapter);
    this.binding = bindToId === false ? undefined : new Binding(bindToId, this.cipher, own);
    this.recent = own ? new RecentPlaintexts() : undefined;
  }

  /** A destroyed or cleared session's plaintext is not kept (undefined: all of them). */
  forget(id?: string): void {
    if (id === undefined) this.recent?.clear();
    else this.recent?.forget(id);
  }

  /** See RecentPlaintexts.mark(): taken by a read before its query, passed back as `since`. */
  mark(): number | undefined {
    return this.recent?.mark();
  }

  /** No plaintext is kept after the store is closed. */
  close(): void {
    this.recent?.close();
  }

  /**
   * Plaintext as connect-mongo encrypts it: a string as is, an object as JSON. A value at once when the
   * adapter can (ours, key derived), else a promise. `since`: the mark() of the read this re-encrypts.
   */
  encrypt(payload: unknown, id: string, remember = true, since?: number): Maybe<string> {
    const plaintext = plaintextOf(payload);
    const context = this.binding?.contextOf(id);
    const seal = () =>
      andThen(context ? this.cipher.encrypt(plaintext, context) : this.cipher.encrypt(plaintext), (ciphertext) => {
        if (typeof ciphertext !== 'string') throw optionError('connect-mongo: the crypto adapter must return a string from encrypt()');
        if (remember) this.recent?.remember(id, ciphertext, { plaintext, stale: false }, since);
        return ciphertext;
      });
    const ready = this.binding?.ready();
    return ready ? ready.then(seal) : seal();
  }

  /**
   * Never passes on the adapter's own error, which may quote the ciphertext. A value at once when the adapter
   * can (ours, keys derived), else a promise. `remember: false` for reads of many sessions at once
   * (listings, bulk re-encryption), which would push out the ones in use. `since`: the mark() taken before
   * the read's query.
   */
  decrypt(ciphertext: string, id: string, remember = true, since?: number): Maybe<Decrypted> {
    const known = this.recent?.recall(id, ciphertext);
    if (known) return known;
    const ready = this.binding?.ready();
    const opened = ready ? ready.then(() => this.open(ciphertext, id)) : this.open(ciphertext, id);
    return andThen(opened, (result) => {
      if (remember && !result.unbound) this.recent?.remember(id, ciphertext, result, since);
      return result;
    });
  }

  /** Bound to its id; else, while bindToId 'migrate' allows it, written before binding (then stale: bind it). */
  private open(ciphertext: string, id: string): Maybe<Decrypted> {
    const bound = this.binding?.contextOf(id);
    const opened = attempt(
      () => andThen(this.cipher.decrypt(ciphertext, bound), (d) => decrypted(d, false)),
      () => {
        if (!this.binding?.readsUnbound()) throw undecryptable(WRONG_SECRET);
        return attempt(
          () => andThen(this.cipher.decrypt(ciphertext, undefined), (d) => decrypted(d, true)),
          () => {
            throw undecryptable(WRONG_SECRET_OR_ID);
          },
        );
      },
    );
    return andThen(opened, (result) => {
      if (typeof result.plaintext !== 'string') throw undecryptable('the crypto adapter returned a non-string from decrypt()');
      return result;
    });
  }
}

function decrypted({ plaintext, keyIndex, outdated }: Decryption, unbound: boolean): Decrypted {
  if (unbound) return { plaintext, stale: true, unbound: true };
  return { plaintext, stale: keyIndex > 0 || outdated === true };
}

// The plaintext of the last ciphertext read or written for each session id, for our adapters (it saves 12-14 %
// of an encrypted get's latency with kruptein, and a third of a WebCrypto get's CPU under load: see
// bench/README.md). A session is read on every request and rewritten only when it changes, so most reads
// find the exact ciphertext they decrypted (or wrote) last time: the same bytes under the same keys decrypt
// to the same plaintext, and a string comparison replaces the decryption. Any other ciphertext (another instance wrote it, it was altered) is
// a miss and is decrypted as usual. Bounded in entries and characters; least recently used first out.
// Private fields: an app that logs or inspects the store sees none of it.
// A logged-out session's plaintext must not stay: a read that began before a forget() keeps nothing (it
// may have read the session just before the delete), and after close() nothing is kept at all.

interface RecentPlaintext {
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
