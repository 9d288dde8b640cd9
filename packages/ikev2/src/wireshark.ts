/**
 * Key material in the forms Wireshark (and tshark) read to decrypt a capture: rows of the
 * `ikev2_decryption_table` UAT (IKE SA SPIs, SK_ei/SK_er, SK_ai/SK_ar with the algorithm names of
 * Wireshark's ISAKMP dissector). The same line works in a profile's `ikev2_decryption_table` file
 * and as `tshark -o 'uat:ikev2_decryption_table:LINE'`.
 */
import { toHex } from '@layersec/wire';
import { EncrId, IntegId } from './constants.js';
import type { IkeSaInitResult } from './exchange/ike-init.js';

function encryptionName(id: number, keyLength: number | undefined): string | undefined {
  if (id === EncrId.ENCR_AES_CBC && keyLength !== undefined) return `AES-CBC-${keyLength} [RFC3602]`;
  const icv = id === EncrId.ENCR_AES_GCM_8 ? 8 : id === EncrId.ENCR_AES_GCM_12 ? 12 : id === EncrId.ENCR_AES_GCM_16 ? 16 : undefined;
  if (icv !== undefined && keyLength !== undefined) return `AES-GCM-${keyLength} with ${icv} octet ICV [RFC5282]`;
  return undefined;
}

const INTEGRITY_NAMES: Readonly<Record<number, string>> = {
  [IntegId.NONE]: 'NONE [RFC4306]',
  [IntegId.AUTH_HMAC_SHA1_96]: 'HMAC_SHA1_96 [RFC2404]',
  [IntegId.AUTH_HMAC_SHA2_256_128]: 'HMAC_SHA2_256_128 [RFC4868]',
  [IntegId.AUTH_HMAC_SHA2_384_192]: 'HMAC_SHA2_384_192 [RFC4868]',
  [IntegId.AUTH_HMAC_SHA2_512_256]: 'HMAC_SHA2_512_256 [RFC4868]',
};

/**
 * One `ikev2_decryption_table` row for an IKE SA, or undefined when Wireshark has no name for its
 * transforms (e.g. ChaCha20-Poly1305 in Wireshark 4.0).
 */
export function ikev2DecryptionTableRow(sa: IkeSaInitResult): string | undefined {
  const encr = encryptionName(sa.transforms.encr.id, sa.transforms.encr.keyLength);
  const integ = INTEGRITY_NAMES[sa.transforms.integ];
  if (encr === undefined || integ === undefined) return undefined;
  const k = sa.keys;
  // Hex fields bare, names quoted: the UAT's own syntax for bytes and string fields.
  const q = (s: string) => `"${s}"`;
  return [toHex(sa.initiatorSpi), toHex(sa.responderSpi), toHex(k.SK_ei), toHex(k.SK_er), q(encr), toHex(k.SK_ai), toHex(k.SK_ar), q(integ)].join(',');
}
