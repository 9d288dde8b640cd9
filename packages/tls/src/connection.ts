/**
 * The sans-I/O connection core shared by client and server: records in, events out. It owns the
 * record deframer, record protection, handshake reassembly, the alert protocol (RFC 8446 §6) and
 * the one shared check that a handshake message is one the current state awaits. It never throws
 * from `receive`: bad input ends the connection with the right alert, reported as events.
 */
import { CryptoError, type CryptoProvider, type RandomSource } from '@layersec/crypto-primitives';
import { DecodeError, toHex } from '@layersec/wire';
import type { CommonConfig, SessionInfo, TlsVersionName } from './config.js';
import {
  AlertDescription,
  AlertLevel,
  ContentType,
  HandshakeType,
  MAX_CIPHERTEXT_TLS12,
  MAX_PLAINTEXT,
  nameOf,
} from './constants.js';
import { TlsAlertError } from './errors.js';
import { decodeAlert, encodeAlert } from './messages/alert.js';
import { DEFAULT_MAX_HANDSHAKE_MESSAGE, HandshakeReassembler, type HandshakeMessage } from './messages/handshake.js';
import type { RecordProtection } from './record/protection.js';
import { RecordDeframer, encodeRecord, type TlsRecord } from './record/record.js';

/** A resumption ticket a client keeps (RFC 8446 §4.6.1). */
export interface SessionTicket {
  readonly ticket: Uint8Array;
  readonly psk: Uint8Array;
  readonly cipherSuite: number;
  readonly lifetimeSeconds: number;
  readonly ticketAgeAdd: number;
  readonly receivedAt: number;
  readonly serverName: string | undefined;
  readonly alpnProtocol: string | undefined;
  readonly maxEarlyDataSize: number;
  /**
   * A TLS 1.2 session (RFC 5077 ticket, or RFC 5246 §7.4.1.2 session ID when `ticket` is empty):
   * `psk` is then the session's master secret.
   */
  readonly tls12?: { readonly extendedMasterSecret: boolean; readonly sessionId?: Uint8Array };
}

export type TlsEvent =
  /** Bytes to write to the transport, in order. */
  | { readonly type: 'transmit'; readonly data: Uint8Array }
  /** Application data from the peer, integrity-checked. */
  | { readonly type: 'applicationData'; readonly data: Uint8Array }
  | { readonly type: 'handshakeComplete'; readonly session: SessionInfo }
  /** A secret in SSLKEYLOGFILE form (`line` is `LABEL <client_random> <secret>`). */
  | { readonly type: 'keylog'; readonly label: string; readonly clientRandom: Uint8Array; readonly secret: Uint8Array; readonly line: string }
  /** We ended the connection with this alert. */
  | { readonly type: 'alertSent'; readonly error: TlsAlertError }
  /** The peer ended the connection with this alert. */
  | { readonly type: 'alertReceived'; readonly error: TlsAlertError }
  /** The peer sent close_notify: no more data will come. */
  | { readonly type: 'peerClosed' }
  | { readonly type: 'sessionTicket'; readonly ticket: SessionTicket };

/** One state of the handshake: the messages it awaits and what each leads to. */
export interface HandshakeState<C> {
  readonly name: string;
  readonly expects: readonly number[];
  handle(conn: C, msg: HandshakeMessage): HandshakeState<C>;
}

/** Converts anything thrown while processing peer input into the alert that answers it. */
export function toAlert(e: unknown): TlsAlertError {
  if (e instanceof TlsAlertError) return e;
  if (e instanceof DecodeError) return new TlsAlertError(AlertDescription.decode_error, e.message);
  if (e instanceof CryptoError) {
    const d = e.code === 'invalid-public-key' ? AlertDescription.illegal_parameter : AlertDescription.decrypt_error;
    return new TlsAlertError(d, e.message);
  }
  return new TlsAlertError(AlertDescription.internal_error, e instanceof Error ? e.message : String(e));
}

export abstract class TlsConnection<C extends TlsConnection<C>> {
  /** @internal */ readonly provider: CryptoProvider;
  /** @internal */ readonly random: RandomSource;
  /** @internal */ readonly now: () => number;
  private readonly events: TlsEvent[] = [];
  private readonly deframer = new RecordDeframer(MAX_CIPHERTEXT_TLS12);
  /** @internal */ readonly reassembler: HandshakeReassembler;
  /** @internal */ readProtection: RecordProtection | undefined;
  /** @internal */ writeProtection: RecordProtection | undefined;
  /** @internal */ state: HandshakeState<C> | undefined;
  /** Handshake bytes queued for the next flush (so a flight shares records, as RFC 8448 shows). */
  private pendingHandshake: Uint8Array[] = [];
  /** The version on outgoing records (0x0301 for an initial ClientHello, RFC 8446 §5.1). */
  /** @internal */ recordVersion = 0x0303;
  /** Largest plaintext per record we send (2^14, or the peer's record_size_limit, RFC 8449 §4). */
  /** @internal */ maxFragment = MAX_PLAINTEXT;
  /** @internal */ negotiatedVersion: TlsVersionName | undefined;
  /** TLS 1.3: change_cipher_spec records are dropped until the peer's Finished (§5). */
  /** @internal */ acceptCompatCcs = false;
  /**
   * A peer that fails on our first flight alerts before it has keys; until its first protected
   * record arrives, an unprotected alert is read as such (so its description is reported).
   */
  private plaintextAlertAllowed = true;
  /** @internal TLS 1.3 compatibility mode (D.4): a change_cipher_spec goes before our next record. */
  pendingCompatCcs = false;
  private failed: TlsAlertError | undefined;
  private peerClosed = false;
  private sentClose = false;
  session: SessionInfo | undefined;

  constructor(readonly config: CommonConfig) {
    this.provider = config.provider;
    this.random = config.random ?? config.provider.random;
    this.now = config.now ?? Date.now;
    this.reassembler = new HandshakeReassembler(config.maxHandshakeMessageLength ?? DEFAULT_MAX_HANDSHAKE_MESSAGE);
  }

  /** The events produced since the last call, oldest first. */
  takeEvents(): TlsEvent[] {
    return this.events.splice(0, this.events.length);
  }

  get isHandshakeComplete(): boolean {
    return this.session !== undefined;
  }

  /** The alert that ended the connection, if one did. */
  get error(): TlsAlertError | undefined {
    return this.failed;
  }

  get isClosed(): boolean {
    return this.failed !== undefined || (this.peerClosed && this.sentClose);
  }

  /** The name of the state awaiting the next handshake message (for the lab's ladder diagrams). */
  get stateName(): string {
    return this.state?.name ?? 'none';
  }

  /** @internal The handshake finished: record what it negotiated and tell the application. */
  complete(session: SessionInfo): void {
    this.session = session;
    this.emit({ type: 'handshakeComplete', session });
  }

  /** @internal */ emit(e: TlsEvent): void {
    this.events.push(e);
  }

  /** Bytes from the transport. Never throws for bad input: it becomes an alert and events. */
  receive(bytes: Uint8Array): void {
    if (this.failed) return;
    try {
      this.deframer.push(bytes);
      for (let rec = this.deframer.next(); rec; rec = this.failed ? undefined : this.deframer.next()) this.processRecord(rec);
    } catch (e) {
      this.fail(e);
    }
  }

  /** Sends application data (fragmented to the record size limit). */
  send(data: Uint8Array): void {
    if (this.failed) throw this.failed;
    if (!this.session) throw new Error('TLS handshake not complete');
    if (this.sentClose) throw new Error('TLS connection closed for writing');
    if (data.length === 0) return;
    // RFC 8446 §5.5: rekey well before the AEAD's limit (2^24.5 full records for AES-GCM).
    const limit = BigInt(this.config.keyUpdateAfterRecords ?? 1 << 23);
    if (this.session.protocol === 'TLSv1.3' && this.writeProtection && this.writeProtection.writeSequence >= limit) this.keyUpdate(false);
    const step = this.maxFragment * Number(limit < 64n ? limit : 64n);
    for (let off = 0; off < data.length; off += step) {
      this.writeRecords(ContentType.application_data, data.subarray(off, off + step));
      if (this.session.protocol === 'TLSv1.3' && this.writeProtection && this.writeProtection.writeSequence >= limit && off + step < data.length) {
        this.keyUpdate(false);
      }
    }
  }

  /** Sends KeyUpdate and moves to the next write traffic secret (TLS 1.3, RFC 8446 §4.6.3). */
  abstract keyUpdate(requestPeerUpdate?: boolean): void;

  /** Sends close_notify (RFC 8446 §6.1); further sends are refused. */
  close(): void {
    if (this.failed || this.sentClose) return;
    this.sentClose = true;
    this.flushHandshake();
    this.writeRecords(ContentType.alert, encodeAlert({ level: AlertLevel.warning, description: AlertDescription.close_notify }));
  }

  private fail(e: unknown): void {
    const err = toAlert(e);
    this.failed = err;
    this.pendingHandshake = [];
    try {
      this.writeRecords(ContentType.alert, encodeAlert({ level: AlertLevel.fatal, description: err.description }));
    } catch {
      // the alert could not be protected (sequence exhausted): the connection ends without it
    }
    this.emit({ type: 'alertSent', error: err });
  }

  /** Aborts from the application side with an alert (user_canceled, internal_error...). */
  abort(description: AlertDescription, detail: string): void {
    if (!this.failed) this.fail(new TlsAlertError(description, detail));
  }

  private processRecord(rec: TlsRecord): void {
    if (rec.type === ContentType.change_cipher_spec) return this.onChangeCipherSpec(rec);
    let type = rec.type;
    let content = rec.fragment;
    const plainAlert = rec.type === ContentType.alert && this.plaintextAlertAllowed && this.negotiatedVersion !== 'TLSv1.2';
    if (this.readProtection && !plainAlert) {
      ({ type, content } = this.readProtection.open(rec));
      this.plaintextAlertAllowed = false;
    } else if (rec.fragment.length > MAX_PLAINTEXT) {
      throw new TlsAlertError(AlertDescription.record_overflow, `plaintext record of ${rec.fragment.length} bytes`);
    }
    // RFC 8446 §5.1: zero-length Handshake or Alert fragments are refused.
    if (content.length === 0 && type !== ContentType.application_data) {
      throw new TlsAlertError(AlertDescription.unexpected_message, `empty ${nameOf(ContentType, type)} record`);
    }
    switch (type) {
      case ContentType.handshake:
        if (this.peerClosed) throw new TlsAlertError(AlertDescription.unexpected_message, 'handshake after close_notify');
        this.reassembler.push(content);
        for (let m = this.reassembler.next(); m; m = this.failed ? undefined : this.reassembler.next()) this.onHandshake(m);
        return;
      case ContentType.alert:
        return this.onAlert(content);
      case ContentType.application_data:
        if (!this.session || !this.applicationDataReadable()) {
          throw new TlsAlertError(AlertDescription.unexpected_message, 'application data before the handshake finished');
        }
        if (this.reassembler.hasPartial) throw new TlsAlertError(AlertDescription.unexpected_message, 'application data inside a handshake message');
        if (this.peerClosed) throw new TlsAlertError(AlertDescription.unexpected_message, 'application data after close_notify');
        if (content.length) this.emit({ type: 'applicationData', data: content.slice() });
        return;
      default:
        throw new TlsAlertError(AlertDescription.unexpected_message, `record of content type ${type}`);
    }
  }

  /** Whether application data may arrive now (TLS 1.3 read keys are the application keys). */
  protected applicationDataReadable(): boolean {
    return true;
  }

  protected onChangeCipherSpec(rec: TlsRecord): void {
    // RFC 8446 §5: one unprotected 0x01 byte between the first ClientHello and the peer's Finished is dropped.
    if (this.negotiatedVersion !== 'TLSv1.2') {
      if (this.acceptCompatCcs && rec.fragment.length === 1 && rec.fragment[0] === 1) return;
      throw new TlsAlertError(AlertDescription.unexpected_message, 'unexpected change_cipher_spec');
    }
    this.onTls12ChangeCipherSpec(rec);
  }

  /**
   * TLS 1.2 (RFC 5246 §7.1): ChangeCipherSpec switches the read side to the pending state; it is
   * only expected where a state has prepared one (`ccsNext`), and never inside a handshake message.
   */
  protected onTls12ChangeCipherSpec(rec: TlsRecord): void {
    const next = this.ccsNext;
    if (!next) throw new TlsAlertError(AlertDescription.unexpected_message, 'unexpected change_cipher_spec');
    if (rec.fragment.length !== 1 || rec.fragment[0] !== 1) throw new TlsAlertError(AlertDescription.decode_error, 'malformed change_cipher_spec');
    this.ccsNext = undefined;
    this.setReadProtection(next.protection);
    this.state = next.state;
  }

  /** @internal TLS 1.2: the read protection and state a ChangeCipherSpec from the peer moves to. */
  ccsNext: { protection: RecordProtection; state: HandshakeState<C> } | undefined;

  private onAlert(content: Uint8Array): void {
    const alert = decodeAlert(content);
    if (alert.description === AlertDescription.close_notify) {
      this.peerClosed = true;
      this.emit({ type: 'peerClosed' });
      return;
    }
    // RFC 8446 §6: in TLS 1.3 every alert but close_notify ends the connection, whatever its level.
    if (alert.level === AlertLevel.warning && this.negotiatedVersion === 'TLSv1.2' && alert.description !== AlertDescription.user_canceled) {
      return;
    }
    const err = new TlsAlertError(alert.description, 'alert from peer', false, alert.level as AlertLevel);
    this.failed = err;
    this.emit({ type: 'alertReceived', error: err });
  }

  /** The one shared check: a message the current state does not await is unexpected_message. */
  private onHandshake(m: HandshakeMessage): void {
    const state = this.state;
    if (!state || !state.expects.includes(m.msg_type)) {
      throw new TlsAlertError(
        AlertDescription.unexpected_message,
        `${nameOf(HandshakeType, m.msg_type)} while in ${state?.name ?? 'no handshake state'}`,
      );
    }
    this.state = state.handle(this as unknown as C, m);
  }

  // --- output ---

  /** Queues a handshake message; it is sent with the next flush, packed into records. */
  queueHandshake(raw: Uint8Array): void {
    this.pendingHandshake.push(raw);
  }

  /** Writes the queued handshake messages under the current write protection. */
  flushHandshake(): void {
    if (this.pendingHandshake.length === 0) return;
    const total = this.pendingHandshake.reduce((n, m) => n + m.length, 0);
    const all = new Uint8Array(total);
    let o = 0;
    for (const m of this.pendingHandshake) {
      all.set(m, o);
      o += m.length;
    }
    this.pendingHandshake = [];
    this.writeRecords(ContentType.handshake, all);
  }

  /** An unprotected change_cipher_spec record (TLS 1.2, or the TLS 1.3 compatibility one). */
  /** @internal */ writeChangeCipherSpec(): void {
    this.flushHandshake();
    this.emit({ type: 'transmit', data: encodeRecord(ContentType.change_cipher_spec, 0x0303, Uint8Array.of(1)) });
  }

  /** @internal */ writeRecords(type: number, data: Uint8Array): void {
    const out: Uint8Array[] = [];
    if (this.pendingCompatCcs) {
      this.pendingCompatCcs = false;
      out.push(encodeRecord(ContentType.change_cipher_spec, 0x0303, Uint8Array.of(1)));
    }
    for (let off = 0; off < data.length || (off === 0 && data.length === 0); off += this.maxFragment) {
      const frag = data.subarray(off, Math.min(data.length, off + this.maxFragment));
      out.push(this.writeProtection ? this.writeProtection.seal(type, frag) : encodeRecord(type, this.recordVersion, frag));
      if (data.length === 0) break;
    }
    const total = out.reduce((n, r) => n + r.length, 0);
    const bytes = new Uint8Array(total);
    let o = 0;
    for (const r of out) {
      bytes.set(r, o);
      o += r.length;
    }
    this.emit({ type: 'transmit', data: bytes });
  }

  /** Installs new read protection; a handshake message must not span a key change (§5.1). */
  /** @internal */ setReadProtection(p: RecordProtection | undefined): void {
    if (this.reassembler.hasPartial) {
      throw new TlsAlertError(AlertDescription.unexpected_message, 'handshake message spans a key change');
    }
    this.readProtection = p;
  }

  /** @internal */ setWriteProtection(p: RecordProtection | undefined): void {
    this.flushHandshake();
    this.writeProtection = p;
  }

  /** @internal */ keylog(label: string, clientRandom: Uint8Array, secret: Uint8Array): void {
    this.emit({
      type: 'keylog',
      label,
      clientRandom,
      secret: secret.slice(),
      line: `${label} ${toHex(clientRandom)} ${toHex(secret)}`,
    });
  }
}
