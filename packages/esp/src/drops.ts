/**
 * Why the engine did not deliver a packet. RFC 4303 §3.4 and RFC 4301 §5.2 call most of these
 * "auditable events": the packet is silently discarded and a counter records it.
 */
export const EspDropReason = {
  /** Not a decodable IP / ESP / AH packet (truncated, inconsistent lengths, bad CBC length). */
  MALFORMED: 'malformed',
  /** An IP fragment: ESP/AH is applied to whole packets (RFC 4303 §3.4.1; reassemble first). */
  FRAGMENT: 'fragment',
  /** Neither ESP, AH nor UDP-encapsulated ESP (where only those were expected). */
  NOT_IPSEC: 'not-ipsec',
  /** No SA for this SPI, destination and protocol (RFC 4303 §3.4.2). */
  UNKNOWN_SPI: 'unknown-spi',
  /** Sequence number already received (RFC 4303 §3.4.3). */
  REPLAY: 'replay',
  /** Sequence number left of the anti-replay window (RFC 4303 §3.4.3). */
  TOO_OLD: 'too-old',
  /** ICV / AEAD tag did not verify (RFC 4303 §3.4.4). */
  ICV_FAILURE: 'icv-failure',
  /** Pad Length or padding bytes wrong (RFC 4303 §2.4). */
  BAD_PADDING: 'bad-padding',
  /** Next Header not valid for the SA's mode (tunnel mode carries IPv4 or IPv6). */
  BAD_NEXT_HEADER: 'bad-next-header',
  /** The decapsulated packet is not allowed by the SA's selectors (RFC 4301 §5.2 step 4). */
  SELECTOR_MISMATCH: 'selector-mismatch',
  /** A dummy packet (Next Header 59, RFC 4303 §2.6): discarded after its ICV verified. */
  DUMMY_PACKET: 'dummy-packet',
  /** The SA reached a hard lifetime (RFC 4301 §4.4.2.1). */
  SA_EXPIRED: 'sa-expired',
  /** The outbound sequence counter would wrap (RFC 4303 §3.3.3): rekey needed. */
  SEQUENCE_EXHAUSTED: 'sequence-exhausted',
  /** An SPD rule says DISCARD, or no rule matched (RFC 4301 §4.4.1 default). */
  POLICY_DISCARD: 'policy-discard',
  /** Unprotected inbound traffic that the SPD says must be protected (RFC 4301 §5.2). */
  POLICY_REQUIRES_PROTECTION: 'policy-requires-protection',
  /** A PROTECT rule names an SA that is not installed. */
  NO_SA: 'no-sa',
  /** The protected packet would exceed the IP maximum of 65535 bytes. */
  TOO_BIG: 'too-big',
  /** Tunnel-mode forwarding would decrement the inner TTL / Hop Limit to zero. */
  TTL_EXCEEDED: 'ttl-exceeded',
  /** A feature this engine does not implement (e.g. AH over an IPv6 Routing header). */
  UNSUPPORTED: 'unsupported',
  /** A NAT-keepalive (RFC 3948 §2.3): consumed, not an error. */
  NAT_KEEPALIVE: 'nat-keepalive',
  /** UDP 4500 with the non-ESP marker (RFC 3948 §2.2): an IKE message, handed over as an event. */
  IKE_MESSAGE: 'ike-message',
} as const;
export type EspDropReason = (typeof EspDropReason)[keyof typeof EspDropReason];

export type DropCounters = Record<EspDropReason, number>;

export function newDropCounters(): DropCounters {
  const c = {} as DropCounters;
  for (const r of Object.values(EspDropReason)) c[r] = 0;
  return c;
}
