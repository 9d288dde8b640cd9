/**
 * Values from the IANA "Internet Key Exchange Version 2 (IKEv2) Parameters" registries
 * (https://www.iana.org/assignments/ikev2-parameters), by the names those registries give them.
 * RFC 7296 §3 defines the structures that carry them.
 */

/** IKE header version field (RFC 7296 §3.1): major 2, minor 0. */
export const IKE_VERSION = 0x20;

/** RFC 7296 §2: IKE runs on UDP 500 and, after a NAT is detected or for NAT-T, 4500 (§2.23). */
export const IKE_PORT = 500;
export const IKE_NAT_T_PORT = 4500;

/** RFC 3948 §2.2: IKE messages on port 4500 are preceded by four zero octets, the non-ESP marker. */
export const NON_ESP_MARKER = new Uint8Array(4);

/** Registry "IKEv2 Exchange Types". */
export const ExchangeType = {
  IKE_SA_INIT: 34,
  IKE_AUTH: 35,
  CREATE_CHILD_SA: 36,
  INFORMATIONAL: 37,
  IKE_SESSION_RESUME: 38,
  GSA_AUTH: 39,
  GSA_REGISTRATION: 40,
  GSA_REKEY: 41,
  IKE_INTERMEDIATE: 43,
  IKE_FOLLOWUP_KE: 44,
} as const;
export type ExchangeType = (typeof ExchangeType)[keyof typeof ExchangeType];

/** IKE header Flags (RFC 7296 §3.1). */
export const HeaderFlag = {
  /** I(nitiator): set in messages sent by the original initiator of the IKE SA. */
  INITIATOR: 0x08,
  /** V(ersion): the sender can speak a higher major version. */
  VERSION: 0x10,
  /** R(esponse): this message is a response to a message containing the same Message ID. */
  RESPONSE: 0x20,
} as const;

/** Registry "IKEv2 Payload Types", by their RFC notation. */
export const PayloadType = {
  NO_NEXT_PAYLOAD: 0,
  /** Security Association */
  SA: 33,
  /** Key Exchange */
  KE: 34,
  /** Identification - Initiator */
  IDi: 35,
  /** Identification - Responder */
  IDr: 36,
  /** Certificate */
  CERT: 37,
  /** Certificate Request */
  CERTREQ: 38,
  /** Authentication */
  AUTH: 39,
  /** Nonce (Ni, Nr) */
  NONCE: 40,
  /** Notify */
  N: 41,
  /** Delete */
  D: 42,
  /** Vendor ID */
  V: 43,
  /** Traffic Selector - Initiator */
  TSi: 44,
  /** Traffic Selector - Responder */
  TSr: 45,
  /** Encrypted and Authenticated */
  SK: 46,
  /** Configuration */
  CP: 47,
  /** Extensible Authentication */
  EAP: 48,
  /** Generic Secure Password Method */
  GSPM: 49,
  /** Encrypted and Authenticated Fragment (RFC 7383) */
  SKF: 53,
} as const;
export type PayloadType = (typeof PayloadType)[keyof typeof PayloadType];

/** Registry "Transform Type Values" (type 4 is "Key Exchange Method (KE)" since RFC 9370). */
export const TransformType = {
  ENCR: 1,
  PRF: 2,
  INTEG: 3,
  /** Diffie-Hellman group / Key Exchange Method. */
  DH: 4,
  ESN: 5,
  ADDKE1: 6,
  ADDKE2: 7,
  ADDKE3: 8,
  ADDKE4: 9,
  ADDKE5: 10,
  ADDKE6: 11,
  ADDKE7: 12,
} as const;
export type TransformType = (typeof TransformType)[keyof typeof TransformType];

/** Registry "Transform Type 1 - Encryption Algorithm Transform IDs". */
export const EncrId = {
  ENCR_DES_IV64: 1,
  ENCR_DES: 2,
  ENCR_3DES: 3,
  ENCR_RC5: 4,
  ENCR_IDEA: 5,
  ENCR_CAST: 6,
  ENCR_BLOWFISH: 7,
  ENCR_3IDEA: 8,
  ENCR_DES_IV32: 9,
  ENCR_NULL: 11,
  ENCR_AES_CBC: 12,
  ENCR_AES_CTR: 13,
  ENCR_AES_CCM_8: 14,
  ENCR_AES_CCM_12: 15,
  ENCR_AES_CCM_16: 16,
  ENCR_AES_GCM_8: 18,
  ENCR_AES_GCM_12: 19,
  ENCR_AES_GCM_16: 20,
  ENCR_NULL_AUTH_AES_GMAC: 21,
  ENCR_CAMELLIA_CBC: 23,
  ENCR_CAMELLIA_CTR: 24,
  ENCR_CAMELLIA_CCM_8: 25,
  ENCR_CAMELLIA_CCM_12: 26,
  ENCR_CAMELLIA_CCM_16: 27,
  ENCR_CHACHA20_POLY1305: 28,
  ENCR_AES_CCM_8_IIV: 29,
  ENCR_AES_GCM_16_IIV: 30,
  ENCR_CHACHA20_POLY1305_IIV: 31,
} as const;

/** Registry "Transform Type 2 - Pseudorandom Function Transform IDs". */
export const PrfId = {
  PRF_HMAC_MD5: 1,
  PRF_HMAC_SHA1: 2,
  PRF_HMAC_TIGER: 3,
  PRF_AES128_XCBC: 4,
  PRF_HMAC_SHA2_256: 5,
  PRF_HMAC_SHA2_384: 6,
  PRF_HMAC_SHA2_512: 7,
  PRF_AES128_CMAC: 8,
} as const;

/** Registry "Transform Type 3 - Integrity Algorithm Transform IDs". */
export const IntegId = {
  NONE: 0,
  AUTH_HMAC_MD5_96: 1,
  AUTH_HMAC_SHA1_96: 2,
  AUTH_DES_MAC: 3,
  AUTH_KPDK_MD5: 4,
  AUTH_AES_XCBC_96: 5,
  AUTH_HMAC_MD5_128: 6,
  AUTH_HMAC_SHA1_160: 7,
  AUTH_AES_CMAC_96: 8,
  AUTH_AES_128_GMAC: 9,
  AUTH_AES_192_GMAC: 10,
  AUTH_AES_256_GMAC: 11,
  AUTH_HMAC_SHA2_256_128: 12,
  AUTH_HMAC_SHA2_384_192: 13,
  AUTH_HMAC_SHA2_512_256: 14,
} as const;

/**
 * Registry "Transform Type 4 - Key Exchange Method Transform IDs" (formerly "Diffie-Hellman
 * Group Transform IDs"): MODP groups of RFC 3526/2409, ECP groups of RFC 5903, RFC 8031's curves.
 */
export const DhId = {
  NONE: 0,
  MODP_768: 1,
  MODP_1024: 2,
  MODP_1536: 5,
  MODP_2048: 14,
  MODP_3072: 15,
  MODP_4096: 16,
  MODP_6144: 17,
  MODP_8192: 18,
  ECP_256: 19,
  ECP_384: 20,
  ECP_521: 21,
  MODP_1024_160: 22,
  MODP_2048_224: 23,
  MODP_2048_256: 24,
  ECP_192: 25,
  ECP_224: 26,
  BRAINPOOLP224R1: 27,
  BRAINPOOLP256R1: 28,
  BRAINPOOLP384R1: 29,
  BRAINPOOLP512R1: 30,
  CURVE25519: 31,
  CURVE448: 32,
  ML_KEM_512: 35,
  ML_KEM_768: 36,
  ML_KEM_1024: 37,
} as const;

/** Registry "Transform Type 5 - Extended Sequence Numbers Transform IDs". */
export const EsnId = {
  NO_ESN: 0,
  ESN: 1,
} as const;

/**
 * Every Transform ID above in one namespace, for `TransformId.ENCR_AES_GCM_16`-style use. The
 * names do not collide except `NONE` (0 for INTEG and DH alike).
 */
export const TransformId = { ...EncrId, ...PrfId, ...IntegId, ...DhId, ...EsnId } as const;

/** Registry "IKEv2 Transform Attribute Types" (RFC 7296 §3.3.5). */
export const TransformAttribute = {
  /** Key Length (in bits), TV format. */
  KEY_LENGTH: 14,
} as const;

/** Registry "IKEv2 Notify Message Types - Error Types" and "- Status Types". */
export const NotifyType = {
  // Error types (0..16383)
  UNSUPPORTED_CRITICAL_PAYLOAD: 1,
  INVALID_IKE_SPI: 4,
  INVALID_MAJOR_VERSION: 5,
  INVALID_SYNTAX: 7,
  INVALID_MESSAGE_ID: 9,
  INVALID_SPI: 11,
  NO_PROPOSAL_CHOSEN: 14,
  INVALID_KE_PAYLOAD: 17,
  AUTHENTICATION_FAILED: 24,
  SINGLE_PAIR_REQUIRED: 34,
  NO_ADDITIONAL_SAS: 35,
  INTERNAL_ADDRESS_FAILURE: 36,
  FAILED_CP_REQUIRED: 37,
  TS_UNACCEPTABLE: 38,
  INVALID_SELECTORS: 39,
  UNACCEPTABLE_ADDRESSES: 40,
  UNEXPECTED_NAT_DETECTED: 41,
  USE_ASSIGNED_HoA: 42,
  TEMPORARY_FAILURE: 43,
  CHILD_SA_NOT_FOUND: 44,
  INVALID_GROUP_ID: 45,
  AUTHORIZATION_FAILED: 46,
  STATE_NOT_FOUND: 47,
  // Status types (16384..40959)
  INITIAL_CONTACT: 16384,
  SET_WINDOW_SIZE: 16385,
  ADDITIONAL_TS_POSSIBLE: 16386,
  IPCOMP_SUPPORTED: 16387,
  NAT_DETECTION_SOURCE_IP: 16388,
  NAT_DETECTION_DESTINATION_IP: 16389,
  COOKIE: 16390,
  USE_TRANSPORT_MODE: 16391,
  HTTP_CERT_LOOKUP_SUPPORTED: 16392,
  REKEY_SA: 16393,
  ESP_TFC_PADDING_NOT_SUPPORTED: 16394,
  NON_FIRST_FRAGMENTS_ALSO: 16395,
  MOBIKE_SUPPORTED: 16396,
  ADDITIONAL_IP4_ADDRESS: 16397,
  ADDITIONAL_IP6_ADDRESS: 16398,
  NO_ADDITIONAL_ADDRESSES: 16399,
  UPDATE_SA_ADDRESSES: 16400,
  COOKIE2: 16401,
  NO_NATS_ALLOWED: 16402,
  AUTH_LIFETIME: 16403,
  MULTIPLE_AUTH_SUPPORTED: 16404,
  ANOTHER_AUTH_FOLLOWS: 16405,
  REDIRECT_SUPPORTED: 16406,
  REDIRECT: 16407,
  REDIRECTED_FROM: 16408,
  TICKET_LT_OPAQUE: 16409,
  TICKET_REQUEST: 16410,
  TICKET_ACK: 16411,
  TICKET_NACK: 16412,
  TICKET_OPAQUE: 16413,
  LINK_ID: 16414,
  USE_WESP_MODE: 16415,
  ROHC_SUPPORTED: 16416,
  EAP_ONLY_AUTHENTICATION: 16417,
  CHILDLESS_IKEV2_SUPPORTED: 16418,
  QUICK_CRASH_DETECTION: 16419,
  IKEV2_MESSAGE_ID_SYNC_SUPPORTED: 16420,
  IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED: 16421,
  IKEV2_MESSAGE_ID_SYNC: 16422,
  IPSEC_REPLAY_COUNTER_SYNC: 16423,
  SECURE_PASSWORD_METHODS: 16424,
  PSK_PERSIST: 16425,
  PSK_CONFIRM: 16426,
  ERX_SUPPORTED: 16427,
  IFOM_CAPABILITY: 16428,
  SENDER_REQUEST_ID: 16429,
  IKEV2_FRAGMENTATION_SUPPORTED: 16430,
  SIGNATURE_HASH_ALGORITHMS: 16431,
  CLONE_IKE_SA_SUPPORTED: 16432,
  CLONE_IKE_SA: 16433,
  PUZZLE: 16434,
  USE_PPK: 16435,
  PPK_IDENTITY: 16436,
  NO_PPK_AUTH: 16437,
  INTERMEDIATE_EXCHANGE_SUPPORTED: 16438,
  IP4_ALLOWED: 16439,
  IP6_ALLOWED: 16440,
  ADDITIONAL_KEY_EXCHANGE: 16441,
  USE_AGGFRAG: 16442,
} as const;

/** RFC 7296 §3.10.1: types below 16384 are errors. */
export function isErrorNotify(type: number): boolean {
  return type < 16384;
}

/** Registry "IKEv2 Identification Payload ID Types" (RFC 7296 §3.5). */
export const IdType = {
  ID_IPV4_ADDR: 1,
  ID_FQDN: 2,
  ID_RFC822_ADDR: 3,
  ID_IPV6_ADDR: 5,
  ID_DER_ASN1_DN: 9,
  ID_DER_ASN1_GN: 10,
  ID_KEY_ID: 11,
  ID_FC_NAME: 12,
  ID_NULL: 13,
} as const;
export type IdType = (typeof IdType)[keyof typeof IdType];

/** Registry "IKEv2 Authentication Method" (RFC 7296 §3.8, RFC 4754, RFC 7427, RFC 7619). */
export const AuthMethod = {
  RSA_DIGITAL_SIGNATURE: 1,
  SHARED_KEY_MESSAGE_INTEGRITY_CODE: 2,
  DSS_DIGITAL_SIGNATURE: 3,
  ECDSA_SHA256_P256: 9,
  ECDSA_SHA384_P384: 10,
  ECDSA_SHA512_P521: 11,
  GENERIC_SECURE_PASSWORD_AUTHENTICATION_METHOD: 12,
  NULL_AUTHENTICATION: 13,
  DIGITAL_SIGNATURE: 14,
} as const;

/** Registry "IKEv2 Traffic Selector Types" (RFC 7296 §3.13.1). */
export const TsType = {
  TS_IPV4_ADDR_RANGE: 7,
  TS_IPV6_ADDR_RANGE: 8,
  TS_FC_ADDR_RANGE: 9,
  TS_SECLABEL: 10,
} as const;

/** Registry "IKEv2 Certificate Encodings" (RFC 7296 §3.6). */
export const CertEncoding = {
  PKCS7_WRAPPED_X509_CERTIFICATE: 1,
  PGP_CERTIFICATE: 2,
  DNS_SIGNED_KEY: 3,
  X509_CERTIFICATE_SIGNATURE: 4,
  KERBEROS_TOKEN: 6,
  CERTIFICATE_REVOCATION_LIST: 7,
  AUTHORITY_REVOCATION_LIST: 8,
  SPKI_CERTIFICATE: 9,
  X509_CERTIFICATE_ATTRIBUTE: 10,
  RAW_RSA_KEY: 11,
  HASH_AND_URL_OF_X509_CERTIFICATE: 12,
  HASH_AND_URL_OF_X509_BUNDLE: 13,
  OCSP_CONTENT: 14,
  RAW_PUBLIC_KEY: 15,
} as const;

/** Registry "IKEv2 Security Protocol Identifiers" (RFC 7296 §3.3.1). */
export const ProtocolId = {
  IKE: 1,
  AH: 2,
  ESP: 3,
} as const;
export type ProtocolId = (typeof ProtocolId)[keyof typeof ProtocolId];

/** Registry "IKEv2 Configuration Payload CFG Types" (RFC 7296 §3.15). */
export const CfgType = {
  CFG_REQUEST: 1,
  CFG_REPLY: 2,
  CFG_SET: 3,
  CFG_ACK: 4,
} as const;

/** Registry "IKEv2 Configuration Payload Attribute Types" (RFC 7296 §3.15.1). */
export const ConfigurationAttribute = {
  INTERNAL_IP4_ADDRESS: 1,
  INTERNAL_IP4_NETMASK: 2,
  INTERNAL_IP4_DNS: 3,
  INTERNAL_IP4_NBNS: 4,
  INTERNAL_IP4_DHCP: 6,
  APPLICATION_VERSION: 7,
  INTERNAL_IP6_ADDRESS: 8,
  INTERNAL_IP6_DNS: 10,
  INTERNAL_IP6_DHCP: 12,
  INTERNAL_IP4_SUBNET: 13,
  SUPPORTED_ATTRIBUTES: 14,
  INTERNAL_IP6_SUBNET: 15,
} as const;

/** Registry "IKEv2 Hash Algorithms" (RFC 7427 §7, RFC 8420). */
export const HashAlgorithm = {
  SHA1: 1,
  SHA2_256: 2,
  SHA2_384: 3,
  SHA2_512: 4,
  IDENTITY: 5,
} as const;

/** The registry name of `value` in `registry`, or `UNKNOWN(value)`; for logs and errors. */
export function registryName(registry: Readonly<Record<string, number>>, value: number): string {
  for (const [name, v] of Object.entries(registry)) if (v === value) return name;
  return `UNKNOWN(${value})`;
}
