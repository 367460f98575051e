// The encrypted `session` field: which context binds a ciphertext to its `_id` (bindToId), which secret
// decrypted it (a stale one asks for re-encryption), and what an undecryptable one means (onDecryptError).
import type { CryptoAdapter, CryptoContext } from '../crypto/types';
import { abilitiesOf, type AdapterAbilities } from '../crypto/stats';
import { RecentPlaintexts } from './recent-plaintexts';
import { ConnectMongoError, ErrorCodes, optionError } from '../errors';
import { unserializable } from './serialize-errors';

/** 'migrate' also reads unbound ciphertext; `{ migrateUntil }` does so only until that date. */
export type BindToId = boolean | 'migrate' | { migrateUntil: Date };
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

type Attempt = { plaintext: unknown; stale: boolean; unbound?: true };

/** Until when (ms since the epoch) unbound ciphertext is read. */
function unboundUntil(bindToId: BindToId): number {
  if (bindToId === 'migrate') return Infinity;
  return typeof bindToId === 'object' ? bindToId.migrateUntil.getTime() : -Infinity;
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

// What bindToId checks an app's adapter with: a ciphertext bound to one id must not decrypt under another.
const PROBE_PLAINTEXT = '{"connect-mongo":"bindToId check"}';
const PROBE_IDS = ['connect-mongo:bindToId-check:1', 'connect-mongo:bindToId-check:2'] as const;
const NOT_BINDING =
  'connect-mongo: option `bindToId` needs an adapter that binds data to an id: this `cryptoAdapter` decrypted data bound to one id under another (it ignores its second argument, `{ id }`)';

export class SessionEncryption {
  private readonly adapter: CryptoAdapter;
  private readonly bindToId: boolean;
  private readonly unboundUntil: number;
  private readonly detailed;
  /** Our own adapters only: the same work without a promise once keys are derived. */
  private readonly now: Pick<AdapterAbilities, 'decryptNow' | 'encryptNow'> | undefined;
  /** Our own adapters only: an app's adapter may count, audit or revoke on every call. */
  private readonly recent: RecentPlaintexts | undefined;
  /** An app's adapter with bindToId, until it has shown that it binds (see checkBinding()). */
  private bindingUnchecked: boolean;
  private bindingCheck: Promise<void> | undefined;

  constructor({ adapter, bindToId }: EncryptionOptions) {
    this.adapter = adapter;
    this.bindToId = bindToId !== false;
    this.unboundUntil = unboundUntil(bindToId);
    const abilities = abilitiesOf(adapter);
    if (bindToId && abilities && !abilities.bindsContext) {
      throw optionError('connect-mongo: option `bindToId` needs an adapter that binds data to an id: createWebCryptoAdapter with AES-GCM');
    }
    this.detailed = abilities?.decryptDetailed;
    this.now = abilities;
    this.recent = abilities ? new RecentPlaintexts() : undefined;
    this.bindingUnchecked = this.bindToId && !abilities;
    // Started now, so that the first request rarely waits; every encryption and decryption waits for it.
    if (this.bindingUnchecked) this.bindingCheck = this.checkBinding();
    this.bindingCheck?.catch(() => {}); // reported to each call that waits for it, never unhandled
  }

  /** Resolves once the adapter has shown it binds; rejects (for good) if it does not. */
  private async assertBinds(): Promise<void> {
    if (!this.bindingUnchecked) return;
    this.bindingCheck ??= this.checkBinding();
    await this.bindingCheck;
  }

  /**
   * An app's adapter may ignore `{ id }`, and bindToId would then protect nothing. A failing encrypt (a key
   * service not reachable yet) decides nothing: the next call checks again.
   */
  private async checkBinding(): Promise<void> {
    let ciphertext: unknown;
    try {
      ciphertext = await this.adapter.encrypt(PROBE_PLAINTEXT, { id: PROBE_IDS[0] });
    } catch (err) {
      this.bindingCheck = undefined;
      throw err;
    }
    if (typeof ciphertext !== 'string') throw optionError('connect-mongo: the crypto adapter must return a string from encrypt()');
    const decryptsElsewhere = await this.adapter.decrypt(ciphertext, { id: PROBE_IDS[1] }).then(
      () => true,
      () => false,
    );
    if (decryptsElsewhere) throw optionError(NOT_BINDING);
    this.bindingUnchecked = false;
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

  /** `since`: the mark() of the read this re-encrypts. */
  async encryptText(plaintext: string, id: string, remember = true, since?: number): Promise<string> {
    await this.assertBinds();
    const context = this.bindToId ? { id } : undefined;
    const ciphertext = await (context ? this.adapter.encrypt(plaintext, context) : this.adapter.encrypt(plaintext));
    if (typeof ciphertext !== 'string') throw optionError('connect-mongo: the crypto adapter must return a string from encrypt()');
    if (remember) this.recent?.remember(id, ciphertext, { plaintext, stale: false }, since);
    return ciphertext;
  }

  /**
   * Never passes on the adapter's own error, which may quote the ciphertext. `remember: false` for reads
   * of many sessions at once (listings, bulk re-encryption), which would push out the ones in use. `since`:
   * the mark() taken before the read's query.
   */
  async decrypt(ciphertext: string, id: string, remember = true, since?: number): Promise<Decrypted> {
    const known = this.recent?.recall(id, ciphertext);
    if (known) return known;
    await this.assertBinds();
    const result = await this.decryptAny(ciphertext, id);
    if (typeof result.plaintext !== 'string') throw undecryptable('the crypto adapter returned a non-string from decrypt()');
    if (remember && !result.unbound) this.recent?.remember(id, ciphertext, result as Decrypted, since);
    return result as Decrypted;
  }

  /** decrypt() at once when the adapter can (ours, keys derived); undefined otherwise. Throws where decrypt() rejects. */
  decryptNow(ciphertext: string, id: string, remember = true, since?: number): Decrypted | undefined {
    if (!this.now) return undefined;
    const known = this.recent!.recall(id, ciphertext);
    if (known) return known;
    const result = this.decryptAtOnce(this.now, ciphertext, id);
    if (result && remember && !result.unbound) this.recent!.remember(id, ciphertext, result, since);
    return result;
  }

  private decryptAtOnce(now: Pick<AdapterAbilities, 'decryptNow'>, ciphertext: string, id: string): Decrypted | undefined {
    let result;
    try {
      result = now.decryptNow(ciphertext, this.bindToId ? { id } : undefined);
    } catch {
      if (!this.readsUnbound()) throw undecryptable(WRONG_SECRET);
      try {
        result = now.decryptNow(ciphertext, undefined);
      } catch {
        throw undecryptable(WRONG_SECRET_OR_ID);
      }
      return result && { plaintext: result.plaintext, stale: true, unbound: true }; // written before binding: bind it
    }
    return result && { plaintext: result.plaintext, stale: result.keyIndex > 0 || result.outdated === true };
  }

  /** bindToId 'migrate', before its migrateUntil: whoever can write the collection can move unbound data between ids. */
  private readsUnbound(): boolean {
    return Date.now() < this.unboundUntil;
  }

  private async decryptAny(ciphertext: string, id: string): Promise<Attempt> {
    const bound = this.bindToId ? { id } : undefined;
    try {
      return await this.attempt(ciphertext, bound);
    } catch {
      if (!this.readsUnbound()) throw undecryptable(WRONG_SECRET);
    }
    try {
      return { ...(await this.attempt(ciphertext, undefined)), stale: true, unbound: true }; // written before binding: bind it
    } catch {
      throw undecryptable(WRONG_SECRET_OR_ID);
    }
  }

  private async attempt(ciphertext: string, context: CryptoContext | undefined): Promise<Attempt> {
    if (this.detailed) {
      const { plaintext, keyIndex, outdated } = await this.detailed(ciphertext, context);
      return { plaintext, stale: keyIndex > 0 || outdated === true };
    }
    const plaintext: unknown = await (context ? this.adapter.decrypt(ciphertext, context) : this.adapter.decrypt(ciphertext));
    return { plaintext, stale: false };
  }
}
