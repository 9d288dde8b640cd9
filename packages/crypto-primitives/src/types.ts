/**
 * The typed interfaces of layersec's cryptography: one per job, implemented by two providers
 * (`noble`, pure TypeScript; `node`, node:crypto/OpenSSL). Protocol packages take a
 * `CryptoProvider` and never import a crypto library themselves.
 *
 * Conventions: bytes are `Uint8Array`; algorithm names follow the standards that define them;
 * failures of *input from the network* (bad tag, invalid point, bad signature) are reported as
 * `null`/`false` or a `CryptoError`, never as an untyped exception.
 */

export type HashName = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/** An incremental hash computation (TLS transcripts need `clone()` for intermediate values). */
export interface HashContext {
  update(data: Uint8Array): HashContext;
  /** Finishes this context; it must not be used afterwards. */
  digest(): Uint8Array;
  /** An independent copy of the current state. */
  clone(): HashContext;
}

export interface Hash {
  readonly name: HashName;
  /** Output length in bytes. */
  readonly outputLength: number;
  /** Block length in bytes (64 for SHA-1/SHA-256, 128 for SHA-384/SHA-512). */
  readonly blockLength: number;
  digest(data: Uint8Array): Uint8Array;
  create(): HashContext;
}

/** A keyed MAC (HMAC, possibly truncated; AES-XCBC-MAC-96). */
export interface Mac {
  /** Length in bytes of the tag `compute` returns (after truncation). */
  readonly outputLength: number;
  /** MAC over the concatenation of `parts`. */
  compute(...parts: Uint8Array[]): Uint8Array;
  /** Constant-time check of `tag` against the MAC of the concatenated parts. */
  verify(tag: Uint8Array, ...parts: Uint8Array[]): boolean;
}

export type AeadName = 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305';

/**
 * An AEAD bound to one key. `seal` returns ciphertext || tag; `open` takes ciphertext || tag
 * and returns the plaintext, or `null` when the tag does not verify (no plaintext is released).
 */
export interface Aead {
  readonly name: AeadName;
  readonly keyLength: number;
  /** Nonce length in bytes (12 for every AEAD here). */
  readonly nonceLength: number;
  /** Tag length in bytes: 16, or 8/12 for AES-GCM as ESP allows (RFC 4106 §3). */
  readonly tagLength: number;
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Uint8Array;
  open(nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad?: Uint8Array): Uint8Array | null;
}

/** Raw AES-CBC without padding (ESP and TLS pad and check padding themselves). */
export interface BlockCipherCbc {
  readonly keyLength: number;
  readonly blockLength: 16;
  /** `data.length` must be a multiple of 16, else a CryptoError('bad-length'). */
  encrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
  decrypt(iv: Uint8Array, data: Uint8Array): Uint8Array;
}

/**
 * Key-exchange groups, by the names TLS (RFC 8446 §4.2.7) and IKEv2 (IANA "Transform Type 4")
 * share where they can. MODP groups are RFC 3526's.
 */
export type KeyExchangeGroup =
  | 'x25519'
  | 'x448'
  | 'secp256r1'
  | 'secp384r1'
  | 'secp521r1'
  | 'modp2048'
  | 'modp3072'
  | 'modp4096';

export interface KeyPair {
  privateKey: Uint8Array;
  /** X25519/X448: the u-coordinate; ECDH: uncompressed SEC1 point 0x04||X||Y; MODP: g^x
   * big-endian, left-padded to the prime's length. */
  publicKey: Uint8Array;
}

export interface KeyExchange {
  readonly group: KeyExchangeGroup;
  /** Length of `publicKey` in bytes as encoded above. */
  readonly publicKeyLength: number;
  /** Length of the shared secret in bytes. */
  readonly sharedSecretLength: number;
  generateKeyPair(random?: RandomSource): KeyPair;
  /** Public key for a given private key (used by tests that replay RFC traces). */
  publicKeyFor(privateKey: Uint8Array): Uint8Array;
  /**
   * The shared secret: X25519/X448 output (an all-zero result is refused), the ECDH
   * x-coordinate, or the MODP value left-padded to the prime's length. An invalid peer value
   * (not on the curve, out of range, 1 or p-1 for MODP) throws CryptoError('invalid-public-key').
   */
  computeSharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array;
}

/** Curves for ECDSA and EC keys. */
export type NamedCurve = 'P-256' | 'P-384' | 'P-521';

export type PrivateKey =
  | { readonly type: 'ec'; readonly curve: NamedCurve; readonly d: Uint8Array; readonly publicKey: Uint8Array }
  | { readonly type: 'ed25519'; readonly seed: Uint8Array; readonly publicKey: Uint8Array }
  | {
      readonly type: 'rsa';
      readonly n: bigint;
      readonly e: bigint;
      readonly d: bigint;
      readonly p: bigint;
      readonly q: bigint;
      readonly dp: bigint;
      readonly dq: bigint;
      readonly qi: bigint;
    };

export type PublicKey =
  /** `point` is the uncompressed SEC1 encoding. */
  | { readonly type: 'ec'; readonly curve: NamedCurve; readonly point: Uint8Array }
  | { readonly type: 'ed25519'; readonly key: Uint8Array }
  | { readonly type: 'rsa'; readonly n: bigint; readonly e: bigint };

/**
 * Signature algorithms, by their TLS 1.3 SignatureScheme names (RFC 8446 §4.2.3); IKEv2
 * (RFC 7427) maps its AlgorithmIdentifiers onto the same set.
 */
export type SignatureScheme =
  | 'ecdsa_secp256r1_sha256'
  | 'ecdsa_secp384r1_sha384'
  | 'ecdsa_secp521r1_sha512'
  | 'ed25519'
  | 'rsa_pkcs1_sha1'
  | 'rsa_pkcs1_sha256'
  | 'rsa_pkcs1_sha384'
  | 'rsa_pkcs1_sha512'
  | 'rsa_pss_rsae_sha256'
  | 'rsa_pss_rsae_sha384'
  | 'rsa_pss_rsae_sha512'
  /** ECDSA with a hash not tied to the curve, as TLS 1.2 and X.509 allow. */
  | 'ecdsa_sha1'
  | 'ecdsa_sha256'
  | 'ecdsa_sha384'
  | 'ecdsa_sha512';

export interface SignOptions {
  /** ECDSA signature encoding: ASN.1 DER (TLS, X.509, RFC 7427) or raw r||s (IKEv2 methods 9-11). */
  ecdsaFormat?: 'der' | 'raw';
  /** Randomness for RSA-PSS salts; ECDSA uses RFC 6979 deterministic nonces (noble provider). */
  random?: RandomSource;
  /** RSA-PSS salt length in bytes; default the hash length, as TLS 1.3 and RFC 7427 use. */
  pssSaltLength?: number;
}

export interface VerifyOptions {
  ecdsaFormat?: 'der' | 'raw';
  /** RSA-PSS salt length to require (default: the hash length), or `'any'` to accept the length
   * the encoding carries (RFC 8017 §9.1.2). */
  pssSaltLength?: number | 'any';
}

export interface Signer {
  sign(scheme: SignatureScheme, key: PrivateKey, message: Uint8Array, options?: SignOptions): Uint8Array;
  /**
   * `false` for any signature that does not verify, including malformed encodings. ECDSA
   * verification accepts high-S signatures (OpenSSL produces them).
   */
  verify(
    scheme: SignatureScheme,
    key: PublicKey,
    message: Uint8Array,
    signature: Uint8Array,
    options?: VerifyOptions,
  ): boolean;
}

export interface RandomSource {
  /** `length` fresh random bytes. */
  randomBytes(length: number): Uint8Array;
}

/** Everything a protocol package needs, behind one object. */
export interface CryptoProvider extends Signer {
  readonly name: 'noble' | 'node';
  hash(name: HashName): Hash;
  /** HMAC with `hash`; `truncateTo` bytes of output when given (e.g. 12 for HMAC-SHA1-96). */
  hmac(hash: HashName, key: Uint8Array, truncateTo?: number): Mac;
  /** AES-XCBC-MAC-96 (RFC 3566) with a 16-byte key. */
  aesXcbcMac96(key: Uint8Array): Mac;
  aead(name: AeadName, key: Uint8Array, tagLength?: number): Aead;
  /** AES-GMAC (RFC 4543): AES-GCM with all data as AAD and an empty plaintext. Returns the
   * 16-byte tag; `verify` is constant-time. */
  gmac(key: Uint8Array): {
    compute(nonce: Uint8Array, data: Uint8Array): Uint8Array;
    verify(nonce: Uint8Array, data: Uint8Array, tag: Uint8Array): boolean;
  };
  aesCbc(key: Uint8Array): BlockCipherCbc;
  keyExchange(group: KeyExchangeGroup): KeyExchange;
  /** Generates a signing key (the node provider uses OpenSSL; noble generates EC/Ed25519 keys and
   * refuses RSA key generation). */
  generateSigningKey(
    spec: { type: 'ec'; curve: NamedCurve } | { type: 'ed25519' } | { type: 'rsa'; bits: number },
    random?: RandomSource,
  ): PrivateKey;
  /** The default secure random source of this provider. */
  readonly random: RandomSource;
}
