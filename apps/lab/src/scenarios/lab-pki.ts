/**
 * The lab's own PKI, made at run time with crypto-primitives' X.509 builder: a root CA and a server
 * certificate for `server.lab.test` (and its address), ECDSA P-256, keys drawn from the scenario's
 * seeded random source so a run replays byte for byte.
 */
import {
  type Certificate,
  type CertificateAuthority,
  type CryptoProvider,
  type PrivateKey,
  type RandomSource,
  TrustStore,
  certificatesToPem,
  createRootCertificate,
  issueServerCertificate,
  nobleProvider,
  publicKeyOf,
} from '@layersec/crypto-primitives';
import { nodeProvider } from '@layersec/crypto-primitives/node';

export const SERVER_NAME = 'server.lab.test';

/**
 * The provider scenarios use: node:crypto (OpenSSL) for AEAD, hashing and key exchange — the fast
 * path the CPU figures are about — with signatures from the noble provider, whose ECDSA nonces are
 * deterministic (RFC 6979), so that a seeded run writes the same capture every time.
 */
export const labProvider: CryptoProvider = {
  ...nodeProvider,
  sign: nobleProvider.sign.bind(nobleProvider),
  verify: nobleProvider.verify.bind(nobleProvider),
  generateSigningKey: nobleProvider.generateSigningKey.bind(nobleProvider),
};

export interface LabPki {
  ca: CertificateAuthority;
  server: { certificate: Certificate; privateKey: PrivateKey };
  trust: TrustStore;
  /** PEM of the CA certificate, written beside the capture for readers who want to check it. */
  caPem: string;
}

const NOT_BEFORE = new Date(Date.UTC(2025, 0, 1));
const NOT_AFTER = new Date(Date.UTC(2035, 0, 1));

export function makeLabPki(random: RandomSource, serverAddress: string): LabPki {
  const provider = labProvider;
  const caKey = provider.generateSigningKey({ type: 'ec', curve: 'P-256' }, random);
  const ca = createRootCertificate(
    { subject: 'CN=layersec lab CA,O=layersec lab', privateKey: caKey, notBefore: NOT_BEFORE, notAfter: NOT_AFTER, serialNumber: 1n },
    provider,
  );
  const serverKey = provider.generateSigningKey({ type: 'ec', curve: 'P-256' }, random);
  const certificate = issueServerCertificate(
    {
      publicKey: publicKeyOf(serverKey),
      subject: `CN=${SERVER_NAME},O=layersec lab`,
      dnsNames: [SERVER_NAME],
      ipAddresses: [serverAddress],
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      serialNumber: 2n,
    },
    ca,
    provider,
  );
  return {
    ca,
    server: { certificate, privateKey: serverKey },
    trust: TrustStore.fromPem(certificatesToPem([ca.certificate])),
    caPem: certificatesToPem([ca.certificate]),
  };
}
