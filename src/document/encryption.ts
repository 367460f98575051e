// The encrypted `session` field: which context binds a ciphertext to its `_id` (bindToId), which secret
// decrypted it (a stale one asks for re-encryption), and what an undecryptable one means (onDecryptError).
import type { CryptoAdapter, CryptoContext } from '../crypto/types';
import { abilitiesOf, type AdapterAbilities } from '../crypto/stats';
import { RecentPlaintexts } from './recent-plaintexts';

export type BindToId = boolean | 'migrate';
export type OnDecryptError = 'error' | 'miss';

export interface EncryptionOptions {
  adapter: CryptoAdapter;
  bindToId: BindToId;
}

/** A decrypted field; `stale` when written with an older secret or not yet bound to its id. */
export interface Decrypted {
  plaintext: string;
  stale: boolean;
}

/** Marks errors that mean "this stored session cannot be decrypted", for onDecryptError: 'miss'. */
export const UNDECRYPTABLE = 'CONNECT_MONGO_UNDECRYPTABLE';

export const undecryptable = (why: string): Error =>
  Object.assign(new Error(`connect-mongo: the stored session is unreadable (${why})`), { code: UNDECRYPTABLE });

const WRONG_SECRET = 'it could not be decrypted: wrong secret, wrong adapter settings or damaged data';
const WRONG_SECRET_OR_ID = 'it could not be decrypted: wrong secret, wrong adapter settings, damaged data or bound to another id';

function plaintextOf(payload: unknown): string {
  try {
    return typeof payload === 'string' ? payload : JSON.stringify(payload);
  } catch (err) {
    const reason = (err as Error)?.message ?? String(err);
    throw new TypeError(`connect-mongo: the session could not be serialized for encryption (${reason})`, { cause: err });
  }
}

export class SessionEncryption {
  private readonly adapter: CryptoAdapter;
  private readonly bindToId: BindToId;
  private readonly detailed;
  /** Our own adapters only: the same work without a promise once keys are derived. */
  private readonly now: Pick<AdapterAbilities, 'decryptNow' | 'encryptNow'> | undefined;
  /** Our own adapters only: an app's adapter may count, audit or revoke on every call. */
  private readonly recent: RecentPlaintexts | undefined;

  constructor({ adapter, bindToId }: EncryptionOptions) {
    this.adapter = adapter;
    this.bindToId = bindToId;
    const abilities = abilitiesOf(adapter);
    if (bindToId && abilities && !abilities.bindsContext) {
      throw new TypeError('connect-mongo: option `bindToId` needs an adapter that binds data to an id: createWebCryptoAdapter with AES-GCM');
    }
    this.detailed = abilities?.decryptDetailed;
    this.now = abilities;
    this.recent = abilities ? new RecentPlaintexts() : undefined;
  }

  /** A destroyed or cleared session's plaintext is not kept (undefined: all of them). */
  forget(id?: string): void {
    if (id === undefined) this.recent?.clear();
    else this.recent?.forget(id);
  }

  /** Plaintext as connect-mongo encrypts it: the JSON string as is, an object as JSON. */
  async encrypt(payload: unknown, id: string): Promise<string> {
    return this.encryptText(plaintextOf(payload), id);
  }

  /** encrypt() at once when the adapter can (ours, key derived); undefined otherwise. */
  encryptNow(payload: unknown, id: string): string | undefined {
    if (!this.now) return undefined;
    const plaintext = plaintextOf(payload);
    const ciphertext = this.now.encryptNow(plaintext, this.bindToId ? { id } : undefined);
    if (ciphertext !== undefined) this.recent!.remember(id, ciphertext, { plaintext, stale: false });
    return ciphertext;
  }

  async encryptText(plaintext: string, id: string, remember = true): Promise<string> {
    const context = this.bindToId ? { id } : undefined;
    const ciphertext = await (context ? this.adapter.encrypt(plaintext, context) : this.adapter.encrypt(plaintext));
    if (typeof ciphertext !== 'string') throw new TypeError('connect-mongo: the crypto adapter must return a string from encrypt()');
    if (remember) this.recent?.remember(id, ciphertext, { plaintext, stale: false });
    return ciphertext;
  }

  /**
   * Never passes on the adapter's own error, which may quote the ciphertext. `remember: false` for reads
   * of many sessions at once (listings, bulk re-encryption), which would push out the ones in use.
   */
  async decrypt(ciphertext: string, id: string, remember = true): Promise<Decrypted> {
    const known = this.recent?.recall(id, ciphertext);
    if (known) return known;
    const result = await this.decryptAny(ciphertext, id);
    if (typeof result.plaintext !== 'string') throw undecryptable('the crypto adapter returned a non-string from decrypt()');
    if (remember) this.recent?.remember(id, ciphertext, result as Decrypted);
    return result as Decrypted;
  }

  /** decrypt() at once when the adapter can (ours, keys derived); undefined otherwise. Throws where decrypt() rejects. */
  decryptNow(ciphertext: string, id: string, remember = true): Decrypted | undefined {
    if (!this.now) return undefined;
    const known = this.recent!.recall(id, ciphertext);
    if (known) return known;
    const result = this.decryptAtOnce(this.now, ciphertext, id);
    if (result && remember) this.recent!.remember(id, ciphertext, result);
    return result;
  }

  private decryptAtOnce(now: Pick<AdapterAbilities, 'decryptNow'>, ciphertext: string, id: string): Decrypted | undefined {
    let result;
    try {
      result = now.decryptNow(ciphertext, this.bindToId ? { id } : undefined);
    } catch {
      if (this.bindToId !== 'migrate') throw undecryptable(WRONG_SECRET);
      try {
        result = now.decryptNow(ciphertext, undefined);
      } catch {
        throw undecryptable(WRONG_SECRET_OR_ID);
      }
      return result && { plaintext: result.plaintext, stale: true }; // written before binding: bind it
    }
    return result && { plaintext: result.plaintext, stale: result.keyIndex > 0 || result.outdated === true };
  }

  private async decryptAny(ciphertext: string, id: string): Promise<{ plaintext: unknown; stale: boolean }> {
    const bound = this.bindToId ? { id } : undefined;
    try {
      return await this.attempt(ciphertext, bound);
    } catch {
      if (this.bindToId !== 'migrate') throw undecryptable(WRONG_SECRET);
    }
    try {
      return { ...(await this.attempt(ciphertext, undefined)), stale: true }; // written before binding: bind it
    } catch {
      throw undecryptable(WRONG_SECRET_OR_ID);
    }
  }

  private async attempt(ciphertext: string, context: CryptoContext | undefined): Promise<{ plaintext: unknown; stale: boolean }> {
    if (this.detailed) {
      const { plaintext, keyIndex, outdated } = await this.detailed(ciphertext, context);
      return { plaintext, stale: keyIndex > 0 || outdated === true };
    }
    const plaintext: unknown = await (context ? this.adapter.decrypt(ciphertext, context) : this.adapter.decrypt(ciphertext));
    return { plaintext, stale: false };
  }
}
