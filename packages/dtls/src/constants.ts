/**
 * DTLS-specific code points (RFC 6347 §4.1, §4.2.1, §4.3.2); the rest (content types, handshake
 * types, alerts, cipher suites, extensions) are TLS's and come from @layersec/tls.
 */

/** RFC 6347 §4.1: DTLS 1.2 is version {254, 253}; a first ClientHello may carry DTLS 1.0 {254, 255}. */
export const DTLS1_2 = 0xfefd;
export const DTLS1_0 = 0xfeff;

/** RFC 6347 §4.3.2: the HelloVerifyRequest handshake type. */
export const HELLO_VERIFY_REQUEST = 3;

/** RFC 6347 §4.1: the DTLSPlaintext header — type, version, epoch, sequence_number (48 bits), length. */
export const RECORD_HEADER_LENGTH = 13;

/** RFC 6347 §4.2.2: the handshake header with message_seq, fragment_offset and fragment_length. */
export const HANDSHAKE_HEADER_LENGTH = 12;

/** RFC 6347 §4.1: 48-bit record sequence numbers; epochs are 16 bits. */
export const MAX_RECORD_SEQUENCE = 2 ** 48 - 1;
export const MAX_EPOCH = 0xffff;

/** RFC 6347 §4.1.1.1: without PMTU discovery, a conservative default (the issue fixes 1200 bytes). */
export const DEFAULT_PMTU = 1200;

/** RFC 5246 §6.2.3: DTLSCiphertext.length must not exceed 2^14 + 2048. */
export const MAX_CIPHERTEXT_LENGTH = (1 << 14) + 2048;
