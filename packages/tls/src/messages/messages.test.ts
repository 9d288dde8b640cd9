/**
 * Handshake message codecs against RFC 8448 §3: each message decodes, its fields read as the RFC
 * describes them, and re-encoding gives back the RFC's bytes.
 */
import { DecodeError, bytesEqual, fromHex, toHex } from '@layersec/wire';
import { CipherSuite, ExtensionType, HandshakeType, NamedGroup, ProtocolVersion, SignatureScheme } from '../constants.js';
import { RFC8448 } from '../test-support/rfc8448.js';
import {
  HandshakeReassembler,
  decodeCertificate,
  decodeCertificateVerify,
  decodeClientHello,
  decodeEncryptedExtensions,
  decodeHandshake,
  decodeKeyShareClientHello,
  decodeKeyShareServerHello,
  decodeNewSessionTicket,
  decodeServerHello,
  decodeServerName,
  decodeSignatureAlgorithms,
  decodeSupportedGroups,
  decodeSupportedVersionsClient,
  decodeSupportedVersionsServer,
  encodeCertificate,
  encodeCertificateVerify,
  encodeClientHello,
  encodeEncryptedExtensions,
  encodeNewSessionTicket,
  encodeServerHello,
  findExtension,
  isHelloRetryRequest,
} from './index.js';

describe('RFC 8448 §3 handshake messages', () => {
  it('ClientHello decodes to the RFC fields and re-encodes byte for byte', () => {
    const m = decodeHandshake(RFC8448.client_hello);
    expect(m.msg_type).toBe(HandshakeType.client_hello);
    const ch = decodeClientHello(m.body);
    expect(ch.legacy_version).toBe(ProtocolVersion.TLS1_2);
    expect(toHex(ch.random)).toBe('cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7');
    expect(ch.legacy_session_id.length).toBe(0);
    expect(ch.cipher_suites).toEqual([
      CipherSuite.TLS_AES_128_GCM_SHA256,
      CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
      CipherSuite.TLS_AES_256_GCM_SHA384,
    ]);
    expect(decodeServerName(findExtension(ch.extensions, ExtensionType.server_name)!)).toBe('server');
    expect(decodeSupportedGroups(findExtension(ch.extensions, ExtensionType.supported_groups)!).slice(0, 3)).toEqual([
      NamedGroup.x25519,
      NamedGroup.secp256r1,
      NamedGroup.secp384r1,
    ]);
    const shares = decodeKeyShareClientHello(findExtension(ch.extensions, ExtensionType.key_share)!);
    expect(shares).toHaveLength(1);
    expect(bytesEqual(shares[0].key_exchange, RFC8448.client_x25519_public_key)).toBe(true);
    expect(decodeSupportedVersionsClient(findExtension(ch.extensions, ExtensionType.supported_versions)!)).toEqual([0x0304]);
    expect(decodeSignatureAlgorithms(findExtension(ch.extensions, ExtensionType.signature_algorithms)!)).toContain(
      SignatureScheme.rsa_pss_rsae_sha256,
    );
    expect(toHex(encodeClientHello(ch))).toBe(toHex(RFC8448.client_hello));
  });

  it('ServerHello decodes and re-encodes; it is no HelloRetryRequest', () => {
    const sh = decodeServerHello(decodeHandshake(RFC8448.server_hello).body);
    expect(sh.cipher_suite).toBe(CipherSuite.TLS_AES_128_GCM_SHA256);
    expect(isHelloRetryRequest(sh)).toBe(false);
    expect(decodeSupportedVersionsServer(findExtension(sh.extensions, ExtensionType.supported_versions)!)).toBe(0x0304);
    const ks = decodeKeyShareServerHello(findExtension(sh.extensions, ExtensionType.key_share)!);
    expect(ks.group).toBe(NamedGroup.x25519);
    expect(bytesEqual(ks.key_exchange, RFC8448.server_x25519_public_key)).toBe(true);
    expect(toHex(encodeServerHello(sh))).toBe(toHex(RFC8448.server_hello));
  });

  it('EncryptedExtensions, Certificate, CertificateVerify and NewSessionTicket round-trip', () => {
    const ee = decodeEncryptedExtensions(decodeHandshake(RFC8448.encrypted_extensions).body);
    expect(ee.extensions.map((e) => e.extension_type)).toEqual([
      ExtensionType.supported_groups,
      ExtensionType.record_size_limit,
      ExtensionType.server_name,
    ]);
    expect(toHex(encodeEncryptedExtensions(ee))).toBe(toHex(RFC8448.encrypted_extensions));

    const cert = decodeCertificate(decodeHandshake(RFC8448.certificate).body);
    expect(cert.certificate_list).toHaveLength(1);
    expect(cert.certificate_list[0].cert_data.length).toBe(0x1b0);
    expect(toHex(encodeCertificate(cert))).toBe(toHex(RFC8448.certificate));

    const cv = decodeCertificateVerify(decodeHandshake(RFC8448.certificate_verify).body);
    expect(cv.algorithm).toBe(SignatureScheme.rsa_pss_rsae_sha256);
    expect(cv.signature.length).toBe(128);
    expect(toHex(encodeCertificateVerify(cv))).toBe(toHex(RFC8448.certificate_verify));

    const nst = decodeNewSessionTicket(decodeHandshake(RFC8448.new_session_ticket).body);
    expect(nst.ticket_lifetime).toBe(30);
    expect(toHex(nst.ticket_nonce)).toBe('0000');
    expect(toHex(encodeNewSessionTicket(nst))).toBe(toHex(RFC8448.new_session_ticket));
  });
});

describe('handshake framing', () => {
  it('reassembles messages split across and packed into fragments', () => {
    const both = new Uint8Array([...RFC8448.encrypted_extensions, ...RFC8448.certificate]);
    const r = new HandshakeReassembler();
    r.push(both.subarray(0, 3));
    expect(r.next()).toBeUndefined();
    r.push(both.subarray(3, 100));
    expect(toHex(r.next()!.raw)).toBe(toHex(RFC8448.encrypted_extensions));
    expect(r.next()).toBeUndefined();
    r.push(both.subarray(100));
    expect(toHex(r.next()!.raw)).toBe(toHex(RFC8448.certificate));
    expect(r.hasPartial).toBe(false);
  });

  it('refuses a message length beyond the bound before buffering it', () => {
    const r = new HandshakeReassembler(1000);
    expect(() => r.push(fromHex('0b 00 10 00'))).toThrow(/record_overflow/);
  });

  it('names the field of a truncated ClientHello', () => {
    const body = decodeHandshake(RFC8448.client_hello).body;
    try {
      decodeClientHello(body.subarray(0, 40));
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(DecodeError);
      expect((e as DecodeError).field).toMatch(/^ClientHello\./);
    }
  });

  it('refuses a repeated extension with illegal_parameter', () => {
    // supported_versions twice in an otherwise empty EncryptedExtensions body
    expect(() => decodeEncryptedExtensions(fromHex('000c 002b 0002 0304 002b 0002 0304'))).toThrow(/illegal_parameter/);
  });
});
