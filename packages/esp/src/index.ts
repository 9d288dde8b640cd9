/**
 * @layersec/esp — ESP (RFC 4303) and AH (RFC 4302) packet engine with SAD, SPD and anti-replay,
 * plus the IPv4 / IPv6 header codecs the rest of the suite uses.
 */
export {
  type Ipv4Header,
  type Ipv6Header,
  type IpHeader,
  type Ipv6ExtensionHeader,
  type Ipv6HeaderChain,
  IPV4_MIN_HEADER_LENGTH,
  IPV6_HEADER_LENGTH,
  onesComplementSum,
  internetChecksum,
  setIpv4HeaderChecksum,
  ipv4HeaderChecksumValid,
  decodeIpv4Header,
  encodeIpv4Header,
  writeIpv4Header,
  decodeIpv6Header,
  encodeIpv6Header,
  writeIpv6Header,
  ipv6HeaderChain,
  parseIpAddress,
  formatIpAddress,
} from './ip.js';
export { TransformId, IntegrityAlgorithmId, IpProtocol, NAT_T_PORT, type EncryptionAlgorithm, type IntegrityAlgorithm } from './constants.js';
export {
  type SaProtocol,
  type SaMode,
  type LifetimeLimits,
  type SaLifetime,
  type SecurityAssociationJson,
  type SecurityAssociation,
  SaConfigError,
  ENCRYPTION_INFO,
  INTEGRITY_INFO,
  parseSa,
  serializeSa,
  saFromJson,
  saToJson,
} from './sa.js';
export { EspDropReason, type DropCounters, newDropCounters } from './drops.js';
export {
  EspEngine,
  type Clock,
  type EspEngineOptions,
  type OutboundSaOptions,
  type InboundSaOptions,
  type EspEvent,
  type ProtectResult,
  type UnprotectResult,
} from './engine.js';
export { createEspTransform, type EspTransform } from './transforms.js';
export {
  SecurityPolicyDatabase,
  CompiledSelector,
  packetSelectors,
  type PolicyAction,
  type TrafficSelector,
  type SpdRule,
  type PacketSelectors,
} from './spd.js';
export { AH_FIXED_LENGTH, ahLength, zeroMutableFields } from './ah.js';
