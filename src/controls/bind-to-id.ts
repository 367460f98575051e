// bindToId: a ciphertext opens only under the `_id` it was written for, so that whoever can write the
// collection cannot move a session's ciphertext to another id (their own cookie's) and be served it.
//   Stores:  each ciphertext encrypted with `{ id: _id }` as context (AES-GCM additional data in our adapter).
//   Filters: nothing; a read decrypts with its own `_id` as context.
//   Refuses: an adapter that cannot bind (ours with AES-CBC or kruptein: at construction; an app's adapter
//            that decrypts a probe bound to one id under another: at its first call, for good), and a
//            ciphertext bound to another id. 'migrate' (until `migrateUntil`, if given) still reads unbound
//            ciphertexts, as stale: they are bound at their next write.
// Called from document/encryption.ts, which encrypts and decrypts through it.
import type { SessionCipher } from '../crypto/cipher';
import type { CryptoContext } from '../crypto/types';
import { optionError } from '../errors';

/** 'migrate' also reads unbound ciphertext; `{ migrateUntil }` does so only until that date. */
export type BindToId = boolean | 'migrate' | { migrateUntil: Date };

// What an app's adapter is checked with: a ciphertext bound to one id must not decrypt under another.
const PROBE_PLAINTEXT = '{"connect-mongo":"bindToId check"}';
const PROBE_IDS = ['connect-mongo:bindToId-check:1', 'connect-mongo:bindToId-check:2'] as const;
const NOT_BINDING =
  'connect-mongo: option `bindToId` needs an adapter that binds data to an id: this `cryptoAdapter` decrypted data bound to one id under another (it ignores its second argument, `{ id }`)';
const NOT_STRING = 'connect-mongo: the crypto adapter must return a string from encrypt()';

/** Built only when bindToId is on: with it off, nothing here runs. */
export class Binding {
  private readonly unboundUntil: number;
  /** An app's adapter, until it has shown that it binds (see check()). */
  private unchecked: boolean;
  private checking: Promise<void> | undefined;

  /** `own`: the adapter was created here, and says itself whether it binds. */
  constructor(
    bindToId: Exclude<BindToId, false>,
    private readonly cipher: SessionCipher,
    own: boolean,
  ) {
    this.unboundUntil = bindToId === 'migrate' ? Infinity : typeof bindToId === 'object' ? bindToId.migrateUntil.getTime() : -Infinity;
    if (own && !cipher.bindsContext) {
      throw optionError('connect-mongo: option `bindToId` needs an adapter that binds data to an id: createWebCryptoAdapter with AES-GCM');
    }
    this.unchecked = !own;
    // Started now, so that the first request rarely waits; every encryption and decryption waits for it.
    if (this.unchecked) this.checking = this.check();
    this.checking?.catch(() => {}); // reported to each call that waits for it, never unhandled
  }

  /** The context a ciphertext of `id` is written and read with. */
  contextOf(id: string): CryptoContext {
    return { id };
  }

  /** Undefined once nothing is left to wait for; else resolves when the adapter has shown it binds (rejects for good if not). */
  ready(): Promise<void> | undefined {
    if (!this.unchecked) return undefined;
    this.checking ??= this.check();
    return this.checking;
  }

  /** 'migrate', before its migrateUntil: whoever can write the collection can move unbound data between ids. */
  readsUnbound(): boolean {
    return Date.now() < this.unboundUntil;
  }

  /** A failing encrypt (a key service not reachable yet) decides nothing: the next call checks again. */
  private async check(): Promise<void> {
    let ciphertext: unknown;
    try {
      ciphertext = await this.cipher.encrypt(PROBE_PLAINTEXT, { id: PROBE_IDS[0] });
    } catch (err) {
      this.checking = undefined;
      throw err;
    }
    if (typeof ciphertext !== 'string') throw optionError(NOT_STRING);
    const decryptsElsewhere = await Promise.resolve()
      .then(() => this.cipher.decrypt(ciphertext as string, { id: PROBE_IDS[1] }))
      .then(
        () => true,
        () => false,
      );
    if (decryptsElsewhere) throw optionError(NOT_BINDING);
    this.unchecked = false;
  }
}
