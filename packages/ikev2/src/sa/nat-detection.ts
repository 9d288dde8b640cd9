/**
 * NAT detection (RFC 7296 §2.23): NAT_DETECTION_SOURCE_IP and NAT_DETECTION_DESTINATION_IP carry
 * SHA-1(SPIi | SPIr | IP address | port) of the sender's and the receiver's endpoint as the
 * sender sees them. A mismatch tells which side is behind a NAT; then both move to port 4500.
 */
import type { CryptoProvider } from '@layersec/crypto-primitives';
import { concatBytes } from '@layersec/wire';
import { NotifyType } from '../constants.js';
import { notifiesOf } from '../messages/message.js';
import type { NotifyPayload, Payload } from '../messages/payloads.js';
import type { Endpoint } from './address.js';

/** SHA-1 ( SPIi | SPIr | IP | Port ), RFC 7296 §2.23 (SPIr is zero in the IKE_SA_INIT request). */
export function natDetectionHash(provider: CryptoProvider, spiI: Uint8Array, spiR: Uint8Array, endpoint: Endpoint): Uint8Array {
  return provider.hash('SHA-1').digest(concatBytes(spiI, spiR, endpoint.address, Uint8Array.of(endpoint.port >> 8, endpoint.port & 0xff)));
}

/** The two NAT detection notifies a sender puts in its IKE_SA_INIT message. */
export function natDetectionNotifies(provider: CryptoProvider, spiI: Uint8Array, spiR: Uint8Array, local: Endpoint, remote: Endpoint): NotifyPayload[] {
  const notify = (notifyType: number, e: Endpoint): NotifyPayload => ({
    kind: 'N',
    protocolId: 0,
    spi: new Uint8Array(0),
    notifyType,
    notificationData: natDetectionHash(provider, spiI, spiR, e),
  });
  return [notify(NotifyType.NAT_DETECTION_SOURCE_IP, local), notify(NotifyType.NAT_DETECTION_DESTINATION_IP, remote)];
}

export interface NatDetectionResult {
  /** Both notifies were present (the peer supports NAT traversal). */
  supported: boolean;
  /** Our address/port as the peer saw it differs from ours: we are behind a NAT. */
  localBehindNat: boolean;
  /** None of the peer's source hashes matches where its message came from: the peer is behind a NAT. */
  remoteBehindNat: boolean;
}

/**
 * Checks a received message's NAT detection notifies against the endpoints it travelled between
 * (`local` = where it arrived, `remote` = where it came from). §2.23: several SOURCE_IP
 * notifies may be present; any one matching means no NAT on that side.
 */
export function checkNatDetection(
  provider: CryptoProvider,
  payloads: Payload[],
  spiI: Uint8Array,
  spiR: Uint8Array,
  local: Endpoint,
  remote: Endpoint,
): NatDetectionResult {
  const sources = notifiesOf(payloads, NotifyType.NAT_DETECTION_SOURCE_IP);
  const destinations = notifiesOf(payloads, NotifyType.NAT_DETECTION_DESTINATION_IP);
  if (sources.length === 0 || destinations.length === 0) return { supported: false, localBehindNat: false, remoteBehindNat: false };
  const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
  const remoteHash = natDetectionHash(provider, spiI, spiR, remote);
  const localHash = natDetectionHash(provider, spiI, spiR, local);
  return {
    supported: true,
    remoteBehindNat: !sources.some((n) => eq(n.notificationData, remoteHash)),
    localBehindNat: !destinations.some((n) => eq(n.notificationData, localHash)),
  };
}
