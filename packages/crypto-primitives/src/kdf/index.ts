/**
 * Key derivation, written once on top of a provider's HMAC: HKDF and the TLS 1.3 key schedule
 * functions (RFC 5869, RFC 8446 §7.1), the TLS 1.2 PRF (RFC 5246 §5, RFC 7627) and the IKEv2
 * prf/prf+ and key splits (RFC 7296 §2.13-§2.18).
 */
export {
  type KdfProvider,
  type ExpandLabelPrefix,
  hashLength,
  hkdfExtract,
  hkdfExpand,
  hkdf,
  encodeHkdfLabel,
  hkdfExpandLabel,
  deriveSecret,
  deriveSecretFromMessages,
  tls13TrafficKeys,
  tls13FinishedKey,
} from './hkdf.js';
export {
  type Tls12PrfHash,
  type Tls12KeyLengths,
  type Tls12ConnectionKeys,
  TLS12_PRF_MAX_OUTPUT,
  pHash,
  tls12Prf,
  tls12MasterSecret,
  tls12ExtendedMasterSecret,
  tls12KeyBlock,
  tls12ConnectionKeys,
  tls12VerifyData,
} from './tls12-prf.js';
export {
  type IkeKdfProvider,
  type IkePrf,
  type IkeKeyLengths,
  type IkeSaKeys,
  type ChildSaDirectionKeys,
  type ChildSaKeys,
  IKE_PRF_TRANSFORM_IDS,
  ikePrfFromTransformId,
  ikePrfKeyLength,
  ikePrfOutputLength,
  ikePrf,
  ikePrfPlus,
  ikeSkeyseed,
  ikeRekeySkeyseed,
  ikeSaKeys,
  childSaKeymat,
  childSaKeys,
} from './ikev2.js';
