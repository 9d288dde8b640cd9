/**
 * The MODP Diffie-Hellman groups of RFC 3526 that layersec offers (IKEv2 Transform Type 4 ids 14,
 * 15 and 16). Each prime is 2^k - 2^(k-64) - 1 + 2^64 * { [2^(k-130) pi] + N } as RFC 3526
 * states it, a safe prime (p = 2q + 1 with q prime), with generator 2. The tests check these
 * hexadecimal values against that formula and against OpenSSL's built-in copies of the groups.
 */

import { CryptoError } from './errors.js';

export type ModpGroupName = 'modp2048' | 'modp3072' | 'modp4096';

export interface ModpGroup {
  readonly name: ModpGroupName;
  /** The group's number in the IANA "Transform Type 4 - Key Exchange Method Transform IDs". */
  readonly transformId: number;
  /** The prime p. */
  readonly p: bigint;
  /** The generator g (2 for every RFC 3526 group). */
  readonly g: bigint;
  /** Length of p in bytes: the length of public values and shared secrets. */
  readonly byteLength: number;
  /**
   * Length in bytes of the private exponents this package generates: twice the upper strength
   * estimate RFC 3526 §8 gives for the group (320, 420 and 480 bits, rounded up to bytes).
   */
  readonly exponentLength: number;
}

function group(name: ModpGroupName, transformId: number, hex: string, exponentBits: number): ModpGroup {
  const p = BigInt(`0x${hex}`);
  return { name, transformId, p, g: 2n, byteLength: hex.length / 2, exponentLength: Math.ceil(exponentBits / 8) };
}

/** RFC 3526 §3. 2048-bit MODP Group (id 14). */
export const MODP2048: ModpGroup = group(
  'modp2048',
  14,
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74' +
  '020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437' +
  '4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
  'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05' +
  '98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB' +
  '9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
  'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718' +
  '3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF',
  320,
);

/** RFC 3526 §4. 3072-bit MODP Group (id 15). */
export const MODP3072: ModpGroup = group(
  'modp3072',
  15,
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74' +
  '020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437' +
  '4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
  'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05' +
  '98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB' +
  '9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
  'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718' +
  '3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33' +
  'A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
  'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864' +
  'D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2' +
  '08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF',
  420,
);

/** RFC 3526 §5. 4096-bit MODP Group (id 16). */
export const MODP4096: ModpGroup = group(
  'modp4096',
  16,
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74' +
  '020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437' +
  '4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED' +
  'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05' +
  '98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB' +
  '9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B' +
  'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718' +
  '3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33' +
  'A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7' +
  'ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864' +
  'D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2' +
  '08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7' +
  '88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8' +
  'DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2' +
  '233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9' +
  '93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199FFFFFFFFFFFFFFFF',
  480,
);

export const MODP_GROUPS: Readonly<Record<ModpGroupName, ModpGroup>> = {
  modp2048: MODP2048,
  modp3072: MODP3072,
  modp4096: MODP4096,
};

function toBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/**
 * The private exponent x encoded by `privateKey` (big-endian, at most as long as p), which must
 * lie in [2, p-2]; otherwise a CryptoError('invalid-private-key').
 */
export function modpPrivateExponent(group: ModpGroup, privateKey: Uint8Array): bigint {
  const x = toBigInt(privateKey);
  if (privateKey.length === 0 || privateKey.length > group.byteLength || x < 2n || x > group.p - 2n) {
    throw new CryptoError('invalid-private-key', `${group.name} private exponent must be in [2, p-2]`);
  }
  return x;
}

/**
 * Checks a peer's public value y and returns it. RFC 7296 §3.4: the key exchange data is exactly
 * as long as the prime. RFC 3526 primes are safe primes, so the only small subgroup is {1, p-1}:
 * 1 < y < p-1 (the FFC partial public-key validation of NIST SP 800-56A Rev. 3 §5.6.2.3.2)
 * leaves only the subgroups of order q and 2q. Anything else is a CryptoError('invalid-public-key').
 */
export function modpPeerValue(group: ModpGroup, publicValue: Uint8Array): bigint {
  if (publicValue.length !== group.byteLength) {
    throw new CryptoError('invalid-public-key', `${group.name} public value must be ${group.byteLength} bytes`);
  }
  const y = toBigInt(publicValue);
  if (y <= 1n || y >= group.p - 1n) {
    throw new CryptoError('invalid-public-key', `${group.name} public value must satisfy 1 < y < p-1`);
  }
  return y;
}
