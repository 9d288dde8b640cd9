/**
 * Certificate checks through crypto-primitives' X.509 (RFC 5280 path validation, RFC 6125 host
 * names), with every refusal mapped to the alert RFC 8446 §6.2 names for it.
 */
import {
  type Certificate,
  type CryptoProvider,
  type PublicKey,
  type TrustStore,
  X509Error,
  type X509ErrorReason,
  parseCertificate,
  verifyChain,
} from '@layersec/crypto-primitives';
import type { CertificateVerifier } from './config.js';
import { AlertDescription } from './constants.js';
import { TlsAlertError } from './errors.js';

/** RFC 8446 §6.2 alerts for each reason a certificate is refused. */
export function alertForX509(reason: X509ErrorReason): AlertDescription {
  switch (reason) {
    case 'expired':
    case 'not-yet-valid':
      return AlertDescription.certificate_expired;
    case 'unknown-issuer':
    case 'self-signed-not-trusted':
      return AlertDescription.unknown_ca;
    case 'unsupported-algorithm':
      return AlertDescription.unsupported_certificate;
    default:
      return AlertDescription.bad_certificate;
  }
}

export interface X509VerifierOptions {
  /** Trust anchors (a CA file or a hashed directory loaded with loadTrustStore, or certificates). */
  readonly trustAnchors: TrustStore | readonly Certificate[];
  /** Signature verification (the connection's provider). */
  readonly provider: Pick<CryptoProvider, 'verify'>;
  /** Check the server's name against its certificate (RFC 6125); default true. */
  readonly checkHostname?: boolean;
}

/** The default verifier: path validation to a trust anchor, host name check on by default. */
export function x509Verifier(options: X509VerifierOptions): CertificateVerifier {
  return {
    verify(chain, context): PublicKey {
      try {
        const certs = chain.map((der) => parseCertificate(der));
        const leaf = certs[0];
        verifyChain(leaf, {
          trustAnchors: options.trustAnchors,
          intermediates: certs.slice(1),
          time: context.now,
          signer: options.provider,
          hostname: context.role === 'client' && options.checkHostname !== false ? context.serverName : undefined,
          purpose: context.role === 'client' ? 'serverAuth' : 'clientAuth',
        });
        if (!leaf.publicKey) throw new TlsAlertError(AlertDescription.unsupported_certificate, `key algorithm ${leaf.publicKeyAlgorithm}`);
        return leaf.publicKey;
      } catch (e) {
        if (e instanceof X509Error) throw new TlsAlertError(alertForX509(e.reason), e.message);
        throw e;
      }
    },
  };
}

/**
 * Accepts any certificate and returns its key: for the lab's `--insecure` demonstrations only. The
 * CertificateVerify signature is still checked against that key.
 */
export function unverifiedPeerKey(): CertificateVerifier {
  return {
    verify(chain): PublicKey {
      try {
        const leaf = parseCertificate(chain[0]);
        if (!leaf.publicKey) throw new TlsAlertError(AlertDescription.unsupported_certificate, `key algorithm ${leaf.publicKeyAlgorithm}`);
        return leaf.publicKey;
      } catch (e) {
        if (e instanceof X509Error) throw new TlsAlertError(alertForX509(e.reason), e.message);
        throw e;
      }
    },
  };
}
