/**
 * The keys of an IKE SA (RFC 7296 §2.14): SKEYSEED = prf(Ni | Nr, g^ir) and
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr),
 * computed by crypto-primitives' IKEv2 KDF with the key lengths of the negotiated transforms.
 */
import {
  CryptoError,
  ikePrfFromTransformId,
  ikeSaKeys,
  ikeSkeyseed,
  type CryptoProvider,
  type IkePrf,
  type IkeSaKeys,
} from '@layersec/crypto-primitives';
import type { EncrSpec } from '../config/proposals.js';
import { createSkProtection, skKeyLengths, type SkProtection, type SkTransforms } from '../messages/encrypted.js';

/** The transforms an IKE SA negotiated (one of each type, RFC 7296 §2.7). */
export interface IkeSaTransforms {
  encr: EncrSpec;
  /** INTEG Transform ID; NONE (0) with an AEAD. */
  integ: number;
  prf: number;
  dh: number;
}

export function skTransformsOf(t: IkeSaTransforms): SkTransforms {
  return { encr: t.encr.id, ...(t.encr.keyLength !== undefined ? { keyLength: t.encr.keyLength } : {}), integ: t.integ };
}

export function ikePrfOf(prfId: number): IkePrf {
  const prf = ikePrfFromTransformId(prfId);
  if (prf === undefined) throw new CryptoError('unsupported', `PRF transform ${prfId}`);
  return prf;
}

export interface IkeSaKeyMaterial {
  skeyseed: Uint8Array;
  keys: IkeSaKeys;
}

/** RFC 7296 §2.14 for a new IKE SA (not a rekey, §2.18). */
export function deriveIkeSaKeys(
  provider: CryptoProvider,
  t: IkeSaTransforms,
  ni: Uint8Array,
  nr: Uint8Array,
  sharedSecret: Uint8Array,
  spiI: Uint8Array,
  spiR: Uint8Array,
): IkeSaKeyMaterial {
  const prf = ikePrfOf(t.prf);
  const skeyseed = ikeSkeyseed(provider, prf, ni, nr, sharedSecret);
  const keys = ikeSaKeys(provider, prf, skeyseed, ni, nr, spiI, spiR, skKeyLengths(skTransformsOf(t)));
  return { skeyseed, keys };
}

/** The protection of messages the original initiator sends (SK_ei/SK_ai) and the responder sends (SK_er/SK_ar). */
export interface IkeSaProtections {
  fromInitiator: SkProtection;
  fromResponder: SkProtection;
}

export function ikeSaProtections(provider: CryptoProvider, t: IkeSaTransforms, keys: IkeSaKeys): IkeSaProtections {
  const sk = skTransformsOf(t);
  return {
    fromInitiator: createSkProtection(provider, sk, keys.SK_ei, keys.SK_ai),
    fromResponder: createSkProtection(provider, sk, keys.SK_er, keys.SK_ar),
  };
}
