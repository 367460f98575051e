// The encrypted `session` field: which context binds a ciphertext to its `_id` (controls/bind-to-id.ts),
// which secret decrypted it (a stale one asks for re-encryption), and what an undecryptable one means (onDecryptError).
import { andThen, attempt, cipherOf, isOwn, type Decryption, type Maybe, type SessionCipher } from '../crypto/cipher';
import type { CryptoAdapter } from '../crypto/types';
import { Binding, type BindToId } from '../controls/bind-to-id';
import { RecentPlaintexts } from './recent-plaintexts';
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
  /** Our kruptein adapter only (see SessionCipher.worthRemembering); an app's adapter may count, audit or revoke on every call. */
  private readonly recent: RecentPlaintexts | undefined;

  constructor({ adapter, bindToId }: EncryptionOptions) {
    this.cipher = cipherOf(adapter);
    const own = isOwn(adapter);
    this.binding = bindToId === false ? undefined : new Binding(bindToId, this.cipher, own);
    this.recent = own && this.cipher.worthRemembering ? new RecentPlaintexts() : undefined;
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
