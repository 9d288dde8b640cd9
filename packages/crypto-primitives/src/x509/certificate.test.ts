/**
 * Certificate parsing against openssl's reading of the same files: for every certificate that
 * make.sh wrote, the `<name>.txt` beside it holds what `openssl x509` printed (subject and
 * issuer with -nameopt RFC2253, serial, dates, extensions, signature algorithm). Names are also
 * checked against the examples of RFC 4514 §4. Bad input of every kind must end in X509Error.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { REPO_ROOT } from '@layersec/test-vectors';
import { decodePem, encodePem } from '../keys/pem.js';
import { parsePrivateKey, publicKeyOf } from '../keys/keys.js';
import { children, readTlv } from '../keys/_der.js';
import {
  type KeyUsageName,
  decodeSignatureAlgorithm,
  encodeSignatureAlgorithm,
  X509Error,
  formatRfc4514,
  parseCertificate,
  parseCertificates,
  parseIpAddress,
  parseRfc4514,
  certificatesToPem,
} from './index.js';

const DIR = join(REPO_ROOT, 'test-vectors/x509');
const read = (rel: string): string => readFileSync(join(DIR, rel), 'utf8');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface OpensslView {
  signatureAlgorithm: string;
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  extensions: Map<string, { critical: boolean; value: string }>;
}

function opensslView(text: string): OpensslView {
  const lines = text.split('\n');
  const field = (name: string): string => {
    const line = lines.find((l) => l.startsWith(`${name}=`));
    if (line === undefined) throw new Error(`no ${name}= in openssl output`);
    return line.slice(name.length + 1).trim();
  };
  const extensions = new Map<string, { critical: boolean; value: string }>();
  for (let i = 0; i < lines.length; i++) {
    const m = /^X509v3 (.+?):\s*(critical)?\s*$/.exec(lines[i]);
    if (m) extensions.set(m[1], { critical: m[2] === 'critical', value: (lines[i + 1] ?? '').trim() });
  }
  return {
    signatureAlgorithm: field('signatureAlgorithm'),
    subject: field('subject'),
    issuer: field('issuer'),
    serial: field('serial'),
    notBefore: field('notBefore'),
    notAfter: field('notAfter'),
    extensions,
  };
}

/** RFC 2253/4514 names compared RDN by RDN, the AVAs of a multi-valued RDN as a set (their order is not significant). */
function rdnSets(name: string): string[] {
  const rdns: string[] = [];
  let current = '';
  for (let i = 0; i < name.length; i++) {
    if (name[i] === '\\') {
      current += name.slice(i, i + 2);
      i++;
    } else if (name[i] === ',') {
      rdns.push(current);
      current = '';
    } else current += name[i];
  }
  rdns.push(current);
  return rdns.map((rdn) => rdn.split(/(?<!\\)\+/).sort().join('+'));
}

const OPENSSL_SIGNATURE_NAMES: Record<string, string> = { rsassaPss: 'RSASSA-PSS', ED25519: 'Ed25519' };
const OPENSSL_KEY_USAGE: Record<string, KeyUsageName> = {
  'Digital Signature': 'digitalSignature',
  'Non Repudiation': 'nonRepudiation',
  'Key Encipherment': 'keyEncipherment',
  'Data Encipherment': 'dataEncipherment',
  'Key Agreement': 'keyAgreement',
  'Certificate Sign': 'keyCertSign',
  'CRL Sign': 'cRLSign',
  'Encipher Only': 'encipherOnly',
  'Decipher Only': 'decipherOnly',
};
const OPENSSL_EKU: Record<string, string> = {
  'TLS Web Server Authentication': '1.3.6.1.5.5.7.3.1',
  'TLS Web Client Authentication': '1.3.6.1.5.5.7.3.2',
};

const certificateFiles = ['ecdsa', 'rsa', 'ed25519', 'unknown'].flatMap((d) =>
  readdirSync(join(DIR, d))
    .filter((f) => f.endsWith('.txt'))
    .map((f) => `${d}/${f.slice(0, -4)}`),
);

describe('certificates made by openssl, read as openssl reads them (test-vectors/x509/*/*.txt)', () => {
  it('there are fixtures', () => expect(certificateFiles.length).toBeGreaterThan(25));

  for (const base of certificateFiles) {
    it(base, () => {
      const certs = parseCertificates(read(`${base}.pem`));
      expect(certs).toHaveLength(1);
      const cert = certs[0];
      const o = opensslView(read(`${base}.txt`));
      expect(cert.version).toBe(3);
      expect(cert.signatureAlgorithm.name).toBe(OPENSSL_SIGNATURE_NAMES[o.signatureAlgorithm] ?? o.signatureAlgorithm);
      // SHA-1 signatures are parsed but not verified (RFC 9155): no scheme for them.
      expect(cert.signatureAlgorithm.scheme === undefined).toBe(/SHA1$/.test(o.signatureAlgorithm));
      expect(rdnSets(cert.subject.rfc4514)).toEqual(rdnSets(o.subject));
      expect(rdnSets(cert.issuer.rfc4514)).toEqual(rdnSets(o.issuer));
      expect(BigInt('0x' + cert.serialNumberHex)).toBe(BigInt('0x' + o.serial));
      expect(cert.notBefore.getTime()).toBe(new Date(o.notBefore).getTime());
      expect(cert.notAfter.getTime()).toBe(new Date(o.notAfter).getTime());

      const ext = cert.extensions;
      const bc = o.extensions.get('Basic Constraints');
      expect(ext.basicConstraints?.critical).toBe(bc?.critical);
      if (bc) {
        const m = /^CA:(TRUE|FALSE)(?:, pathlen:(\d+))?$/.exec(bc.value)!;
        expect(ext.basicConstraints?.cA).toBe(m[1] === 'TRUE');
        expect(ext.basicConstraints?.pathLenConstraint).toBe(m[2] === undefined ? undefined : Number(m[2]));
      }
      const ku = o.extensions.get('Key Usage');
      expect(ext.keyUsage?.critical).toBe(ku?.critical);
      if (ku) expect(ext.keyUsage?.usages).toEqual(ku.value.split(', ').map((n) => OPENSSL_KEY_USAGE[n]));
      const eku = o.extensions.get('Extended Key Usage');
      if (eku) expect(ext.extendedKeyUsage?.purposes).toEqual(eku.value.split(', ').map((n) => OPENSSL_EKU[n]));
      else expect(ext.extendedKeyUsage).toBeUndefined();
      const san = o.extensions.get('Subject Alternative Name');
      if (san) {
        const ours = ext.subjectAltName!.names.map((n) => {
          switch (n.type) {
            case 'dNSName':
              return `DNS:${n.value}`;
            case 'rfc822Name':
              return `email:${n.value}`;
            case 'uniformResourceIdentifier':
              return `URI:${n.value}`;
            case 'iPAddress':
              return `IP:${hex(n.bytes)}`;
            default:
              return `other:${n.type}`;
          }
        });
        const theirs = san.value.split(', ').map((s) =>
          s.startsWith('IP Address:') ? `IP:${hex(parseIpAddress(s.slice('IP Address:'.length))!)}` : s,
        );
        expect(ours).toEqual(theirs);
      } else expect(ext.subjectAltName).toBeUndefined();
      const ski = o.extensions.get('Subject Key Identifier');
      expect(ext.subjectKeyIdentifier && hex(ext.subjectKeyIdentifier)).toBe(ski?.value.replace(/:/g, '').toLowerCase());
      const aki = o.extensions.get('Authority Key Identifier');
      expect(ext.authorityKeyIdentifier && hex(ext.authorityKeyIdentifier)).toBe(aki?.value.replace(/:/g, '').toLowerCase());

      // The raw pieces: DER round trip, TBS inside the DER, signature at the end.
      expect(hex(cert.der)).toBe(hex(decodePem(read(`${base}.pem`))[0].der));
      expect(hex(cert.der)).toContain(hex(cert.tbsCertificate));
      expect(hex(cert.der).endsWith(hex(cert.signatureValue))).toBe(true);
      expect(certificatesToPem([cert])).toBe(read(`${base}.pem`));
    });
  }

  it("the subject public key equals the public half of the key file openssl certified", () => {
    for (const [certFile, keyFile] of [
      ['ecdsa/leaf.pem', 'ecdsa/leaf.key'],
      ['ecdsa/root.pem', 'ecdsa/root.key'],
      ['rsa/leaf.pem', 'rsa/leaf.key'],
      ['ed25519/leaf.pem', 'ed25519/leaf.key'],
    ]) {
      const [cert] = parseCertificates(read(certFile));
      expect(cert.publicKey).toEqual(publicKeyOf(parsePrivateKey(read(keyFile))));
    }
  });

  it('the RFC 4514 escapes of a subject with every special character match openssl -nameopt RFC2253', () => {
    const [cert] = parseCertificates(read('ecdsa/leaf-special-dn.pem'));
    const cn = cert.subject.rdns.flat().find((a) => a.shortName === 'CN')!;
    expect(cn.value).toBe('Ann , "Q" <x>;=+/ #1 ');
    expect(cert.subject.rdns.map((r) => r.length)).toEqual([1, 1, 1, 2, 1, 1]);
    expect(cert.subject.rdns.flat().find((a) => a.shortName === 'L')!.value).toBe('Zürich');
    // Our RFC 4514 string parses back to the same attribute values.
    expect(parseRfc4514(cert.subject.rfc4514)).toEqual(cert.subject.rdns.map((r) => r.map((a) => ({ type: a.type, value: a.value }))));
  });

  it('bundles: every CERTIFICATE block, other blocks skipped; DER input', () => {
    expect(parseCertificates(read('roots.pem'))).toHaveLength(3);
    expect(parseCertificates(read('intermediates-unordered.pem'))).toHaveLength(4);
    const mixed = read('keys/p256.spki.pem') + 'some text\n' + read('ecdsa/leaf.pem');
    expect(parseCertificates(mixed)).toHaveLength(1);
    const der = decodePem(read('rsa/leaf.pem'))[0].der;
    expect(parseCertificates(der)[0].subject.rfc4514).toBe(parseCertificate(der).subject.rfc4514);
    expect(parseCertificates(new TextEncoder().encode(read('rsa/leaf.pem')))).toHaveLength(1);
  });
});

describe('signature AlgorithmIdentifiers', () => {
  it("our encoding of each scheme is openssl's, byte for byte (every fixture but the 20-octet-salt PSS one)", () => {
    const seen = new Set<string>();
    for (const base of certificateFiles) {
      const [cert] = parseCertificates(read(`${base}.pem`));
      const scheme = cert.signatureAlgorithm.scheme;
      if (!scheme || base.endsWith('salt20')) continue;
      const outer = children(cert.der, readTlv(cert.der, 0));
      const opensslDer = cert.der.subarray(outer[1].start, outer[1].end);
      expect([base, hex(encodeSignatureAlgorithm(scheme))]).toEqual([base, hex(opensslDer)]);
      expect(decodeSignatureAlgorithm(opensslDer)).toEqual(cert.signatureAlgorithm);
      seen.add(scheme);
    }
    expect([...seen].sort()).toEqual(['ecdsa_sha256', 'ecdsa_sha384', 'ecdsa_sha512', 'ed25519', 'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384', 'rsa_pkcs1_sha512', 'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384']);
  });
  it('malformed DER is an X509Error', () => {
    expect(() => decodeSignatureAlgorithm(new Uint8Array([0x30, 0x03, 0x06, 0x01]))).toThrow(X509Error);
    expect(() => decodeSignatureAlgorithm(new Uint8Array([0x30, 0x00, 0x00]))).toThrow(X509Error);
  });
});

describe('RFC 4514 §4 examples', () => {
  it('UID=jsmith,DC=example,DC=net', () => {
    const rdns = parseRfc4514('UID=jsmith,DC=example,DC=net');
    expect(rdns).toEqual([
      [{ type: '0.9.2342.19200300.100.1.25', value: 'net' }],
      [{ type: '0.9.2342.19200300.100.1.25', value: 'example' }],
      [{ type: '0.9.2342.19200300.100.1.1', value: 'jsmith' }],
    ]);
  });
  it('OU=Sales+CN=J.  Smith,DC=example,DC=net (a multi-valued RDN)', () => {
    const rdns = parseRfc4514('OU=Sales+CN=J.  Smith,DC=example,DC=net');
    expect(rdns[2]).toEqual([
      { type: '2.5.4.11', value: 'Sales' },
      { type: '2.5.4.3', value: 'J.  Smith' },
    ]);
  });
  it('CN=James \\"Jim\\" Smith\\, III,DC=example,DC=net (escaped characters round-trip)', () => {
    const text = 'CN=James \\"Jim\\" Smith\\, III,DC=example,DC=net';
    const rdns = parseRfc4514(text);
    expect(rdns[2][0].value).toBe('James "Jim" Smith, III');
    const view = rdns.map((r) => r.map((a) => ({ ...a, shortName: a.type === '2.5.4.3' ? 'CN' : 'DC' })));
    expect(formatRfc4514(view)).toBe(text);
  });
  it('CN=Before\\0dAfter,DC=example,DC=net (a hex-escaped octet)', () => {
    expect(parseRfc4514('CN=Before\\0dAfter,DC=example,DC=net')[2][0].value).toBe('Before\rAfter');
  });
  it('CN=Lu\\C4\\8Di\\C4\\87 (escaped UTF-8)', () => {
    expect(parseRfc4514('CN=Lu\\C4\\8Di\\C4\\87')[0][0].value).toBe('Lučić');
  });
});

describe('bad input ends in X509Error', () => {
  const good = decodePem(read('ecdsa/leaf.pem'))[0].der;
  const rsaGood = decodePem(read('rsa/leaf-pss.pem'))[0].der;
  const outcome = (f: () => unknown): 'ok' | 'x509' | 'other' => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return e instanceof X509Error ? 'x509' : 'other';
    }
  };

  it('every truncation, and trailing bytes', () => {
    for (let n = 0; n < good.length; n++) expect(outcome(() => parseCertificate(good.subarray(0, n)))).toBe('x509');
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    expect(() => parseCertificate(longer)).toThrow(expect.objectContaining({ reason: 'bad-encoding' }));
  });

  it('single-byte mutations never escape as another error type (fast-check)', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), (which, at, flip) => {
        const der = (which ? good : rsaGood).slice();
        der[at % der.length] ^= flip;
        expect(outcome(() => parseCertificate(der))).not.toBe('other');
      }),
      { numRuns: 1500, seed: 0x1a5e },
    );
  });

  it('random bytes and random PEM never escape as another error type (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        expect(outcome(() => parseCertificate(bytes))).toBe('x509');
        expect(outcome(() => parseCertificates(encodePem('CERTIFICATE', bytes)))).toBe('x509');
      }),
      { numRuns: 500, seed: 0x1a5e },
    );
  });

  it('a garbled PEM block', () => {
    expect(() => parseCertificates('-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n')).toThrow(X509Error);
  });

  it('signatureAlgorithm differing from tbsCertificate.signature (RFC 5280 §4.1.1.2)', () => {
    // The leaf's outer signatureAlgorithm is ecdsa-with-SHA256 (…04 03 02); make it …04 03 03.
    const der = good.slice();
    const outerAlg = hex(der).lastIndexOf('06082a8648ce3d040302') / 2;
    der[outerAlg + 9] = 0x03;
    expect(() => parseCertificate(der)).toThrow(expect.objectContaining({ reason: 'bad-encoding' }));
  });
});


describe('RFC 4514 strings that are not names', () => {
  it('are refused with X509Error', () => {
    for (const text of ['CN', 'CN=a,', 'XX=1', 'CN=\\', 'CN=\\ff\\fe', 'CN=#0403616263']) {
      expect(() => parseRfc4514(text)).toThrow(X509Error);
    }
  });
});

describe('the system CA certificates (/etc/ssl/certs), read as openssl reads them', () => {
  const SYSTEM = '/etc/ssl/certs';
  let files: string[] = [];
  try {
    files = readdirSync(SYSTEM).filter((f) => f.endsWith('.pem'));
  } catch {
    files = [];
  }
  it('subject, issuer, serial and validity of every certificate match openssl x509', () => {
    if (files.length === 0) {
      console.warn(`${SYSTEM} has no *.pem files here: system certificate check skipped`);
      return;
    }
    for (const f of files) {
      const path = join(SYSTEM, f);
      const [cert] = parseCertificates(readFileSync(path, 'utf8'));
      const r = spawnSync(
        'openssl',
        ['x509', '-in', path, '-noout', '-subject', '-issuer', '-nameopt', 'RFC2253,-esc_msb', '-serial', '-startdate', '-enddate'],
        { encoding: 'utf8' },
      );
      const field = (name: string): string => new RegExp(`^${name}=(.*)$`, 'm').exec(r.stdout)![1];
      expect([f, cert.subject.rfc4514]).toEqual([f, field('subject')]);
      expect([f, cert.issuer.rfc4514]).toEqual([f, field('issuer')]);
      expect(BigInt('0x' + cert.serialNumberHex)).toBe(BigInt('0x' + field('serial')));
      expect(cert.notBefore.getTime()).toBe(new Date(field('notBefore')).getTime());
      expect(cert.notAfter.getTime()).toBe(new Date(field('notAfter')).getTime());
    }
  });
});
