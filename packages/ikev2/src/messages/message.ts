/**
 * IKE messages (RFC 7296 §3.1, §3.2): the header, then a chain of payloads each naming the type
 * of the next in its Generic Payload Header. The Encrypted payload (SK, §3.14) ends the chain;
 * its Next Payload names the first payload inside it, which ./encrypted.ts decodes once the
 * integrity check has passed.
 */
import { DecodeError, Reader, Writer } from '@layersec/wire';
import { NotifyType, PayloadType } from '../constants.js';
import { IkeNotifyError } from '../errors.js';
import { IKE_HEADER_LENGTH, MAX_IKE_MESSAGE_LENGTH, decodeHeader, encodeHeader, type IkeHeader } from './header.js';
import {
  decodePayloadBody,
  encodePayloadBody,
  isKnownPayloadType,
  payloadTypeOf,
  type NotifyPayload,
  type Payload,
  type PayloadKind,
  type PayloadOfKind,
} from './payloads.js';

/** More payloads than this in one chain are refused (no exchange of RFC 7296 needs half as many). */
export const MAX_PAYLOADS_PER_CHAIN = 64;

/** Generic Payload Header (§3.2) length. */
export const GENERIC_PAYLOAD_HEADER_LENGTH = 4;

export interface IkeMessage {
  header: IkeHeader;
  payloads: Payload[];
}

/** A header to encode: Next Payload and Length follow from the payloads. */
export type IkeHeaderFields = Omit<IkeHeader, 'nextPayload' | 'length'>;

/**
 * Walks a payload chain starting with payload type `first`. `inEncrypted` is true for the chain
 * inside an SK payload (which may not hold another SK). Unknown payloads: critical → the message
 * is rejected with UNSUPPORTED_CRITICAL_PAYLOAD carrying the type (§3.2); otherwise kept as
 * `unknown`. The chain must use every octet of `r`.
 */
export function decodePayloadChain(first: number, r: Reader, inEncrypted = false): Payload[] {
  const payloads: Payload[] = [];
  let type = first;
  while (type !== PayloadType.NO_NEXT_PAYLOAD) {
    const at = r.offset;
    if (payloads.length >= MAX_PAYLOADS_PER_CHAIN) {
      throw new DecodeError('Generic Payload Header', at, `more than ${MAX_PAYLOADS_PER_CHAIN} payloads`);
    }
    const next = r.u8('Generic Payload Header.Next Payload');
    const critical = (r.u8('Generic Payload Header.C') & 0x80) !== 0;
    const lengthAt = r.offset;
    const length = r.u16('Generic Payload Header.Payload Length');
    if (length < GENERIC_PAYLOAD_HEADER_LENGTH || length - GENERIC_PAYLOAD_HEADER_LENGTH > r.remaining) {
      throw new DecodeError('Generic Payload Header.Payload Length', lengthAt, `${length} does not fit the ${r.remaining + 4} octets left`);
    }
    const body = r.slice(length - GENERIC_PAYLOAD_HEADER_LENGTH, `payload ${type}`);
    if (type === PayloadType.SK || type === PayloadType.SKF) {
      // §3.14: "the Encrypted payload, if present in a message, MUST be the last payload".
      if (inEncrypted) throw new DecodeError('Encrypted payload', at, 'inside an Encrypted payload');
      if (!r.atEnd) throw new DecodeError('Encrypted payload', at, 'is not the last payload of the message');
      if (type === PayloadType.SK) {
        payloads.push({ kind: 'SK', nextPayload: next, body: body.rest().slice(), ...(critical ? { critical } : {}) });
      } else {
        const fragmentNumber = body.u16('SKF.Fragment Number');
        const totalFragments = body.u16('SKF.Total Fragments');
        payloads.push({ kind: 'SKF', nextPayload: next, fragmentNumber, totalFragments, body: body.rest().slice(), ...(critical ? { critical } : {}) });
      }
      return payloads;
    }
    if (!isKnownPayloadType(type)) {
      if (critical) {
        throw new IkeNotifyError(NotifyType.UNSUPPORTED_CRITICAL_PAYLOAD, Uint8Array.of(type), `critical payload of unknown type ${type} at offset ${at}`);
      }
    }
    payloads.push(decodePayloadBody(type, body, critical));
    type = next;
  }
  r.expectEnd('payload chain');
  return payloads;
}

/** Encodes `payloads` with their Generic Payload Headers; an SK/SKF payload must come last. */
export function encodePayloadChain(payloads: Payload[], w: Writer): void {
  payloads.forEach((p, i) => {
    const last = i === payloads.length - 1;
    let next: number;
    if (p.kind === 'SK' || p.kind === 'SKF') {
      if (!last) throw new RangeError('the Encrypted payload must be the last payload');
      next = p.nextPayload;
    } else {
      next = last ? PayloadType.NO_NEXT_PAYLOAD : payloadTypeOf(payloads[i + 1]);
    }
    w.u8(next).u8(p.critical ? 0x80 : 0);
    const lengthAt = w.length;
    w.u16(0);
    encodePayloadBody(p, w);
    const length = w.length - lengthAt + 2;
    if (length > 0xffff) throw new RangeError(`${p.kind} payload of ${length} octets`);
    w.patchU16(lengthAt, length);
  });
}

/** The payload chain alone (the plaintext of an Encrypted payload, without its padding). */
export function encodePayloads(payloads: Payload[]): Uint8Array {
  const w = new Writer();
  encodePayloadChain(payloads, w);
  return w.finish();
}

/** Encodes a whole message, filling in the header's Next Payload and Length. */
export function encodeMessage(header: IkeHeaderFields, payloads: Payload[]): Uint8Array {
  const body = encodePayloads(payloads);
  const w = new Writer(IKE_HEADER_LENGTH + body.length);
  const nextPayload = payloads.length === 0 ? PayloadType.NO_NEXT_PAYLOAD : payloadTypeOf(payloads[0]);
  encodeHeader({ ...header, nextPayload, length: IKE_HEADER_LENGTH + body.length }, w);
  w.bytes(body);
  return w.finish();
}

/**
 * Decodes an IKE message (the UDP payload on port 500, or on 4500 after the non-ESP marker).
 * Throws DecodeError for malformed input and IkeNotifyError for INVALID_MAJOR_VERSION and
 * UNSUPPORTED_CRITICAL_PAYLOAD; an SK payload is returned still encrypted.
 */
export function decodeMessage(bytes: Uint8Array): IkeMessage {
  if (bytes.length > MAX_IKE_MESSAGE_LENGTH) throw new DecodeError('IKE message', 0, `${bytes.length} octets is too long`);
  const r = new Reader(bytes);
  const header = decodeHeader(r, bytes.length);
  const payloads = decodePayloadChain(header.nextPayload, r);
  return { header, payloads };
}

/** Payloads of one kind, in order (e.g. every Notify). */
export function payloadsOf<K extends PayloadKind>(payloads: Payload[], kind: K): PayloadOfKind<K>[] {
  return payloads.filter((p) => p.kind === kind) as PayloadOfKind<K>[];
}

/** The first payload of one kind, if any. */
export function payloadOf<K extends PayloadKind>(payloads: Payload[], kind: K): PayloadOfKind<K> | undefined {
  return payloads.find((p) => p.kind === kind) as PayloadOfKind<K> | undefined;
}

/** The Notify payloads of one Notify Message Type. */
export function notifiesOf(payloads: Payload[], notifyType: number): NotifyPayload[] {
  return payloadsOf(payloads, 'N').filter((n) => n.notifyType === notifyType);
}
