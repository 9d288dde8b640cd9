/** Why a cryptographic operation refused its input. */
export type CryptoErrorCode =
  | 'bad-key-length'
  | 'bad-nonce-length'
  | 'bad-tag-length'
  | 'bad-length'
  | 'invalid-public-key'
  | 'invalid-private-key'
  | 'unsupported'
  | 'bad-encoding'
  | 'bad-signature'
  | 'output-too-long';

export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
