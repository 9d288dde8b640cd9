/**
 * Why a certificate or a certification path was refused. The TLS, DTLS and IKEv2 packages map
 * these reasons to their alerts and notifies (e.g. 'expired' → certificate_expired,
 * 'unknown-issuer' and 'self-signed-not-trusted' → unknown_ca, 'bad-encoding' → bad_certificate
 * or decode_error, 'unsupported-algorithm' → unsupported_certificate, the rest → bad_certificate).
 */
export type X509ErrorReason =
  /** The DER (or PEM around it) is malformed, or violates RFC 5280 §4.1 structure rules. */
  | 'bad-encoding'
  /** A signature or public key algorithm this implementation does not verify (incl. SHA-1). */
  | 'unsupported-algorithm'
  /** RFC 5280 §6.1.3 (a)(2): the verification time is after notAfter. */
  | 'expired'
  /** RFC 5280 §6.1.3 (a)(2): the verification time is before notBefore. */
  | 'not-yet-valid'
  /** No issuer certificate was found for a certificate of the path (and it is not self-signed). */
  | 'unknown-issuer'
  /** The path ends in a self-signed certificate that is not a trust anchor. */
  | 'self-signed-not-trusted'
  /** RFC 5280 §6.1.3 (a)(1): the signature does not verify with the issuer's public key. */
  | 'bad-signature'
  /** RFC 6125 §6: the host name or IP address is not among the certificate's identifiers. */
  | 'hostname-mismatch'
  /** RFC 5280 §6.1.4 (k): an issuer lacks basicConstraints cA = TRUE. */
  | 'not-a-ca'
  /** RFC 5280 §6.1.4 (l)/(m): more intermediate CAs below a CA than its pathLenConstraint allows. */
  | 'path-length-exceeded'
  /** RFC 5280 §6.1.4 (n) (keyCertSign for issuers), or the leaf's keyUsage does not fit the purpose. */
  | 'bad-key-usage'
  /** RFC 5280 §4.2.1.12: extendedKeyUsage does not allow the purpose asked (serverAuth, clientAuth). */
  | 'bad-extended-key-usage'
  /** RFC 5280 §4.2: a critical extension this implementation does not process. */
  | 'unhandled-critical-extension'
  /** The path would be longer than the configured maximum, or path building ran out of budget. */
  | 'chain-too-long';

export class X509Error extends Error {
  override readonly name = 'X509Error';
  constructor(
    readonly reason: X509ErrorReason,
    message: string,
    /** Position in the path of the certificate concerned: 0 is the leaf (as openssl counts depth). */
    readonly depth?: number,
  ) {
    super(`${reason}${depth !== undefined ? ` at depth ${depth}` : ''}: ${message}`);
  }
}
