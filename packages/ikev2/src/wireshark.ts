/**
 * Key material in the forms Wireshark (and tshark) read to decrypt a capture: rows of the
 * `ikev2_decryption_table` UAT (IKE SA SPIs, SK_ei/SK_er, SK_ai/SK_ar with the algorithm names of
 * Wireshark's ISAKMP dissector) and of the `esp_sa` UAT (one row per direction of a Child SA, with
 * the names of its ESP dissector). Each line works in a profile's UAT file and as
 * `tshark -o 'uat:TABLE:LINE'`.
 */
import { toHex } from '@layersec/wire';
import { EncrId, IntegId } from './constants.js';
import type { ChildSaResult } from './exchange/ike-auth.js';
import type { IkeSaInitResult } from './exchange/ike-init.js';
import { formatIpAddress } from './sa/address.js';

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

const ESP_ENCRYPTION: Readonly<Record<number, string>> = {
  [EncrId.ENCR_AES_CBC]: 'AES-CBC [RFC3602]',
  [EncrId.ENCR_AES_GCM_8]: 'AES-GCM with 8 octet ICV [RFC4106]',
  [EncrId.ENCR_AES_GCM_12]: 'AES-GCM with 12 octet ICV [RFC4106]',
  [EncrId.ENCR_AES_GCM_16]: 'AES-GCM with 16 octet ICV [RFC4106]',
};

const ESP_INTEGRITY: Readonly<Record<number, string>> = {
  [IntegId.AUTH_HMAC_SHA1_96]: 'HMAC-SHA-1-96 [RFC2404]',
  [IntegId.AUTH_HMAC_SHA2_256_128]: 'HMAC-SHA-256-128 [RFC4868]',
  [IntegId.AUTH_HMAC_SHA2_384_192]: 'HMAC-SHA-384-192 [RFC4868]',
  [IntegId.AUTH_HMAC_SHA2_512_256]: 'HMAC-SHA-512-256 [RFC4868]',
};

/**
 * The two `esp_sa` rows of a Child SA between the IKE endpoints `local` and `remote` (the outer
 * addresses of tunnel mode): what we send, then what we receive. Undefined when Wireshark has no
 * name for its transforms (e.g. ChaCha20-Poly1305 in Wireshark 4.0).
 */
export function espSaRows(child: ChildSaResult, local: Uint8Array, remote: Uint8Array): [string, string] | undefined {
  const encr = ESP_ENCRYPTION[child.transforms.encr.id];
  const integ = child.transforms.integ === undefined ? 'NULL' : ESP_INTEGRITY[child.transforms.integ];
  if (encr === undefined || integ === undefined) return undefined;
  const family = local.length === 4 ? 'IPv4' : 'IPv6';
  const q = (s: string) => `"${s}"`;
  const row = (src: Uint8Array, dst: Uint8Array, spi: Uint8Array, keys: { encr: Uint8Array; integ: Uint8Array }) =>
    [family, formatIpAddress(src), formatIpAddress(dst), `0x${toHex(spi)}`, encr, `0x${toHex(keys.encr)}`, integ, keys.integ.length > 0 ? `0x${toHex(keys.integ)}` : '']
      .map(q)
      .join(',');
  return [row(local, remote, child.outboundSpi, child.outbound), row(remote, local, child.inboundSpi, child.inbound)];
}
