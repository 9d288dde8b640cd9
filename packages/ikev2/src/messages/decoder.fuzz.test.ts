/**
 * Fuzzing the message decoder (fast-check): whatever arrives — random octets, captured strongSwan
 * messages with octets changed, cut or inserted, headers with valid lengths around random payload
 * chains — ends in a decoded message or one of the typed errors (DecodeError, IkeNotifyError, and
 * for Encrypted payloads IkeIntegrityError), each within a bounded time. What decodes re-encodes
 * to something that decodes to the same message. The IKE_SA_INIT responder, fed the same inputs,
 * answers, refuses or drops, and never throws.
 */
import { nobleProvider } from '@layersec/crypto-primitives';
import { loadVectors } from '@layersec/test-vectors';
import { DecodeError, Writer, fromHex } from '@layersec/wire';
import fc from 'fast-check';
import { EncrId, IntegId, PayloadType } from '../constants.js';
import { IkeIntegrityError, IkeNotifyError } from '../errors.js';
import { parseProposals } from '../config/proposals.js';
import { IkeInitResponder } from '../exchange/ike-init.js';
import { seededRandom } from '@layersec/crypto-primitives';
import { createSkProtection, decodeEncryptedPayloads } from './encrypted.js';
import { encodeHeader } from './header.js';
import { decodeMessage, encodeMessage } from './message.js';

const SEED = 20261125;

interface Capture {
  messages: { udpPayload: string; from: string; sentBy: string; exchange: string }[];
  keys: Record<string, string>;
}

const captured = ['strongswan-gcm.json', 'strongswan-cbc.json', 'strongswan-chapoly.json'].flatMap((f) =>
  loadVectors<Capture>(`ikev2/${f}`).messages.map((m) => {
    const b = fromHex(m.udpPayload);
    return m.from.endsWith(':4500') ? b.subarray(4) : b;
  }),
);

function isTyped(e: unknown): boolean {
  return e instanceof DecodeError || e instanceof IkeNotifyError || e instanceof IkeIntegrityError;
}

/** Decodes; on success checks that the re-encoding decodes to the same message. */
function decodeProperty(bytes: Uint8Array): void {
  try {
    const msg = decodeMessage(bytes);
    const again = decodeMessage(encodeMessage(msg.header, msg.payloads));
    expect(again.payloads).toEqual(msg.payloads);
  } catch (e) {
    if (!isTyped(e)) throw e;
  }
}

/** An IKE header whose Length is right, in front of `body`, so the chain itself gets fuzzed. */
function withHeader(nextPayload: number, body: Uint8Array): Uint8Array {
  const w = new Writer();
  encodeHeader(
    {
      initiatorSpi: new Uint8Array(8).fill(1),
      responderSpi: new Uint8Array(8).fill(2),
      nextPayload,
      majorVersion: 2,
      minorVersion: 0,
      exchangeType: 34,
      initiator: true,
      version: false,
      response: false,
      messageId: 0,
      length: 28 + body.length,
    },
    w,
  );
  w.bytes(body);
  return w.finish();
}

/** A captured message with a few octets changed, removed or inserted. */
const mutatedCapture = fc
  .tuple(
    fc.integer({ min: 0, max: captured.length - 1 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert')), { minLength: 1, maxLength: 6 }),
    fc.boolean(),
  )
  .map(([i, edits, fixLength]) => {
    let b = Array.from(captured[i]);
    for (const [pos, value, op] of edits) {
      const at = pos % (b.length + 1);
      if (op === 'set' && at < b.length) b[at] = value;
      else if (op === 'cut') b = b.slice(0, at);
      else if (op === 'insert') b.splice(at, 0, value);
    }
    const out = Uint8Array.from(b);
    // Half the time repair the IKE header Length so decoding goes past it.
    if (fixLength && out.length >= 28) new DataView(out.buffer).setUint32(24, out.length);
    return out;
  });

describe('IKE message decoder under fuzzing', () => {
  it('random octets: a message or a typed error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), decodeProperty), { numRuns: 3000, seed: SEED });
  });

  it('valid header, random payload chain', () => {
    const payloadType = fc.oneof(fc.integer({ min: 33, max: 54 }), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(payloadType, fc.uint8Array({ maxLength: 400 }), (next, body) => decodeProperty(withHeader(next, body))),
      { numRuns: 5000, seed: SEED },
    );
  });

  it('valid header, chains of well-formed generic headers around random bodies', () => {
    const payload = fc.tuple(fc.integer({ min: 33, max: 54 }), fc.boolean(), fc.uint8Array({ maxLength: 80 }));
    fc.assert(
      fc.property(fc.integer({ min: 33, max: 54 }), fc.array(payload, { maxLength: 8 }), (first, payloads) => {
        const w = new Writer();
        payloads.forEach(([, critical, body], i) => {
          const next = i + 1 < payloads.length ? payloads[i + 1][0] : PayloadType.NO_NEXT_PAYLOAD;
          w.u8(next).u8(critical ? 0x80 : 0).u16(body.length + 4).bytes(body);
        });
        decodeProperty(withHeader(payloads.length > 0 ? first : 0, w.finish()));
      }),
      { numRuns: 5000, seed: SEED },
    );
  });

  it('captured strongSwan messages, mutated', () => {
    fc.assert(fc.property(mutatedCapture, decodeProperty), { numRuns: 5000, seed: SEED });
  });

  it('Encrypted payloads of a captured IKE_AUTH, mutated: integrity error, never a crash or a release', () => {
    const v = loadVectors<Capture>('ikev2/strongswan-gcm.json');
    const request = fromHex(v.messages[2].udpPayload).subarray(4);
    const protection = createSkProtection(nobleProvider, { encr: EncrId.ENCR_AES_GCM_16, keyLength: 128, integ: IntegId.NONE }, fromHex(v.keys.SK_ei), new Uint8Array(0));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: request.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const bad = request.slice();
        bad[at] ^= xor;
        try {
          decodeEncryptedPayloads(protection, bad, decodeMessage(bad));
          throw new Error(`a changed octet at ${at} was accepted`);
        } catch (e) {
          if (!isTyped(e)) throw e;
        }
      }),
      { numRuns: 1000, seed: SEED },
    );
  });

  it("the responder's first-message path: an answer, a refusal or a drop, never an exception", () => {
    const responder = new IkeInitResponder(
      { provider: nobleProvider, random: seededRandom('fuzz responder'), clock: { now: () => 0 } },
      { proposals: parseProposals('aes128gcm16-prfsha256-x25519, aes256-sha256-ecp256', 'ike') },
      { cookieThreshold: 1 },
    );
    const path = { local: { address: Uint8Array.of(10, 99, 0, 2), port: 500 }, remote: { address: Uint8Array.of(10, 99, 0, 1), port: 500 } };
    const requests = fc.oneof(mutatedCapture, fc.uint8Array({ maxLength: 300 }));
    fc.assert(
      fc.property(requests, fc.integer({ min: 0, max: 2 }), (bytes, halfOpen) => {
        const out = responder.processRequest(bytes, path, halfOpen);
        expect(['established', 'refused', 'dropped']).toContain(out.kind);
        if (out.kind !== 'dropped') decodeMessage(out.response);
      }),
      { numRuns: 1500, seed: SEED },
    );
  });
});
