/**
 * What the store calls to encrypt a serialized session before writing it, and to decrypt it after reading.
 * `context` is passed only with the store's `bindToId` option: an adapter should bind the ciphertext to
 * `context.id` (e.g. as AES-GCM additional data). Adapters written for connect-mongo ignore it.
 */
export interface CryptoAdapter {
  encrypt(plaintext: string, context?: CryptoContext): Promise<string>;
  decrypt(ciphertext: string, context?: CryptoContext): Promise<string>;
}

/** The stored `_id` a ciphertext belongs to. */
export type CryptoContext = { id: string };

/** Several secrets, newest first: encrypt with the first, decrypt with whichever authenticates. */
export type SecretList<S> = S | readonly [S, ...S[]];

/** The legacy `crypto` option of connect-mongo (kruptein format). */
export type CryptoOptions = {
  secret: false | SecretList<string>;
  algorithm?: string;
  hashing?: string;
  encodeas?: string;
  key_size?: number;
  iv_size?: number;
  at_size?: number;
};

export type WebCryptoEncoding = 'base64' | 'base64url' | 'hex';

export type WebCryptoAdapterOptions = {
  secret: SecretList<string | ArrayBuffer | ArrayBufferView>;
  ivLength?: number;
  encoding?: WebCryptoEncoding;
  algorithm?: 'AES-GCM' | 'AES-CBC';
  salt?: string | ArrayBuffer | ArrayBufferView;
  iterations?: number;
};
