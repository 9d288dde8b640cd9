/**
 * Stateless cookies for the HelloVerifyRequest exchange (RFC 6347 §4.2.1): Cookie =
 * HMAC(Secret, Client-Address, Client-Parameters), with the secret changed periodically and a
 * cookie made under the previous secret still accepted. No state is kept per client.
 */
import { constantTimeEqual, type CryptoProvider, type RandomSource } from '@layersec/crypto-primitives';
import { utf8, Writer } from '@layersec/wire';
import type { DtlsClientHello } from './handshake/messages.js';

export interface CookieOptions {
  provider: CryptoProvider;
  random: RandomSource;
  now: () => number;
  /** How often the secret changes (default 5 minutes). */
  rotateAfterMs?: number;
}

export class CookieJar {
  private current: Uint8Array;
  private previous: Uint8Array | undefined;
  private rotatedAt: number;
  private readonly rotateAfterMs: number;

  constructor(private readonly options: CookieOptions) {
    this.current = options.random.randomBytes(32);
    this.rotatedAt = options.now();
    this.rotateAfterMs = options.rotateAfterMs ?? 300_000;
  }

  /** Replaces the secret; cookies of the one before stay valid until the next rotation. */
  rotate(): void {
    this.previous = this.current;
    this.current = this.options.random.randomBytes(32);
    this.rotatedAt = this.options.now();
  }

  private maybeRotate(): void {
    if (this.options.now() - this.rotatedAt >= this.rotateAfterMs) this.rotate();
  }

  /**
   * The client parameters the cookie binds: version, random, session_id, cipher_suites and
   * compression_methods of the ClientHello (§4.2.1: the second ClientHello repeats them).
   */
  private static parameters(address: string, ch: DtlsClientHello): Uint8Array {
    const w = new Writer(128).vectorBytes(1, utf8(address).subarray(0, 255)).u16(ch.legacy_version).bytes(ch.random).vectorBytes(1, ch.legacy_session_id);
    w.vector(2, (v) => {
      for (const s of ch.cipher_suites) v.u16(s);
    });
    return w.vectorBytes(1, ch.legacy_compression_methods).finish();
  }

  private mac(secret: Uint8Array, address: string, ch: DtlsClientHello): Uint8Array {
    return this.options.provider.hmac('SHA-256', secret).compute(CookieJar.parameters(address, ch));
  }

  make(address: string, ch: DtlsClientHello): Uint8Array {
    this.maybeRotate();
    return this.mac(this.current, address, ch);
  }

  verify(address: string, ch: DtlsClientHello): boolean {
    this.maybeRotate();
    if (ch.cookie.length !== 32) return false;
    if (constantTimeEqual(ch.cookie, this.mac(this.current, address, ch))) return true;
    return this.previous !== undefined && constantTimeEqual(ch.cookie, this.mac(this.previous, address, ch));
  }
}
