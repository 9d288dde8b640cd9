/**
 * UDP port 4500 carries three things (RFC 3948 §2.2, §2.3; RFC 7296 §2.23): IKE messages after a
 * four-octet non-ESP marker of zeros, UDP-encapsulated ESP (whose first four octets, the SPI, are
 * never zero), and one-octet NAT-keepalives (0xFF).
 */
import { DecodeError, concatBytes } from '@layersec/wire';
import { NON_ESP_MARKER } from '../constants.js';

export type Port4500Datagram =
  | { kind: 'ike'; message: Uint8Array }
  | { kind: 'esp'; packet: Uint8Array }
  | { kind: 'keepalive' };

/** Classifies a datagram received on port 4500 (views into `datagram`, no copy). */
export function classifyPort4500(datagram: Uint8Array): Port4500Datagram {
  if (datagram.length === 1 && datagram[0] === 0xff) return { kind: 'keepalive' };
  if (datagram.length < 4) throw new DecodeError('UDP-encapsulated datagram', 0, `${datagram.length} octets is too short`);
  if (datagram[0] === 0 && datagram[1] === 0 && datagram[2] === 0 && datagram[3] === 0) {
    return { kind: 'ike', message: datagram.subarray(4) };
  }
  return { kind: 'esp', packet: datagram };
}

/** An IKE message as sent on port 4500: with the non-ESP marker in front. */
export function withNonEspMarker(message: Uint8Array): Uint8Array {
  return concatBytes(NON_ESP_MARKER, message);
}
