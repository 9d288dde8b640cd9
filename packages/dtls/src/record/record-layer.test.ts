/**
 * The record layer between two instances sharing keys: several records per datagram, per-epoch
 * keys, silent counted drops (RFC 6347 §4.1.2.7) of tampered, replayed, unknown-epoch and malformed
 * records, and a fast-check fuzz over whole datagrams that must never throw.
 */
import { nobleProvider } from '@layersec/crypto-primitives';
import { ContentType } from '@layersec/tls';
import { concatBytes, utf8 } from '@layersec/wire';
import fc from 'fast-check';
import { DTLS1_2 } from '../constants.js';
import { DtlsAeadProtection } from './protection.js';
import { DtlsRecordLayer } from './record-layer.js';
import { splitDatagram } from './record.js';

const key = new Uint8Array(16).fill(7);
const salt = Uint8Array.of(1, 2, 3, 4);

function pair(aead: 'AES-128-GCM' | 'CHACHA20-POLY1305' = 'AES-128-GCM') {
  const k = aead === 'AES-128-GCM' ? key : new Uint8Array(32).fill(9);
  const iv = aead === 'AES-128-GCM' ? salt : new Uint8Array(12).fill(5);
  const a = new DtlsRecordLayer(DTLS1_2);
  const b = new DtlsRecordLayer(DTLS1_2);
  a.setWriteEpoch(1, new DtlsAeadProtection(nobleProvider.aead(aead, k), iv));
  b.setReadEpoch(1, new DtlsAeadProtection(nobleProvider.aead(aead, k), iv));
  return { a, b };
}

describe('DTLS record layer', () => {
  it.each(['AES-128-GCM', 'CHACHA20-POLY1305'] as const)('carries several protected records in one datagram (%s)', (aead) => {
    const { a, b } = pair(aead);
    const d = concatBytes(a.seal(ContentType.application_data, utf8('one')), a.seal(ContentType.application_data, utf8('two')));
    const got = b.open(d);
    expect(got.map((r) => [r.epoch, r.sequenceNumber, new TextDecoder().decode(r.content)])).toEqual([
      [1, 0, 'one'],
      [1, 1, 'two'],
    ]);
    // The header says epoch 1, sequence 0 and the record is protected (GCM: 8 explicit + 16 tag).
    const rec = splitDatagram(d).records[0];
    expect(rec.fragment.length).toBe(3 + (aead === 'AES-128-GCM' ? 24 : 16));
  });

  it('drops a tampered record silently and counts it; the replay window does not move', () => {
    const { a, b } = pair();
    const rec = a.seal(ContentType.application_data, utf8('payload'));
    const bad = rec.slice();
    bad[bad.length - 1] ^= 1;
    expect(b.open(bad)).toEqual([]);
    expect(b.stats.dropped.bad_record_mac).toBe(1);
    // The genuine record with the same sequence number still opens.
    expect(b.open(rec)).toHaveLength(1);
  });

  it('drops a replayed record and one of an epoch without keys', () => {
    const { a, b } = pair();
    const rec = a.seal(ContentType.application_data, utf8('x'));
    expect(b.open(rec)).toHaveLength(1);
    expect(b.open(rec)).toEqual([]);
    expect(b.stats.dropped.replay).toBe(1);
    const e2 = rec.slice();
    e2[4] = 2; // epoch 2
    expect(b.open(e2)).toEqual([]);
    expect(b.stats.dropped.unknown_epoch).toBe(1);
  });

  it('accepts reordered records inside the window and refuses those left of it', () => {
    const { a, b } = pair();
    const recs = Array.from({ length: 1100 }, (_, i) => a.seal(ContentType.application_data, Uint8Array.of(i & 0xff)));
    expect(b.open(recs[5])).toHaveLength(1);
    expect(b.open(recs[3])).toHaveLength(1);
    expect(b.open(recs[1099])).toHaveLength(1);
    expect(b.open(recs[4])).toEqual([]); // 1099 - 4 ≥ 1024
    expect(b.stats.dropped.too_old).toBe(1);
    expect(b.open(recs[1000])).toHaveLength(1);
  });

  it('counts a truncated record as malformed and keeps the records before it', () => {
    const { a, b } = pair();
    const d = concatBytes(a.seal(ContentType.application_data, utf8('ok')), a.seal(ContentType.application_data, utf8('cut')).subarray(0, 20));
    expect(b.open(d)).toHaveLength(1);
    expect(b.stats.dropped.malformed).toBe(1);
  });

  it('never throws on arbitrary datagrams (fuzz)', () => {
    const { a, b } = pair();
    const good = a.seal(ContentType.application_data, utf8('seed'));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(good.length), (noise, cut) => {
        const d = concatBytes(good.subarray(0, cut), noise);
        const before = b.stats.recordsReceived;
        const out = b.open(d);
        // Only the genuine record may ever open (noise cannot pass the AEAD).
        for (const r of out) expect(new TextDecoder().decode(r.content)).toBe('seed');
        expect(b.stats.recordsReceived - before).toBe(out.length);
      }),
      { numRuns: 500, seed: 6347 },
    );
  });
});
