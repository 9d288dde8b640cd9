/**
 * Stateless cookies (RFC 7296 §2.6): under a half-open-SA load the responder answers an
 * IKE_SA_INIT request with N(COOKIE) only, keeping no state, and proceeds once the request comes
 * back with that cookie first. Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>),
 * here with SHA-256 and a one-octet version; the secret changes every `rotateMs`, and a cookie
 * made with the previous secret is still accepted.
 */
import { constantTimeEqual, type CryptoProvider, type RandomSource } from '@layersec/crypto-primitives';
import { concatBytes } from '@layersec/wire';
import type { Clock } from '../clock.js';

export const DEFAULT_COOKIE_ROTATION_MS = 5 * 60 * 1000;

export class CookieJar {
  private version = 0;
  private secret: Uint8Array;
  private previous: { version: number; secret: Uint8Array } | undefined;
  private rotatedAt: number;

  constructor(
    private readonly provider: CryptoProvider,
    private readonly random: RandomSource,
    private readonly clock: Clock,
    private readonly rotateMs = DEFAULT_COOKIE_ROTATION_MS,
  ) {
    this.secret = random.randomBytes(32);
    this.rotatedAt = clock.now();
  }

  private rotate(): void {
    if (this.clock.now() - this.rotatedAt < this.rotateMs) return;
    this.previous = { version: this.version, secret: this.secret };
    this.version = (this.version + 1) & 0xff;
    this.secret = this.random.randomBytes(32);
    this.rotatedAt = this.clock.now();
  }

  private compute(version: number, secret: Uint8Array, ni: Uint8Array, ipi: Uint8Array, spiI: Uint8Array): Uint8Array {
    return concatBytes(Uint8Array.of(version), this.provider.hash('SHA-256').digest(concatBytes(ni, ipi, spiI, secret)));
  }

  /** The cookie for an initiator's Ni, address and SPIi. */
  make(ni: Uint8Array, ipi: Uint8Array, spiI: Uint8Array): Uint8Array {
    this.rotate();
    return this.compute(this.version, this.secret, ni, ipi, spiI);
  }

  /** True when `cookie` is one this jar made (with the current or previous secret). */
  verify(cookie: Uint8Array, ni: Uint8Array, ipi: Uint8Array, spiI: Uint8Array): boolean {
    this.rotate();
    if (cookie.length !== 33) return false;
    if (cookie[0] === this.version) return constantTimeEqual(cookie, this.compute(this.version, this.secret, ni, ipi, spiI));
    if (this.previous !== undefined && cookie[0] === this.previous.version) {
      return constantTimeEqual(cookie, this.compute(this.previous.version, this.previous.secret, ni, ipi, spiI));
    }
    return false;
  }
}
