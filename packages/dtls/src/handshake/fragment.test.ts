/**
 * Handshake fragmentation and reassembly (RFC 6347 §4.2.2-§4.2.3): fragments in any order, with
 * duplicates and overlaps, bounded buffers, old messages reported for retransmission (§4.2.4).
 */
import fc from 'fast-check';
import { fromHex } from '@layersec/wire';
import { decodeHandshakeFragments, fragmentMessage, HandshakeReassembler, unfragmented } from './fragment.js';

describe('handshake fragments', () => {
  it('decodes the header field by field (RFC 6347 §4.2.2 layout)', () => {
    // msg_type certificate(11), length 5, message_seq 2, fragment_offset 1, fragment_length 3, body.
    const [f] = decodeHandshakeFragments(fromHex('0b000005' + '0002' + '000001' + '000003' + 'aabbcc'));
    expect(f).toMatchObject({ msg_type: 11, length: 5, message_seq: 2, fragment_offset: 1, fragment_length: 3 });
  });

  it('refuses a fragment that runs past the message length', () => {
    expect(() => decodeHandshakeFragments(fromHex('0b000002000000000001000002aabb'))).toThrow(/beyond length/);
  });

  it('cuts a message to the limit and the transcript form has offset 0 and full length (§4.2.6)', () => {
    const body = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const frags = fragmentMessage(11, 3, body, 212);
    expect(frags.every((f) => f.length <= 212)).toBe(true);
    expect(frags).toHaveLength(5);
    const u = unfragmented(11, 3, body);
    expect(Array.from(u.subarray(0, 12))).toEqual([11, 0, 3, 0xe8, 0, 3, 0, 0, 0, 0, 3, 0xe8]);
  });

  it('reassembles fragments in any order, with duplicates and overlaps (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 3000 }),
        fc.integer({ min: 13, max: 400 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 10 }),
        (body, limit, order, overlaps) => {
          const frags = fragmentMessage(11, 0, body, limit).flatMap((b) => decodeHandshakeFragments(b));
          // Extra overlapping fragments cut from the same body.
          for (const [s, l] of overlaps) {
            if (body.length === 0) break;
            const start = s % body.length;
            const end = Math.min(body.length, start + 1 + (l % 300));
            frags.push({ msg_type: 11, length: body.length, message_seq: 0, fragment_offset: start, fragment_length: end - start, fragment: body.subarray(start, end) });
          }
          // Shuffle deterministically by `order`, with duplicates.
          const seq = frags.map((f, i) => ({ f, k: order[i % Math.max(1, order.length)] ?? i }));
          seq.sort((x, y) => x.k - y.k);
          const r = new HandshakeReassembler();
          for (const { f } of [...seq, ...seq.slice(0, 3)]) r.push(f, 0);
          const m = r.pop();
          expect(m?.msg_type).toBe(11);
          expect(Buffer.from(m!.body).equals(Buffer.from(body))).toBe(true);
          expect(r.pop()).toBeUndefined();
        },
      ),
      { numRuns: 300, seed: 4223 },
    );
  });

  it('delivers in message_seq order and reports fragments of delivered messages as old', () => {
    const r = new HandshakeReassembler();
    const [m1] = decodeHandshakeFragments(fragmentMessage(14, 1, new Uint8Array(0), 100)[0]);
    const [m0] = decodeHandshakeFragments(fragmentMessage(2, 0, Uint8Array.of(1, 2), 100)[0]);
    expect(r.push(m1, 0)).toBe('buffered');
    expect(r.pop()).toBeUndefined();
    r.push(m0, 0);
    expect(r.pop()?.msg_type).toBe(2);
    expect(r.pop()?.msg_type).toBe(14);
    expect(r.push(m0, 0)).toBe('old');
  });

  it('bounds what it buffers: too far ahead, too long, or disagreeing fragments are dropped', () => {
    const r = new HandshakeReassembler({ maxMessageLength: 1000, maxMessagesAhead: 4 });
    const f = (seq: number, len: number, type = 11) => ({ msg_type: type, length: len, message_seq: seq, fragment_offset: 0, fragment_length: 1, fragment: Uint8Array.of(0) });
    expect(r.push(f(4, 10), 0)).toBe('dropped');
    expect(r.push(f(0, 1001), 0)).toBe('dropped');
    expect(r.push(f(0, 10), 0)).toBe('buffered');
    expect(r.push(f(0, 11), 0)).toBe('dropped');
    expect(r.push(f(0, 10, 12), 0)).toBe('dropped');
    expect(r.push(f(0, 10), 1)).toBe('dropped');
    expect(r.bufferedBytes).toBe(10);
  });

  it('never throws and stays bounded on arbitrary fragment bytes (fuzz)', () => {
    const r = new HandshakeReassembler({ maxMessageLength: 4096, maxMessagesAhead: 8 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        let frags;
        try {
          frags = decodeHandshakeFragments(bytes);
        } catch (e) {
          expect((e as Error).name).toBe('DecodeError');
          return;
        }
        for (const f of frags) r.push(f, 0);
        while (r.pop());
        expect(r.bufferedBytes).toBeLessThanOrEqual(8 * 4096);
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});
