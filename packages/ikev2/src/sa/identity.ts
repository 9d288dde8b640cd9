/**
 * Identities as swanctl.conf writes them (`id = a@test`, `moon.example`, `10.0.0.1`, `@host`,
 * `@#0a0b`) mapped to ID payloads (RFC 7296 §3.5) the way strongSwan does: an IP address is
 * ID_IPV4_ADDR/ID_IPV6_ADDR, text with `@` inside is ID_RFC822_ADDR, a leading `@` forces ID_FQDN
 * (and `@#hex` ID_KEY_ID), anything else is ID_FQDN. Distinguished names (ID_DER_ASN1_DN) need
 * the X.509 encoder and are refused here for now.
 */
import { fromHex, utf8 } from '@layersec/wire';
import { IdType } from '../constants.js';
import { parseIpAddress } from './address.js';

export interface Identity {
  idType: number;
  identificationData: Uint8Array;
}

export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  constructor(
    readonly identity: string,
    readonly reason: string,
  ) {
    super(`identity '${identity}': ${reason}`);
  }
}

export function identityFromString(text: string): Identity {
  const s = text.trim();
  if (s === '') throw new IdentityError(text, 'empty');
  const ip = parseIpAddress(s);
  if (ip !== undefined) return { idType: ip.length === 4 ? IdType.ID_IPV4_ADDR : IdType.ID_IPV6_ADDR, identificationData: ip };
  if (s.startsWith('@#')) {
    try {
      return { idType: IdType.ID_KEY_ID, identificationData: fromHex(s.slice(2)) };
    } catch {
      throw new IdentityError(text, 'key ID is not hex');
    }
  }
  if (s.startsWith('@')) return { idType: IdType.ID_FQDN, identificationData: utf8(s.slice(1)) };
  if (s.includes('@')) return { idType: IdType.ID_RFC822_ADDR, identificationData: utf8(s) };
  if (/^[A-Za-z]+=/.test(s)) throw new IdentityError(text, 'distinguished names (ID_DER_ASN1_DN) are not supported yet');
  return { idType: IdType.ID_FQDN, identificationData: utf8(s) };
}
