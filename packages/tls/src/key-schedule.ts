/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1) and traffic keys (§7.3), Finished (§4.4.4), KeyUpdate
 * (§7.2) and resumption PSKs (§4.6.1), on crypto-primitives' HKDF. Kept free of connection state so
 * that DTLS 1.3 and the lab can drive it step by step.
 */
import {
  type CryptoProvider,
  type HashName,
  deriveSecret,
  hkdfExpandLabel,
  hkdfExtract,
  tls13FinishedKey,
  tls13TrafficKeys,
} from '@layersec/crypto-primitives';

const EMPTY = new Uint8Array(0);

export interface TrafficKeys {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

export class Tls13KeySchedule {
  readonly hashLength: number;
  private readonly emptyHash: Uint8Array;
  /** The current stage's secret: Early Secret, then Handshake Secret, then Master Secret. */
  earlySecret: Uint8Array;
  handshakeSecret: Uint8Array | undefined;
  masterSecret: Uint8Array | undefined;

  constructor(
    readonly provider: CryptoProvider,
    readonly hash: HashName,
    /** The PSK, or none (then HashLen zeros, §7.1). */
    psk?: Uint8Array,
  ) {
    this.hashLength = provider.hash(hash).outputLength;
    this.emptyHash = provider.hash(hash).digest(EMPTY);
    this.earlySecret = hkdfExtract(provider, hash, new Uint8Array(this.hashLength), psk ?? new Uint8Array(this.hashLength));
  }

  deriveSecret(secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
    return deriveSecret(this.provider, this.hash, secret, label, transcriptHash);
  }

  /** binder_key = Derive-Secret(Early Secret, "ext binder" | "res binder", "") (§7.1). */
  binderKey(external: boolean): Uint8Array {
    return this.deriveSecret(this.earlySecret, external ? 'ext binder' : 'res binder', this.emptyHash);
  }

  /** Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret, "derived", ""), (EC)DHE) (§7.1). */
  deriveHandshakeSecret(sharedSecret: Uint8Array | undefined): Uint8Array {
    const salt = this.deriveSecret(this.earlySecret, 'derived', this.emptyHash);
    this.handshakeSecret = hkdfExtract(this.provider, this.hash, salt, sharedSecret ?? new Uint8Array(this.hashLength));
    return this.handshakeSecret;
  }

  /** client/server_handshake_traffic_secret over ClientHello...ServerHello. */
  handshakeTrafficSecrets(helloHash: Uint8Array): { client: Uint8Array; server: Uint8Array } {
    const hs = this.required(this.handshakeSecret, 'Handshake Secret');
    return { client: this.deriveSecret(hs, 'c hs traffic', helloHash), server: this.deriveSecret(hs, 's hs traffic', helloHash) };
  }

  /** Master Secret = HKDF-Extract(Derive-Secret(Handshake Secret, "derived", ""), 0) (§7.1). */
  deriveMasterSecret(): Uint8Array {
    const salt = this.deriveSecret(this.required(this.handshakeSecret, 'Handshake Secret'), 'derived', this.emptyHash);
    this.masterSecret = hkdfExtract(this.provider, this.hash, salt, new Uint8Array(this.hashLength));
    return this.masterSecret;
  }

  /** client/server_application_traffic_secret_0 and exporter_master_secret over ClientHello...server Finished. */
  applicationTrafficSecrets(serverFinishedHash: Uint8Array): { client: Uint8Array; server: Uint8Array; exporter: Uint8Array } {
    const ms = this.required(this.masterSecret, 'Master Secret');
    return {
      client: this.deriveSecret(ms, 'c ap traffic', serverFinishedHash),
      server: this.deriveSecret(ms, 's ap traffic', serverFinishedHash),
      exporter: this.deriveSecret(ms, 'exp master', serverFinishedHash),
    };
  }

  /** resumption_master_secret over ClientHello...client Finished. */
  resumptionMasterSecret(clientFinishedHash: Uint8Array): Uint8Array {
    return this.deriveSecret(this.required(this.masterSecret, 'Master Secret'), 'res master', clientFinishedHash);
  }

  trafficKeys(secret: Uint8Array, keyLength: number, ivLength = 12): TrafficKeys {
    return tls13TrafficKeys(this.provider, this.hash, secret, keyLength, ivLength);
  }

  /** verify_data = HMAC(finished_key, Transcript-Hash(...)) (§4.4.4). */
  finishedVerifyData(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    const finishedKey = tls13FinishedKey(this.provider, this.hash, baseKey);
    return this.provider.hmac(this.hash, finishedKey).compute(transcriptHash);
  }

  /** Constant-time check of a received Finished. */
  verifyFinished(baseKey: Uint8Array, transcriptHash: Uint8Array, verifyData: Uint8Array): boolean {
    const finishedKey = tls13FinishedKey(this.provider, this.hash, baseKey);
    return this.provider.hmac(this.hash, finishedKey).verify(verifyData, transcriptHash);
  }

  /** application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length) (§7.2). */
  nextTrafficSecret(secret: Uint8Array): Uint8Array {
    return hkdfExpandLabel(this.provider, this.hash, secret, 'traffic upd', EMPTY, this.hashLength);
  }

  /** The PSK of a ticket: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length) (§4.6.1). */
  resumptionPsk(resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Uint8Array {
    return hkdfExpandLabel(this.provider, this.hash, resumptionMasterSecret, 'resumption', ticketNonce, this.hashLength);
  }

  private required(v: Uint8Array | undefined, name: string): Uint8Array {
    if (!v) throw new Error(`${name} is not derived yet`);
    return v;
  }
}

/**
 * The running transcript hash (RFC 8446 §4.4.1). Messages are kept until the cipher suite fixes the
 * hash; a HelloRetryRequest replaces ClientHello1 by the synthetic message_hash message.
 */
export class Transcript {
  private pending: Uint8Array[] = [];
  private ctx: ReturnType<ReturnType<CryptoProvider['hash']>['create']> | undefined;
  private hashName: HashName | undefined;

  constructor(private readonly provider: CryptoProvider) {}

  add(message: Uint8Array): void {
    if (this.ctx) this.ctx.update(message);
    else this.pending.push(message);
  }

  /** Fixes the hash; buffered messages are hashed now. */
  setHash(hash: HashName): void {
    if (this.hashName === hash && this.ctx) return;
    this.hashName = hash;
    this.ctx = this.provider.hash(hash).create();
    for (const m of this.pending) this.ctx.update(m);
  }

  get hash(): HashName | undefined {
    return this.hashName;
  }

  /** Transcript-Hash of everything added so far. */
  current(): Uint8Array {
    if (!this.ctx) throw new Error('transcript hash not chosen yet');
    return this.ctx.clone().digest();
  }

  /** Hash of the buffered messages plus `extra`, without adding `extra` (PSK binders, §4.2.11.2). */
  hashWith(hash: HashName, extra: Uint8Array): Uint8Array {
    const c = this.ctx && this.hashName === hash ? this.ctx.clone() : this.provider.hash(hash).create();
    if (!(this.ctx && this.hashName === hash)) for (const m of this.pending) c.update(m);
    return c.update(extra).digest();
  }

  /**
   * §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by
   * message_hash(254) || 00 00 Hash.length || Hash(ClientHello1).
   */
  replaceWithMessageHash(hash: HashName): void {
    this.setHash(hash);
    const digest = this.current();
    this.ctx = this.provider.hash(hash).create();
    this.ctx.update(Uint8Array.of(254, 0, 0, digest.length));
    this.ctx.update(digest);
    this.pending = [];
  }
}
