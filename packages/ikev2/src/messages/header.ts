/**
 * The IKE header (RFC 7296 §3.1): 28 octets in front of every IKE message.
 */
import { DecodeError, Reader, Writer } from '@layersec/wire';
import { HeaderFlag, NotifyType } from '../constants.js';
import { IkeNotifyError } from '../errors.js';

export const IKE_HEADER_LENGTH = 28;

/** RFC 7296 §3.1 / §2: a message fits a 32-bit length, but nothing above 64 KiB fits in UDP. */
export const MAX_IKE_MESSAGE_LENGTH = 65535;

export interface IkeHeader {
  /** IKE SA Initiator's SPI (8 octets). */
  initiatorSpi: Uint8Array;
  /** IKE SA Responder's SPI (8 octets; zero in the first message of IKE_SA_INIT). */
  responderSpi: Uint8Array;
  /** Next Payload: type of the first payload. */
  nextPayload: number;
  majorVersion: number;
  minorVersion: number;
  /** Registry "IKEv2 Exchange Types". */
  exchangeType: number;
  /** Flags: I(nitiator). */
  initiator: boolean;
  /** Flags: V(ersion). */
  version: boolean;
  /** Flags: R(esponse). */
  response: boolean;
  messageId: number;
  /** Length of the total message (header + payloads) in octets. */
  length: number;
}

export function encodeHeader(h: IkeHeader, w: Writer): void {
  if (h.initiatorSpi.length !== 8 || h.responderSpi.length !== 8) throw new RangeError('IKE SPIs are 8 octets');
  w.bytes(h.initiatorSpi).bytes(h.responderSpi);
  w.u8(h.nextPayload);
  w.u8(((h.majorVersion & 15) << 4) | (h.minorVersion & 15));
  w.u8(h.exchangeType);
  w.u8((h.initiator ? HeaderFlag.INITIATOR : 0) | (h.version ? HeaderFlag.VERSION : 0) | (h.response ? HeaderFlag.RESPONSE : 0));
  w.u32(h.messageId >>> 0);
  w.u32(h.length >>> 0);
}

/**
 * Reads the IKE header and checks its Length against the bytes at hand. A major version other
 * than 2 is refused with INVALID_MAJOR_VERSION (RFC 7296 §2.5; the reply's header
 * carries the version this side speaks); reserved flag bits are ignored
 * (§3.1: "MUST be ignored on receipt").
 */
export function decodeHeader(r: Reader, available: number): IkeHeader {
  const initiatorSpi = r.take(8, "IKE header.IKE SA Initiator's SPI");
  const responderSpi = r.take(8, "IKE header.IKE SA Responder's SPI");
  const nextPayload = r.u8('IKE header.Next Payload');
  const versionByte = r.u8('IKE header.Version');
  const exchangeType = r.u8('IKE header.Exchange Type');
  const flags = r.u8('IKE header.Flags');
  const messageId = r.u32('IKE header.Message ID');
  const lengthAt = r.offset;
  const length = r.u32('IKE header.Length');
  const majorVersion = versionByte >> 4;
  if (majorVersion !== 2) {
    throw new IkeNotifyError(NotifyType.INVALID_MAJOR_VERSION, new Uint8Array(0), `IKE major version ${majorVersion}`);
  }
  if (length !== available) {
    throw new DecodeError('IKE header.Length', lengthAt, `says ${length} octets, message has ${available}`);
  }
  return {
    initiatorSpi,
    responderSpi,
    nextPayload,
    majorVersion,
    minorVersion: versionByte & 15,
    exchangeType,
    initiator: (flags & HeaderFlag.INITIATOR) !== 0,
    version: (flags & HeaderFlag.VERSION) !== 0,
    response: (flags & HeaderFlag.RESPONSE) !== 0,
    messageId,
    length,
  };
}
