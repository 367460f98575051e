/** What the store calls to encrypt a serialized session before writing it, and to decrypt it after reading. */
export interface CryptoAdapter {
  encrypt(plaintext: string): Promise<string>;
  decrypt(ciphertext: string): Promise<string>;
}

/** The legacy `crypto` option of connect-mongo (kruptein format). */
export type CryptoOptions = {
  secret: false | string;
  algorithm?: string;
  hashing?: string;
  encodeas?: string;
  key_size?: number;
  iv_size?: number;
  at_size?: number;
};

export type WebCryptoEncoding = 'base64' | 'base64url' | 'hex';

export type WebCryptoAdapterOptions = {
  secret: string | ArrayBuffer | ArrayBufferView;
  ivLength?: number;
  encoding?: WebCryptoEncoding;
  algorithm?: 'AES-GCM' | 'AES-CBC';
  salt?: string | ArrayBuffer | ArrayBufferView;
  iterations?: number;
};
