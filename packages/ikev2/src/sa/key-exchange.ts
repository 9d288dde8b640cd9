/**
 * Key exchange groups (registry "Transform Type 4") on crypto-primitives' KeyExchange, with the
 * Key Exchange Data of the KE payload (RFC 7296 §3.4) in each group's own encoding:
 * MODP g^x padded to the prime's length (RFC 7296 §3.4), ECP x | y without the SEC1 0x04
 * prefix (RFC 5903 §7), Curve25519/Curve448 the 32/56-octet u-coordinate (RFC 8031 §3.1).
 * The shared secret g^ir is the MODP value, the ECP x-coordinate (RFC 5903 §7), or the X25519/X448
 * output (RFC 8031 §3.2).
 */
import { CryptoError, type CryptoProvider, type KeyExchangeGroup, type KeyPair, type RandomSource } from '@layersec/crypto-primitives';
import { DhId } from '../constants.js';

const GROUPS: Readonly<Record<number, KeyExchangeGroup>> = {
  [DhId.MODP_2048]: 'modp2048',
  [DhId.MODP_3072]: 'modp3072',
  [DhId.MODP_4096]: 'modp4096',
  [DhId.ECP_256]: 'secp256r1',
  [DhId.ECP_384]: 'secp384r1',
  [DhId.ECP_521]: 'secp521r1',
  [DhId.CURVE25519]: 'x25519',
  [DhId.CURVE448]: 'x448',
};

/** True when this implementation can compute group `dhGroup`. */
export function isSupportedGroup(dhGroup: number): boolean {
  return GROUPS[dhGroup] !== undefined;
}

function isEcp(group: KeyExchangeGroup): boolean {
  return group === 'secp256r1' || group === 'secp384r1' || group === 'secp521r1';
}

/** One side's ephemeral key in one group. */
export interface IkeKeyExchange {
  readonly dhGroup: number;
  /** The KE payload's Key Exchange Data. */
  readonly keyExchangeData: Uint8Array;
  /**
   * g^ir from the peer's Key Exchange Data. A value of the wrong length or not a valid group
   * element is a CryptoError('invalid-public-key') (RFC 7296 §3.4 and §5.3 of RFC 8031 / RFC 5903).
   */
  sharedSecret(peerKeyExchangeData: Uint8Array): Uint8Array;
}

/** A fresh key pair in `dhGroup` (or the pair for `privateKey`, to replay a trace). */
export function createKeyExchange(provider: CryptoProvider, dhGroup: number, random: RandomSource, privateKey?: Uint8Array): IkeKeyExchange {
  const group = GROUPS[dhGroup];
  if (group === undefined) throw new CryptoError('unsupported', `key exchange group ${dhGroup}`);
  const kex = provider.keyExchange(group);
  const pair: KeyPair =
    privateKey !== undefined ? { privateKey, publicKey: kex.publicKeyFor(privateKey) } : kex.generateKeyPair(random);
  const ecp = isEcp(group);
  const keyExchangeData = ecp ? pair.publicKey.slice(1) : pair.publicKey;
  const expectedLength = keyExchangeData.length;
  return {
    dhGroup,
    keyExchangeData,
    sharedSecret(peer: Uint8Array): Uint8Array {
      if (peer.length !== expectedLength) {
        throw new CryptoError('invalid-public-key', `Key Exchange Data of ${peer.length} octets for group ${dhGroup} (expected ${expectedLength})`);
      }
      const peerPublic = ecp ? Uint8Array.of(0x04, ...peer) : peer;
      return kex.computeSharedSecret(pair.privateKey, peerPublic);
    },
  };
}
