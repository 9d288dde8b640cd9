/**
 * @layersec/ikev2 — IKEv2 (RFC 7296): message codec, Encrypted payload protection, swanctl.conf
 * configuration and the IKE_SA_INIT exchange as sans-I/O tasks.
 */
export * from './constants.js';
export { IkeNotifyError, IkeIntegrityError } from './errors.js';
export { type IkeHeader, IKE_HEADER_LENGTH, MAX_IKE_MESSAGE_LENGTH } from './messages/header.js';
export * from './messages/payloads.js';
export {
  type IkeMessage,
  type IkeHeaderFields,
  MAX_PAYLOADS_PER_CHAIN,
  decodeMessage,
  encodeMessage,
  decodePayloadChain,
  encodePayloads,
  payloadsOf,
  payloadOf,
  notifiesOf,
} from './messages/message.js';
export {
  type SkTransforms,
  type SkProtection,
  type EncryptOptions,
  skKeyLengths,
  createSkProtection,
  encodeEncryptedMessage,
  type EncryptedContents,
  decodeEncryptedPayloads,
} from './messages/encrypted.js';
export { type Port4500Datagram, classifyPort4500, withNonEspMarker } from './messages/nat-t.js';
export {
  type EncrSpec,
  type ProposalSpec,
  ProposalKeywordError,
  isAeadEncr,
  parseProposal,
  parseProposals,
  proposalToWire,
} from './config/proposals.js';
export {
  type SettingsSection,
  type AuthClass,
  type AuthConfig,
  type ChildConfig,
  type ConnectionConfig,
  type SharedSecret,
  type SwanctlConfig,
  SwanctlConfigError,
  parseSettings,
  parseSwanctlConf,
  findSharedSecret,
} from './config/swanctl.js';
export type { Clock } from './clock.js';
export { type Endpoint, parseIpAddress, formatIpAddress } from './sa/address.js';
export { type IkeKeyExchange, createKeyExchange, isSupportedGroup } from './sa/key-exchange.js';
export { type NatDetectionResult, natDetectionHash, natDetectionNotifies, checkNatDetection } from './sa/nat-detection.js';
export {
  type IkeSaTransforms,
  type IkeSaKeyMaterial,
  type IkeSaProtections,
  deriveIkeSaKeys,
  ikeSaProtections,
  ikePrfOf,
  skTransformsOf,
} from './sa/keys.js';
export {
  type NegotiatedTransforms,
  type SelectedProposal,
  type SelectOptions,
  selectProposal,
  selectedToWire,
  acceptSelectedProposal,
} from './sa/proposal-selection.js';
export { CookieJar, DEFAULT_COOKIE_ROTATION_MS } from './exchange/cookie.js';
export {
  type IkeInitContext,
  type IkeInitConfig,
  type Path,
  type IkeSaInitResult,
  type InitiatorOutcome,
  type ResponderOutcome,
  type IkeInitResponderOptions,
  IkeInitInitiator,
  IkeInitResponder,
} from './exchange/ike-init.js';
export { KEY_PAD_FOR_IKEV2, restOfIdPayload, signedOctets, sharedKeyAuth, verifySharedKeyAuth } from './sa/auth.js';
export { type Identity, IdentityError, identityFromString } from './sa/identity.js';
export {
  type TsRange,
  TrafficSelectorError,
  parseTrafficSelector,
  intersectSelectors,
  narrowSelectors,
  sameSelector,
  selectorWithin,
} from './sa/traffic-selectors.js';
export {
  type ChildConfigResolved,
  type IkeAuthInitiatorConfig,
  type IkeAuthResponderConfig,
  type ChildSaResult,
  type IkeAuthResult,
  type AuthInitiatorOutcome,
  type AuthResponderOutcome,
  IkeAuthInitiator,
  IkeAuthResponder,
} from './exchange/ike-auth.js';
export {
  type RetransmitPolicy,
  type IkeEvent,
  type IkeSessionState,
  type IkeSessionOptions,
  DEFAULT_RETRANSMIT,
  IkeInitiatorSession,
  IkeResponderSession,
} from './session.js';
export { IkeUdpEndpoint, monotonicClock } from './udp.js';
export { ikev2DecryptionTableRow, espSaRows } from './wireshark.js';
export { type DatagramDriver } from './udp.js';
export { type IkeResponderServiceOptions, type ServiceEvent, IkeResponderService } from './responder-service.js';
export { type CreateChildRequest, type CreateChildAnswer, buildCreateChildRequest, answerCreateChild, deriveChildKeys } from './exchange/create-child.js';
export { type IkeRekeyRequest, type IkeRekeyAnswer, buildIkeRekeyRequest, answerIkeRekey } from './exchange/ike-rekey.js';
export { signAuth, verifyAuth, certPayloads, certReqPayload, identityInCertificate, verifyPeerCertificates } from './sa/signature-auth.js';
export type { SigningCredentials, CertificateTrust } from './exchange/ike-auth.js';
