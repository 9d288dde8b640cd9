/**
 * The RFC 8448 §3 client: our ClientConnection configured (and its ClientHello completed with the two
 * TLS 1.2 extensions the RFC's client also sends) so that it sends the RFC's ClientHello.
 */
import { nobleProvider, type PublicKey } from '@layersec/crypto-primitives';
import { bytesEqual, bytesToBigInt } from '@layersec/wire';
import { ClientConnection } from '../client/client-connection.js';
import type { CertificateVerifier } from '../config.js';
import { AlertDescription, CipherSuite, ExtensionType, NamedGroup, PskKeyExchangeMode } from '../constants.js';
import { TlsAlertError } from '../errors.js';
import { decodeCertificate, decodeHandshake } from '../messages/index.js';
import { fixedRandom } from './fixed-random.js';
import { RFC8448 as V, RFC8448_RSA_KEY as K } from './rfc8448.js';

/** Pins the RFC's certificate and gives the public key of RFC 8448 §2 (the trace's cert is self-signed "rsa"). */
export const pinnedRfcCertificate: CertificateVerifier = {
  verify(chain): PublicKey {
    const rfcCert = decodeCertificate(decodeHandshake(V.certificate).body).certificate_list[0].cert_data;
    if (chain.length !== 1 || !bytesEqual(chain[0], rfcCert)) throw new TlsAlertError(AlertDescription.bad_certificate, 'not the RFC 8448 certificate');
    return { type: 'rsa', n: bytesToBigInt(K.modulus), e: bytesToBigInt(K.public_exponent) };
  },
};

const clientRandom = decodeHandshake(V.client_hello).body.subarray(2, 34);

export function rfc8448Client(): ClientConnection {
  return new ClientConnection({
    provider: nobleProvider,
    random: fixedRandom(clientRandom),
    now: () => Date.UTC(2018, 0, 1),
    versions: ['TLSv1.3'],
    middleboxCompatibility: false,
    serverName: 'server',
    cipherSuites: [CipherSuite.TLS_AES_128_GCM_SHA256, CipherSuite.TLS_CHACHA20_POLY1305_SHA256, CipherSuite.TLS_AES_256_GCM_SHA384],
    supportedGroups: [
      NamedGroup.x25519,
      NamedGroup.secp256r1,
      NamedGroup.secp384r1,
      NamedGroup.secp521r1,
      NamedGroup.ffdhe2048,
      NamedGroup.ffdhe3072,
      NamedGroup.ffdhe4096,
      NamedGroup.ffdhe6144,
      NamedGroup.ffdhe8192,
    ],
    keyShareGroups: [NamedGroup.x25519],
    // The RFC client's signature_algorithms list, in its order.
    signatureAlgorithms: [0x0403, 0x0503, 0x0603, 0x0203, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0201, 0x0402, 0x0502, 0x0602, 0x0202],
    pskKeyExchangeModes: [PskKeyExchangeMode.psk_dhe_ke],
    recordSizeLimit: 0x4001,
    ephemeralPrivateKeys: { x25519: V.client_x25519_private_key },
    verifier: pinnedRfcCertificate,
    // The RFC client (NSS) also sends the TLS 1.2 extensions renegotiation_info (RFC 5746) and
    // session_ticket (RFC 5077), which this client sends only when it offers TLS 1.2.
    customizeClientHello: (hello) => {
      const ext = [...hello.extensions];
      ext.splice(1, 0, { extension_type: ExtensionType.renegotiation_info, extension_data: Uint8Array.of(0) });
      ext.splice(3, 0, { extension_type: ExtensionType.session_ticket, extension_data: new Uint8Array(0) });
      return { ...hello, extensions: ext };
    },
  });
}

