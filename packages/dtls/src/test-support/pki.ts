/** The openssl-made test PKI of test-vectors/tls/certs (see make.sh there), for DTLS tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCertificates, parsePrivateKey, TrustStore, type PrivateKey } from '@layersec/crypto-primitives';
import { REPO_ROOT } from '@layersec/test-vectors';

export const CERT_DIR = join(REPO_ROOT, 'test-vectors/tls/certs');
export const CA_FILE = join(CERT_DIR, 'ca.pem');

export interface TestIdentity {
  readonly chain: Uint8Array[];
  readonly key: PrivateKey;
  readonly certFile: string;
  readonly keyFile: string;
}

export function identity(name: string): TestIdentity {
  const certFile = join(CERT_DIR, `${name}.pem`);
  const keyFile = join(CERT_DIR, `${name}.key`);
  return {
    chain: parseCertificates(readFileSync(certFile, 'utf8')).map((c) => c.der),
    key: parsePrivateKey(readFileSync(keyFile, 'utf8')),
    certFile,
    keyFile,
  };
}

export const testTrustStore = (): TrustStore => TrustStore.fromPem(readFileSync(CA_FILE, 'utf8'));
