/**
 * Registry values ESP and AH use, by their IANA names: "Transform Type 1 - Encryption Algorithm
 * Transform IDs" and "Transform Type 3 - Integrity Algorithm Transform IDs" of the IKEv2
 * registry (RFC 7296 §3.3.2), and "Assigned Internet Protocol Numbers".
 */

export const TransformId = {
  ENCR_NULL: 11,
  ENCR_AES_CBC: 12,
  ENCR_AES_GCM_8: 18,
  ENCR_AES_GCM_12: 19,
  ENCR_AES_GCM_16: 20,
  ENCR_NULL_AUTH_AES_GMAC: 21,
  ENCR_CHACHA20_POLY1305: 28,
} as const;
export type EncryptionAlgorithm = keyof typeof TransformId;

export const IntegrityAlgorithmId = {
  AUTH_HMAC_SHA1_96: 2,
  AUTH_HMAC_SHA2_256_128: 12,
  AUTH_HMAC_SHA2_384_192: 13,
  AUTH_HMAC_SHA2_512_256: 14,
} as const;
export type IntegrityAlgorithm = keyof typeof IntegrityAlgorithmId;

/** Assigned Internet Protocol Numbers (IPv4 Protocol / IPv6 Next Header) used here. */
export const IpProtocol = {
  HOPOPT: 0,
  ICMP: 1,
  IPV4: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  IPV6_ROUTE: 43,
  IPV6_FRAG: 44,
  ESP: 50,
  AH: 51,
  IPV6_ICMP: 58,
  /** "No Next Header": RFC 4303 §2.6 dummy packets carry it. */
  IPV6_NONXT: 59,
  IPV6_OPTS: 60,
} as const;

/** RFC 3948 §2: the UDP port of UDP-encapsulated ESP (shared with IKE, RFC 7296 §2.23). */
export const NAT_T_PORT = 4500;
