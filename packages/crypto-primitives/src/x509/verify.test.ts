/**
 * The refusal matrix of test-vectors/x509/cases.json: chains made with the openssl CLI, and what
 * `openssl verify` (a real peer) answered for each. Our verifier must accept exactly what openssl
 * accepted, and when it refuses, its reason and depth must be one of the errors openssl reported
 * for that case (openssl keeps going after some errors and lists several). Runs on both providers.
 *
 * Two documented differences: openssl falls back to the subject CN when a certificate has no
 * subjectAltName, which we do only when asked (`commonNameFallback`, see ./hostname.ts); and
 * openssl 3.0 at its default security level accepts SHA-1 signatures, which we refuse.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { REPO_ROOT, loadVectors } from '@layersec/test-vectors';
import { decodePem } from '../keys/pem.js';
import { PROVIDERS } from '../test-support/providers.js';
import {
  type Certificate,
  type CertificatePurpose,
  TrustStore,
  X509Error,
  type X509ErrorReason,
  loadTrustStore,
  parseCertificate,
  parseCertificates,
  verifyChain,
} from './index.js';

interface Case {
  name: string;
  description: string;
  leaf: string;
  untrusted: string;
  anchors: string;
  purpose: string;
  hostname: string;
  ip: string;
  command: string;
  opensslOk: boolean;
  opensslErrors: string[];
}
const manifest = loadVectors<{ source: string; verificationTime: string; cases: Case[] }>('x509/cases.json');
const DIR = join(REPO_ROOT, 'test-vectors/x509');
const certsIn = (rel: string): Certificate[] => parseCertificates(readFileSync(join(DIR, rel), 'utf8'));

/**
 * openssl's X509_V_ERR codes (include/openssl/x509_vfy.h) and the reason we give for each.
 */
const OPENSSL_REASON: Record<number, X509ErrorReason> = {
  2: 'unknown-issuer', // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
  7: 'bad-signature', // X509_V_ERR_CERT_SIGNATURE_FAILURE
  9: 'not-yet-valid', // X509_V_ERR_CERT_NOT_YET_VALID
  10: 'expired', // X509_V_ERR_CERT_HAS_EXPIRED
  18: 'self-signed-not-trusted', // X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
  19: 'self-signed-not-trusted', // X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
  20: 'unknown-issuer', // X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
  24: 'not-a-ca', // X509_V_ERR_INVALID_CA (1.1) — 79 in 3.0
  25: 'path-length-exceeded', // X509_V_ERR_PATH_LENGTH_EXCEEDED
  26: 'bad-extended-key-usage', // X509_V_ERR_INVALID_PURPOSE
  32: 'bad-key-usage', // X509_V_ERR_KEYUSAGE_NO_CERTSIGN
  34: 'unhandled-critical-extension', // X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION
  62: 'hostname-mismatch', // X509_V_ERR_HOSTNAME_MISMATCH
  64: 'hostname-mismatch', // X509_V_ERR_IP_ADDRESS_MISMATCH
  79: 'not-a-ca', // X509_V_ERR_INVALID_CA
};

function opensslFindings(c: Case): Array<{ reason: X509ErrorReason; depth: number; line: string }> {
  return c.opensslErrors.map((line) => {
    const m = /^error (\d+) at (\d+) depth lookup/.exec(line);
    if (!m) throw new Error(`unexpected openssl line: ${line}`);
    const reason = OPENSSL_REASON[Number(m[1])];
    if (!reason) throw new Error(`openssl error ${m[1]} has no reason mapped: ${line}`);
    return { reason, depth: Number(m[2]), line };
  });
}

const PURPOSES: Record<string, CertificatePurpose | undefined> = { '-': undefined, sslserver: 'serverAuth', sslclient: 'clientAuth' };

describe(`X.509 refusal matrix (${manifest.source})`, () => {
  const time = new Date(manifest.verificationTime);
  const stores = new Map<string, TrustStore>();
  beforeAll(async () => {
    for (const c of manifest.cases) {
      if (stores.has(c.anchors)) continue;
      const path = c.anchors.startsWith('CApath:') ? join(DIR, c.anchors.slice(7)) : join(DIR, c.anchors);
      stores.set(c.anchors, await loadTrustStore(path));
    }
  });

  it('the manifest has the cases the issue asks for', () => {
    const names = manifest.cases.map((c) => c.name);
    for (const n of ['ecdsa-good', 'rsa-good', 'ed25519-good', 'expired', 'not-yet-valid', 'wrong-host', 'unknown-root',
      'ecdsa-bad-signature', 'leaf-as-ca', 'pathlen-exceeded', 'client-as-server', 'wildcard-match', 'ip-v4-match']) {
      expect(names).toContain(n);
    }
    expect(manifest.cases.filter((c) => c.opensslOk).length).toBeGreaterThan(5);
    expect(manifest.cases.filter((c) => !c.opensslOk).length).toBeGreaterThan(15);
  });

  for (const [providerName, provider] of PROVIDERS) {
    describe(providerName, () => {
      for (const c of manifest.cases) {
        it(`${c.name}: ${c.description} — openssl: ${c.opensslOk ? 'OK' : c.opensslErrors[0]}`, () => {
          const [leaf] = certsIn(c.leaf);
          const intermediates = c.untrusted === '-' ? [] : certsIn(c.untrusted);
          const host = c.ip !== '-' ? c.ip : c.hostname !== '-' ? c.hostname : undefined;
          const options = {
            trustAnchors: stores.get(c.anchors)!,
            intermediates,
            time,
            signer: provider,
            ...(host !== undefined ? { hostname: host } : {}),
            purpose: PURPOSES[c.purpose],
          };
          const run = (extra: { commonNameFallback?: boolean } = {}): X509Error | null => {
            try {
              const path = verifyChain(leaf, { ...options, ...extra });
              expect(path.chain[0]).toBe(leaf);
              expect(path.trustAnchor).toBe(path.chain[path.chain.length - 1]);
              return null;
            } catch (e) {
              if (!(e instanceof X509Error)) throw e;
              return e;
            }
          };
          if (c.name === 'sha1-signature') {
            // openssl 3.0 at its default security level still accepts SHA-1; we do not (RFC 9155).
            expect(c.opensslOk).toBe(true);
            expect(run()).toEqual(expect.objectContaining({ reason: 'unsupported-algorithm', depth: 0 }));
            return;
          }
          if (c.name === 'cn-only') {
            // openssl's default CN fallback; ours is opt-in.
            expect(c.opensslOk).toBe(true);
            expect(run({ commonNameFallback: true })).toBeNull();
            expect(run()?.reason).toBe('hostname-mismatch');
            return;
          }
          const error = run();
          if (c.opensslOk) {
            expect(error).toBeNull();
          } else {
            expect(error).not.toBeNull();
            const findings = opensslFindings(c);
            expect(findings).toContainEqual(expect.objectContaining({ reason: error!.reason, depth: error!.depth }));
          }
        });
      }
    });
  }
});

describe('path building', () => {
  const [, provider] = PROVIDERS[0];
  const time = new Date(manifest.verificationTime);
  const roots = TrustStore.fromPem(readFileSync(join(DIR, 'roots.pem'), 'utf8'));

  it('returns the path leaf → intermediate → root, picking the right intermediate from an unordered set', () => {
    const [leaf] = certsIn('rsa/leaf.pem');
    const path = verifyChain(leaf, { trustAnchors: roots, intermediates: certsIn('intermediates-unordered.pem'), time, signer: provider });
    // openssl's own RFC 2253 rendering of each subject, from the dumps make.sh wrote.
    const opensslSubject = (rel: string): string => /^subject=(.*)$/m.exec(readFileSync(join(DIR, rel), 'utf8'))![1];
    expect(path.chain.map((c) => c.subject.rfc4514)).toEqual(['rsa/leaf.txt', 'rsa/int.txt', 'rsa/root.txt'].map(opensslSubject));
  });

  it('a root sent along with the chain is recognised as the anchor', () => {
    const [leaf] = certsIn('ecdsa/leaf.pem');
    const path = verifyChain(leaf, {
      trustAnchors: roots,
      intermediates: [...certsIn('ecdsa/root.pem'), ...certsIn('ecdsa/int.pem')],
      time,
      signer: provider,
    });
    expect(path.chain).toHaveLength(3);
  });

  it('an empty certificate list (chain[0] of []) is a typed refusal', () => {
    const empty: Certificate[] = [];
    expect(() => verifyChain(empty[0], { trustAnchors: roots, time, signer: provider })).toThrow(
      expect.objectContaining({ reason: 'bad-encoding' }),
    );
  });

  it('a path longer than maxIntermediates is refused', () => {
    const [leaf] = certsIn('ecdsa/leaf-pathlen-ok.pem');
    expect(() =>
      verifyChain(leaf, { trustAnchors: roots, intermediates: certsIn('ecdsa/int-pathlen0.pem'), time, signer: provider, maxIntermediates: 0 }),
    ).toThrow(expect.objectContaining({ reason: 'chain-too-long' }));
  });

  it('a pile of unrelated intermediates costs bounded work and ends in unknown-issuer', () => {
    const [leaf] = certsIn('unknown/leaf.pem');
    const unrelated = certsIn('intermediates-unordered.pem');
    const pile = Array.from({ length: 200 }, () => unrelated).flat();
    const start = Date.now();
    expect(() => verifyChain(leaf, { trustAnchors: roots, intermediates: pile, time, signer: provider })).toThrow(
      expect.objectContaining({ reason: 'unknown-issuer', depth: 1 }),
    );
    expect(Date.now() - start).toBeLessThan(5000);
  });

  it('loads the hashed directory and the PEM bundle to the same anchors', async () => {
    const dir = await loadTrustStore(join(DIR, 'trust-dir'));
    const file = await loadTrustStore(join(DIR, 'roots.pem'));
    expect(dir.certificates.map((c) => c.subject.rfc4514).sort()).toEqual(file.certificates.map((c) => c.subject.rfc4514).sort());
    expect(dir.certificates).toHaveLength(3); // the <hash>.0 links and the files they point to are one set
    expect(dir.skipped).toEqual([]);
  });

  const systemStore = '/etc/ssl/certs';
  it(`loads the system CA directory ${systemStore} when present`, async () => {
    let exists = true;
    try {
      readFileSync(join(systemStore, 'ca-certificates.crt'));
    } catch {
      exists = false;
    }
    if (!exists) {
      console.warn(`${systemStore}/ca-certificates.crt not found: system store check skipped`);
      return;
    }
    const store = await loadTrustStore(systemStore);
    expect(store.certificates.length).toBeGreaterThan(50);
    // Every anchor there is a CA with a supported or at least parsed key.
    for (const c of store.certificates) expect(c.subject.rfc4514.length).toBeGreaterThan(0);
  });
});

describe('loadTrustStore on a directory with a file that is not a certificate', () => {
  it('lists the file in `skipped` and keeps the others', async () => {
    const { mkdtempSync, writeFileSync, rmSync, copyFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const tmp = mkdtempSync(join(tmpdir(), 'layersec-store-'));
    try {
      copyFileSync(join(DIR, 'ecdsa/root.pem'), join(tmp, 'a.pem'));
      writeFileSync(join(tmp, 'b.pem'), '-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n');
      writeFileSync(join(tmp, 'README'), 'not a CA file name: ignored');
      const store = await loadTrustStore(tmp);
      expect(store.certificates).toHaveLength(1);
      expect(store.skipped.map((s) => s.source)).toEqual([join(tmp, 'b.pem')]);
      await expect(loadTrustStore(join(tmp, 'b.pem'))).rejects.toThrow(X509Error);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('integrity: a certificate changed in any byte is never accepted', () => {
  // Single-byte changes of a leaf that still parse must be refused: a change in the signed part or
  // the signature fails the signature, a change in signatureAlgorithm no longer matches
  // tbsCertificate.signature (RFC 5280 §4.1.1.2). The issuer is the anchor, so one signature is checked.
  const time = new Date(manifest.verificationTime);
  for (const [providerName, provider] of PROVIDERS) {
    for (const world of ['ecdsa', 'rsa', 'ed25519']) {
      it(`${world} leaf, ${providerName} provider (fast-check, fixed seed)`, () => {
        const leafDer = decodePem(readFileSync(join(DIR, `${world}/leaf.pem`), 'utf8'))[0].der;
        const [issuer] = certsIn(`${world}/int.pem`);
        const options = { trustAnchors: [issuer], time, signer: provider, hostname: 'server.lab.test', purpose: 'serverAuth' as const };
        expect(verifyChain(parseCertificate(leafDer), options).chain).toHaveLength(2);
        fc.assert(
          fc.property(fc.nat(), fc.integer({ min: 1, max: 255 }), (at, flip) => {
            const der = leafDer.slice();
            der[at % der.length] ^= flip;
            let cert: Certificate;
            try {
              cert = parseCertificate(der);
            } catch (e) {
              expect(e).toBeInstanceOf(X509Error);
              return;
            }
            expect(() => verifyChain(cert, options)).toThrow(X509Error);
          }),
          { numRuns: providerName === 'node' ? 400 : 300, seed: 0x1a5e },
        );
      });
    }
  }
});
