/**
 * Distinguished names (RFC 5280 §4.1.2.4): the typed view of a Name, its string form per
 * RFC 4514 (§2: RDNs in reverse order, separated by ','; multi-valued RDNs joined by '+'; §2.3
 * short names for the attribute types of §3, dotted OIDs otherwise; §2.4 escaping), the parsing
 * of such strings for the certificate builder, and name comparison for path building
 * (RFC 5280 §7.1, simplified: case-insensitive, with white space runs collapsed).
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { AttributeTypeAndValue as AsnAttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { X509Error } from './errors.js';

export interface AttributeTypeAndValue {
  /** The attribute type as a dotted OID, e.g. "2.5.4.3". */
  readonly type: string;
  /** The RFC 4514 §3 short name ("CN", "O", ...), when the type has one here. */
  readonly shortName?: string;
  /** The value as text, or RFC 4514 §2.4's "#" + hex of the value's DER (then `hex` is set). */
  readonly value: string;
  readonly hex?: true;
}

export type RelativeDistinguishedNameValue = readonly AttributeTypeAndValue[];

export interface DistinguishedName {
  /** RDNs in the order they are encoded (most significant first, e.g. C before O before CN). */
  readonly rdns: readonly RelativeDistinguishedNameValue[];
  /** The RFC 4514 string (least significant RDN first), e.g. "CN=server.lab.test,O=layersec lab". */
  readonly rfc4514: string;
  /** The DER of the Name as it appears in the certificate. */
  readonly der: Uint8Array;
}

/**
 * Attribute types by their short names: RFC 4514 §3, plus RFC 4519, X.520 and PKCS #9 names from
 * the LDAP descriptor registry that openssl also prints by name.
 */
const SHORT_NAMES: ReadonlyArray<[string, string]> = [
  ['CN', '2.5.4.3'],
  ['L', '2.5.4.7'],
  ['ST', '2.5.4.8'],
  ['O', '2.5.4.10'],
  ['OU', '2.5.4.11'],
  ['C', '2.5.4.6'],
  ['STREET', '2.5.4.9'],
  ['DC', '0.9.2342.19200300.100.1.25'],
  ['UID', '0.9.2342.19200300.100.1.1'],
  ['SN', '2.5.4.4'],
  ['GN', '2.5.4.42'],
  ['serialNumber', '2.5.4.5'],
  ['title', '2.5.4.12'],
  ['postalCode', '2.5.4.17'],
  ['emailAddress', '1.2.840.113549.1.9.1'],
  ['organizationIdentifier', '2.5.4.97'],
];
const OID_BY_NAME = new Map(SHORT_NAMES.map(([n, o]) => [n.toUpperCase(), o]));
const NAME_BY_OID = new Map(SHORT_NAMES.map(([n, o]) => [o, n]));

export const id_at_commonName = '2.5.4.3';

function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * The text of an AttributeValue; RFC 4514 §2.4: "#" + hex of the value's DER when the type has no
 * short name here (it is written in dotted-decimal form) or the value is not a string.
 */
function valueText(type: string, v: AttributeValue): { value: string; hex?: true } {
  const s = v.utf8String ?? v.printableString ?? v.ia5String ?? v.teletexString ?? v.bmpString ?? v.universalString;
  if (s !== undefined && NAME_BY_OID.has(type)) return { value: s };
  return { value: '#' + toHex(new Uint8Array(AsnConvert.serialize(v))), hex: true };
}

/** RFC 4514 §2.4: escape '"', '+', ',', ';', '<', '>', '\\' and NUL anywhere, '#' or ' ' first, ' ' last. */
export function escapeAttributeValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\0') out += '\\00';
    else if ('"+,;<>\\'.includes(c)) out += '\\' + c;
    else if (i === 0 && (c === '#' || c === ' ')) out += '\\' + c;
    else if (i === value.length - 1 && c === ' ') out += '\\ ';
    else out += c;
  }
  return out;
}

/** The typed view of a decoded Name. */
export function distinguishedNameFrom(name: Name, der: Uint8Array): DistinguishedName {
  const rdns: AttributeTypeAndValue[][] = [];
  for (const rdn of name) {
    const atvs: AttributeTypeAndValue[] = [];
    for (const atv of rdn) {
      const shortName = NAME_BY_OID.get(atv.type);
      atvs.push({ type: atv.type, ...(shortName ? { shortName } : {}), ...valueText(atv.type, atv.value) });
    }
    if (atvs.length === 0) throw new X509Error('bad-encoding', 'empty RelativeDistinguishedName');
    rdns.push(atvs);
  }
  return { rdns, rfc4514: formatRfc4514(rdns), der };
}

/** RFC 4514 §2.1-2.4 string of RDNs given in encoded order. */
export function formatRfc4514(rdns: readonly RelativeDistinguishedNameValue[]): string {
  return rdns
    .slice()
    .reverse()
    .map((rdn) =>
      rdn
        .map((atv) => {
          const type = atv.shortName ?? atv.type;
          const value = atv.hex ? atv.value : escapeAttributeValue(atv.value);
          return `${type}=${value}`;
        })
        .join('+'),
    )
    .join(',');
}

/** RFC 5280 §7.1 comparison key (simplified RFC 4518 preparation: case folding, white space). */
export function nameKey(dn: DistinguishedName): string {
  return dn.rdns
    .map((rdn) =>
      rdn
        .map((atv) => `${atv.type}=${atv.value.trim().replace(/\s+/g, ' ').toLowerCase()}`)
        .sort()
        .join('+'),
    )
    .join(',');
}

export function namesEqual(a: DistinguishedName, b: DistinguishedName): boolean {
  if (a.der.length === b.der.length && a.der.every((x, i) => x === b.der[i])) return true;
  return nameKey(a) === nameKey(b);
}

// ---------------------------------------------------------------------------------------------
// Building names

/** An RDN sequence given in RFC 4514 string form, or as a list of RDNs in encoded order. */
export type NameInput = string | ReadonlyArray<Readonly<Record<string, string>>>;

/** Parses an RFC 4514 string ("CN=a\, b,O=lab") into RDNs in encoded order. */
export function parseRfc4514(text: string): Array<Array<{ type: string; value: string }>> {
  const rdns: Array<Array<{ type: string; value: string }>> = [];
  let rdn: Array<{ type: string; value: string }> = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new X509Error('bad-encoding', `distinguished name "${text}": ${why}`);
  };
  if (text.trim() === '') return [];
  while (i <= text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) fail('attribute without "="');
    const typeText = text.slice(i, eq).trim();
    const type = /^\d+(\.\d+)+$/.test(typeText) ? typeText : OID_BY_NAME.get(typeText.toUpperCase());
    if (!type) fail(`unknown attribute type "${typeText}"`);
    i = eq + 1;
    // §2.4: an unescaped '#' first is the hex form of a BER value, which the builder does not take.
    if (text[i] === '#') fail('"#" hex values are not supported here');
    const bytes: number[] = [];
    const utf8 = new TextEncoder();
    let done = false;
    let separator = '';
    while (!done) {
      if (i >= text.length) {
        done = true;
        break;
      }
      const c = text[i];
      if (c === '\\') {
        const next = text.slice(i + 1, i + 3);
        if (/^[0-9a-fA-F]{2}$/.test(next)) {
          bytes.push(parseInt(next, 16));
          i += 3;
        } else if (i + 1 < text.length) {
          bytes.push(...utf8.encode(text[i + 1]));
          i += 2;
        } else fail('dangling "\\"');
      } else if (c === ',' || c === '+') {
        separator = c;
        i++;
        done = true;
      } else {
        const cp = text.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        bytes.push(...utf8.encode(ch));
        i += ch.length;
      }
    }
    let value = '';
    try {
      value = new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
    } catch {
      fail('escaped octets are not UTF-8');
    }
    rdn.push({ type: type!, value });
    if (separator !== '+') {
      rdns.push(rdn);
      rdn = [];
    }
    if (separator === '') break;
  }
  // RFC 4514 strings list the least significant RDN first; encoded order is the reverse.
  return rdns.reverse();
}

/** ASN.1 string type per attribute: RFC 5280 §4.1.2.4 (PrintableString for C, IA5String for DC and email). */
function attributeValue(type: string, value: string): AttributeValue {
  if (type === '2.5.4.6' || type === '2.5.4.5') {
    if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(value)) throw new X509Error('bad-encoding', `"${value}" is not a PrintableString`);
    return new AttributeValue({ printableString: value });
  }
  if (type === '0.9.2342.19200300.100.1.25' || type === '1.2.840.113549.1.9.1') {
    if (!/^[\x00-\x7f]*$/.test(value)) throw new X509Error('bad-encoding', `"${value}" is not an IA5String`);
    return new AttributeValue({ ia5String: value });
  }
  return new AttributeValue({ utf8String: value });
}

/** The @peculiar/asn1-x509 Name for a NameInput. */
export function buildName(input: NameInput): Name {
  const rdns =
    typeof input === 'string'
      ? parseRfc4514(input)
      : input.map((rdn) =>
          Object.entries(rdn).map(([typeText, value]) => {
            const type = /^\d+(\.\d+)+$/.test(typeText) ? typeText : OID_BY_NAME.get(typeText.toUpperCase());
            if (!type) throw new X509Error('bad-encoding', `unknown attribute type "${typeText}"`);
            return { type, value };
          }),
        );
  return new Name(
    rdns.map(
      (rdn) =>
        new RelativeDistinguishedName(rdn.map((atv) => new AsnAttributeTypeAndValue({ type: atv.type, value: attributeValue(atv.type, atv.value) }))),
    ),
  );
}
