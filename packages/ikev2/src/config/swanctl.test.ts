/**
 * swanctl.conf subset: the example of shared/INTEROP.md, the files charon itself loaded for the
 * captures in test-vectors/ikev2 (whose proposals must map to exactly the transforms charon put
 * on the wire), the settings syntax, and errors that name the line.
 */
import { nobleProvider } from '@layersec/crypto-primitives';
import { loadVectors } from '@layersec/test-vectors';
import { fromHex, utf8 } from '@layersec/wire';
import { DhId, EncrId, EsnId, IntegId, PrfId, ProtocolId } from '../constants.js';
import { createSkProtection, decodeEncryptedPayloads } from '../messages/encrypted.js';
import { decodeMessage, payloadOf } from '../messages/message.js';
import { keyLengthOf } from '../messages/payloads.js';
import { parseProposal, parseProposals, proposalToWire } from './proposals.js';
import { SwanctlConfigError, findSharedSecret, parseSettings, parseSwanctlConf } from './swanctl.js';

/** shared/INTEROP.md, "swanctl.conf" of the strongSwan section, verbatim. */
const INTEROP_EXAMPLE = `
      connections { t { version = 2
        local_addrs = 10.99.0.1
        remote_addrs = 10.99.0.2
        proposals = aes128gcm16-prfsha256-x25519
        local { auth = psk
                id = a@test }
        remote { auth = psk
                 id = b@test }
        children { c { local_ts = 10.10.1.1/32
                       remote_ts = 10.10.2.1/32
                       esp_proposals = aes128gcm16-x25519 } } } }
      secrets { ike-1 { id-a = a@test
                        id-b = b@test
                        secret = "s3cretPSK" } }
`;

function configError(f: () => unknown): SwanctlConfigError {
  try {
    f();
  } catch (e) {
    if (e instanceof SwanctlConfigError) return e;
    throw e;
  }
  throw new Error('no SwanctlConfigError');
}

describe('swanctl.conf subset', () => {
  it('reads the INTEROP.md example', () => {
    const c = parseSwanctlConf(INTEROP_EXAMPLE);
    expect(c.connections).toHaveLength(1);
    const t = c.connections[0];
    expect(t).toMatchObject({ name: 't', version: 2, localAddrs: ['10.99.0.1'], remoteAddrs: ['10.99.0.2'], localPort: 500, remotePort: 500 });
    expect(t.proposals).toEqual([{ encr: [{ id: EncrId.ENCR_AES_GCM_16, keyLength: 128 }], integ: [], prf: [PrfId.PRF_HMAC_SHA2_256], dh: [DhId.CURVE25519], esn: [] }]);
    expect(t.local).toEqual({ auth: 'psk', id: 'a@test', certs: [] });
    expect(t.remote).toEqual({ auth: 'psk', id: 'b@test', certs: [] });
    expect(t.children).toEqual([
      {
        name: 'c',
        localTs: ['10.10.1.1/32'],
        remoteTs: ['10.10.2.1/32'],
        espProposals: [{ encr: [{ id: EncrId.ENCR_AES_GCM_16, keyLength: 128 }], integ: [], prf: [], dh: [DhId.CURVE25519], esn: [EsnId.NO_ESN] }],
        mode: 'tunnel',
        startAction: 'none',
      },
    ]);
    expect(c.secrets).toEqual([{ name: 'ike-1', ids: ['a@test', 'b@test'], secret: utf8('s3cretPSK') }]);
    expect(findSharedSecret(c, 'a@test', 'b@test')?.secret).toEqual(utf8('s3cretPSK'));
    expect(findSharedSecret(c, 'a@test', 'c@test')).toBeUndefined();
  });

  describe.each(['strongswan-gcm.json', 'strongswan-cbc.json', 'strongswan-chapoly.json'])('the file charon loaded for %s', (file) => {
    const v = loadVectors<{
      config: { swanctlConf: string };
      messages: { udpPayload: string; sentBy: string }[];
      keys: Record<string, string>;
    }>(`ikev2/${file}`);
    const conn = parseSwanctlConf(v.config.swanctlConf).connections[0];

    it('maps `proposals` to the SA proposal charon sent in IKE_SA_INIT', () => {
      const sent = decodeMessage(fromHex(v.messages[0].udpPayload));
      const wire = proposalToWire(conn.proposals[0], 1, ProtocolId.IKE, new Uint8Array(0));
      expect(payloadOf(sent.payloads, 'SA')?.proposals).toEqual([wire]);
    });

    it('maps `esp_proposals` (without the PFS group) to the Child SA proposal charon sent in IKE_AUTH', () => {
      const bytes = fromHex(v.messages[2].udpPayload).subarray(4);
      const msg = decodeMessage(bytes);
      const p = conn.proposals[0];
      const encr = p.encr[0];
      const protection = createSkProtection(
        nobleProvider,
        { encr: encr.id, ...(encr.keyLength !== undefined ? { keyLength: encr.keyLength } : {}), integ: p.integ[0] ?? IntegId.NONE },
        fromHex(v.keys.SK_ei),
        fromHex(v.keys.SK_ai ?? ''),
      );
      const inner = decodeEncryptedPayloads(protection, bytes, msg).payloads;
      const sent = payloadOf(inner, 'SA')!.proposals[0];
      expect(sent.transforms).toEqual(proposalToWire(conn.children[0].espProposals[0], 1, ProtocolId.ESP, sent.spi, false).transforms);
      expect(keyLengthOf(sent.transforms[0])).toBe(encr.keyLength);
    });
  });

  it('reads comments, quoted strings with escapes, several settings per line and lists', () => {
    const c = parseSwanctlConf(`
      # a comment line
      connections {
        home {   # trailing comment
          remote_addrs = 192.0.2.1, 192.0.2.2
          remote_port = 4500
          proposals = aes256-aes128-sha384-sha256-ecp384-modp3072, aes128gcm16-prfsha256-x25519
          local { auth = pubkey
                  certs = moonCert.pem, moonCert2.pem }
          remote { auth = pubkey
                   id = "C=CH, O=strongSwan, CN=\\"sun\\"" }
          rekey_time = 4h
          dpd_delay = 30s
          children { net { esp_proposals = aes128-sha256-esn
                           rekey_time = 90
                           mode = transport } }
        }
      }
      secrets { ike-x { secret = 0x0102ff } ike-y { secret = 0sAQL/ } }
    `);
    const home = c.connections[0];
    expect(home.remoteAddrs).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(home.localAddrs).toEqual(['%any']);
    expect(home.remotePort).toBe(4500);
    expect(home.rekeyTimeMs).toBe(4 * 3600 * 1000);
    expect(home.dpdDelayMs).toBe(30_000);
    expect(home.children[0].rekeyTimeMs).toBe(90_000);
    expect(home.version).toBe(0);
    expect(home.proposals[0]).toEqual({
      encr: [{ id: EncrId.ENCR_AES_CBC, keyLength: 256 }, { id: EncrId.ENCR_AES_CBC, keyLength: 128 }],
      integ: [IntegId.AUTH_HMAC_SHA2_384_192, IntegId.AUTH_HMAC_SHA2_256_128],
      // strongSwan's PRFs follow the integrity algorithms when none is named.
      prf: [PrfId.PRF_HMAC_SHA2_384, PrfId.PRF_HMAC_SHA2_256],
      dh: [DhId.ECP_384, DhId.MODP_3072],
      esn: [],
    });
    expect(home.proposals).toHaveLength(2);
    expect(home.local).toEqual({ auth: 'pubkey', certs: ['moonCert.pem', 'moonCert2.pem'] });
    expect(home.remote.id).toBe('C=CH, O=strongSwan, CN="sun"');
    expect(home.children[0]).toMatchObject({ name: 'net', mode: 'transport', localTs: ['dynamic'], remoteTs: ['dynamic'] });
    expect(home.children[0].espProposals[0].esn).toEqual([EsnId.ESN]);
    expect(c.secrets.map((s) => s.secret)).toEqual([fromHex('0102ff'), fromHex('0102ff')]);
  });

  it('maps the keywords of the GCM, CBC and ChaCha20 families', () => {
    expect(parseProposal('aes256gcm12-prfsha512-ecp521', 'ike').encr).toEqual([{ id: EncrId.ENCR_AES_GCM_12, keyLength: 256 }]);
    expect(parseProposal('aes128gcm64-prfsha1-modp2048', 'ike').encr).toEqual([{ id: EncrId.ENCR_AES_GCM_8, keyLength: 128 }]);
    expect(parseProposal('aes192gcm-prfsha256-ecp256', 'ike').encr).toEqual([{ id: EncrId.ENCR_AES_GCM_16, keyLength: 192 }]);
    expect(parseProposal('chacha20poly1305-prfsha256-curve25519', 'ike')).toEqual({
      encr: [{ id: EncrId.ENCR_CHACHA20_POLY1305 }],
      integ: [],
      prf: [PrfId.PRF_HMAC_SHA2_256],
      dh: [DhId.CURVE25519],
      esn: [],
    });
    expect(parseProposal('aes-sha1-modp1536', 'ike')).toMatchObject({ encr: [{ id: EncrId.ENCR_AES_CBC, keyLength: 128 }], prf: [PrfId.PRF_HMAC_SHA1], dh: [DhId.MODP_1536] });
    expect(parseProposals(' aes128-sha256-modp2048 ,, ', 'esp')).toHaveLength(1);
  });

  it('refuses what RFC 7296 / RFC 5282 do not allow in a proposal', () => {
    expect(() => parseProposal('aes128gcm16-x25519', 'ike')).toThrow(/must name its PRF/);
    expect(() => parseProposal('aes128gcm16-sha256-prfsha256-x25519', 'ike')).toThrow(/integrity/);
    expect(() => parseProposal('aes128-prfsha256-x25519', 'ike')).toThrow(/no integrity/);
    expect(() => parseProposal('aes128-sha256', 'ike')).toThrow(/no key exchange/);
    expect(() => parseProposal('aes128-aes128gcm16-prfsha256-x25519', 'ike')).toThrow(/mixes/);
    expect(() => parseProposal('3des-md5-modp1024', 'ike')).toThrow(/3des/);
  });

  it('names the line of each error', () => {
    expect(configError(() => parseSettings('a {\n b = 1\n')).line).toBe(3);
    expect(configError(() => parseSettings('a {\n}\n}\n')).line).toBe(3);
    expect(configError(() => parseSettings('a\n b = "x\n')).line).toBe(2);
    expect(configError(() => parseSettings('a {\n b ! 1\n}')).line).toBe(2);
    expect(configError(() => parseSettings('a {}\n\na {}')).line).toBe(3);
    const bad = INTEROP_EXAMPLE.replace('aes128gcm16-x25519', 'aes128gcm16-x25519-blowfish');
    const e = configError(() => parseSwanctlConf(bad));
    expect(e.line).toBe(12);
    expect(e.message).toMatch(/blowfish/);
    expect(configError(() => parseSwanctlConf(INTEROP_EXAMPLE.replace('auth = psk\n                id = a@test', 'auth = eap\n                id = a@test'))).line).toBe(6);
    expect(configError(() => parseSwanctlConf(INTEROP_EXAMPLE.replace('version = 2', 'version = 1'))).line).toBe(2);
    expect(configError(() => parseSwanctlConf(INTEROP_EXAMPLE.replace('version = 2', 'version = 2\n rekey_time = soon'))).line).toBe(3);
    expect(configError(() => parseSwanctlConf(INTEROP_EXAMPLE.replace('local_addrs', 'dpd_action = clear\n local_addrs'))).line).toBe(3);
  });
});
