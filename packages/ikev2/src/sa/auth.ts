/**
 * What the AUTH payload of IKE_AUTH covers and how a shared key proves it (RFC 7296 §2.15):
 *
 *   InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI,  MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
 *   ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR,  MACedIDForR = prf(SK_pr, RestOfRespIDPayload)
 *   AUTH (shared key)     = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets> )
 *
 * RestOf*IDPayload is the ID payload without its generic header: ID Type, three RESERVED octets,
 * Identification Data.
 */
import { constantTimeEqual, ikePrf, type CryptoProvider } from '@layersec/crypto-primitives';
import { Writer, concatBytes } from '@layersec/wire';
import type { IdPayload } from '../messages/payloads.js';
import { encodePayloadBody } from '../messages/payloads.js';
import { ikePrfOf } from './keys.js';

/** "Key Pad for IKEv2": 17 ASCII octets, no terminating NUL (§2.15). */
export const KEY_PAD_FOR_IKEV2 = new TextEncoder().encode('Key Pad for IKEv2');

/** RestOfInitIDPayload / RestOfRespIDPayload: ID Type | RESERVED | Identification Data. */
export function restOfIdPayload(id: IdPayload): Uint8Array {
  const w = new Writer();
  encodePayloadBody(id, w);
  return w.finish();
}

/**
 * The octets one side's AUTH covers: its own IKE_SA_INIT message as sent, the peer's nonce, and
 * prf(SK_p{i,r}, its own ID payload body).
 */
export function signedOctets(provider: CryptoProvider, prfId: number, realMessage: Uint8Array, peerNonce: Uint8Array, skP: Uint8Array, id: IdPayload): Uint8Array {
  return concatBytes(realMessage, peerNonce, ikePrf(provider, ikePrfOf(prfId), skP, restOfIdPayload(id)));
}

/** AUTH for Shared Key Message Integrity Code (Auth Method 2). */
export function sharedKeyAuth(provider: CryptoProvider, prfId: number, sharedSecret: Uint8Array, octets: Uint8Array): Uint8Array {
  const prf = ikePrfOf(prfId);
  return ikePrf(provider, prf, ikePrf(provider, prf, sharedSecret, KEY_PAD_FOR_IKEV2), octets);
}

/** Checks a peer's shared-key AUTH in constant time. */
export function verifySharedKeyAuth(provider: CryptoProvider, prfId: number, sharedSecret: Uint8Array, octets: Uint8Array, authenticationData: Uint8Array): boolean {
  return constantTimeEqual(sharedKeyAuth(provider, prfId, sharedSecret, octets), authenticationData);
}
