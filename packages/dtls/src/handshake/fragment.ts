/**
 * The DTLS handshake header and fragmentation (RFC 6347 §4.2.2, §4.2.3): each handshake message
 * carries message_seq, fragment_offset and fragment_length; outgoing messages are cut to fit the
 * PMTU; incoming fragments are reassembled in any order, duplicates and overlaps included, with
 * bounded buffers (a largest message, a limit on how far ahead of the next expected message_seq we
 * buffer). The transcript is computed over the unfragmented form (§4.2.6): the DTLS header with
 * fragment_offset = 0 and fragment_length = length.
 */
import { DecodeError, Reader, Writer } from '@layersec/wire';
import { HANDSHAKE_HEADER_LENGTH } from '../constants.js';

export interface HandshakeFragment {
  readonly msg_type: number;
  readonly length: number;
  readonly message_seq: number;
  readonly fragment_offset: number;
  readonly fragment_length: number;
  readonly fragment: Uint8Array;
}

export function encodeHandshakeFragment(f: Omit<HandshakeFragment, 'fragment_length'>): Uint8Array {
  return new Writer(HANDSHAKE_HEADER_LENGTH + f.fragment.length)
    .u8(f.msg_type)
    .u24(f.length)
    .u16(f.message_seq)
    .u24(f.fragment_offset)
    .u24(f.fragment.length)
    .bytes(f.fragment)
    .finish();
}

/** Decodes the handshake fragments of one record's content (several may share a record). */
export function decodeHandshakeFragments(content: Uint8Array): HandshakeFragment[] {
  const r = new Reader(content);
  const out: HandshakeFragment[] = [];
  while (!r.atEnd) {
    const msg_type = r.u8('Handshake.msg_type');
    const length = r.u24('Handshake.length');
    const message_seq = r.u16('Handshake.message_seq');
    const fragment_offset = r.u24('Handshake.fragment_offset');
    const fragment_length = r.u24('Handshake.fragment_length');
    if (fragment_offset + fragment_length > length) {
      throw new DecodeError('Handshake.fragment_length', r.offset - 3, `fragment ${fragment_offset}+${fragment_length} beyond length ${length}`);
    }
    const fragment = r.take(fragment_length, 'Handshake.body');
    out.push({ msg_type, length, message_seq, fragment_offset, fragment_length, fragment });
  }
  return out;
}

/** The unfragmented form of a message, as hashed into the transcript (RFC 6347 §4.2.6). */
export function unfragmented(msg_type: number, message_seq: number, body: Uint8Array): Uint8Array {
  return encodeHandshakeFragment({ msg_type, length: body.length, message_seq, fragment_offset: 0, fragment: body });
}

/**
 * Cuts a message into handshake fragments whose encoding (header included) is at most
 * `maxFragmentBytes` long (RFC 6347 §4.2.3). A message with an empty body is one fragment.
 */
export function fragmentMessage(msg_type: number, message_seq: number, body: Uint8Array, maxFragmentBytes: number): Uint8Array[] {
  const room = maxFragmentBytes - HANDSHAKE_HEADER_LENGTH;
  if (room < 1) throw new RangeError(`a fragment limit of ${maxFragmentBytes} bytes leaves no room for the handshake body`);
  const out: Uint8Array[] = [];
  let off = 0;
  do {
    const n = Math.min(room, body.length - off);
    out.push(encodeHandshakeFragment({ msg_type, length: body.length, message_seq, fragment_offset: off, fragment: body.subarray(off, off + n) }));
    off += n;
  } while (off < body.length);
  return out;
}

/** A whole message out of the reassembler. */
export interface ReassembledMessage {
  readonly msg_type: number;
  readonly message_seq: number;
  readonly body: Uint8Array;
  /** The epoch the message's fragments arrived in (all fragments must share it). */
  readonly epoch: number;
}

export interface ReassemblerOptions {
  /** Largest handshake message buffered (default 64 KiB; a Certificate chain is the largest). */
  maxMessageLength?: number;
  /** Messages buffered ahead of the next expected message_seq (default 8, a whole flight). */
  maxMessagesAhead?: number;
}

/** What one fragment did to the reassembler. */
export type FragmentOutcome = 'buffered' | 'old' | 'dropped';

interface Pending {
  readonly msg_type: number;
  readonly length: number;
  readonly epoch: number;
  readonly body: Uint8Array;
  /** Received byte ranges, sorted and merged: [start, end) pairs. */
  ranges: Array<[number, number]>;
}

function addRange(ranges: Array<[number, number]>, start: number, end: number): Array<[number, number]> {
  const all = [...ranges, [start, end] as [number, number]].sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of all) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

/**
 * Reassembles messages in message_seq order (RFC 6347 §4.2.2). Fragments of messages already
 * delivered are reported as 'old' (the peer is retransmitting a flight, §4.2.4); fragments that
 * disagree with what is buffered, exceed the bounds or are too far ahead are dropped.
 */
export class HandshakeReassembler {
  private next = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly maxMessageLength: number;
  private readonly maxAhead: number;

  constructor(options: ReassemblerOptions = {}) {
    this.maxMessageLength = options.maxMessageLength ?? 1 << 16;
    this.maxAhead = options.maxMessagesAhead ?? 8;
  }

  /** The message_seq expected next. */
  get nextMessageSeq(): number {
    return this.next;
  }

  /** Sets the next expected message_seq (a server answering a ClientHello of message_seq 1 after a cookie exchange). */
  expect(messageSeq: number): void {
    this.next = messageSeq;
    for (const k of [...this.pending.keys()]) if (k < messageSeq) this.pending.delete(k);
  }

  /** Bytes held for incomplete messages (bounded by maxMessagesAhead × maxMessageLength). */
  get bufferedBytes(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.length;
    return n;
  }

  push(f: HandshakeFragment, epoch: number): FragmentOutcome {
    if (f.message_seq < this.next) return 'old';
    if (f.message_seq >= this.next + this.maxAhead || f.length > this.maxMessageLength) return 'dropped';
    let p = this.pending.get(f.message_seq);
    if (!p) {
      p = { msg_type: f.msg_type, length: f.length, epoch, body: new Uint8Array(f.length), ranges: [] };
      this.pending.set(f.message_seq, p);
    } else if (p.msg_type !== f.msg_type || p.length !== f.length || p.epoch !== epoch) {
      return 'dropped';
    }
    p.body.set(f.fragment, f.fragment_offset);
    p.ranges = addRange(p.ranges, f.fragment_offset, f.fragment_offset + f.fragment.length);
    return 'buffered';
  }

  /** The next complete message in order, or undefined. */
  pop(): ReassembledMessage | undefined {
    const p = this.pending.get(this.next);
    if (!p) return undefined;
    const complete = p.length === 0 ? true : p.ranges.length === 1 && p.ranges[0][0] === 0 && p.ranges[0][1] === p.length;
    // A zero-length message is complete as soon as one fragment has arrived.
    if (!complete) return undefined;
    this.pending.delete(this.next);
    return { msg_type: p.msg_type, message_seq: this.next++, body: p.body, epoch: p.epoch };
  }
}
