/**
 * What the DTLS client and server share: the record layer, the handshake reassembler, the flight
 * machine, the transcript, the event queue and the handling of alerts and application data. The
 * handshake itself is a chain of small states (`Expect*` in client.ts / server.ts), each handling
 * the messages it names; anything else is the one shared unexpected_message check.
 */
import { type CryptoProvider, type RandomSource, tls12ConnectionKeys, tls12ExtendedMasterSecret, tls12MasterSecret, tls12VerifyData } from '@layersec/crypto-primitives';
import { AlertDescription, AlertLevel, ContentType, TlsAlertError, Transcript, messages, type Tls12CipherSuite } from '@layersec/tls';
import { DecodeError, toHex } from '@layersec/wire';
import { DEFAULT_PMTU, DTLS1_2, HANDSHAKE_HEADER_LENGTH, RECORD_HEADER_LENGTH } from './constants.js';
import type { DtlsCommonConfig, DtlsEvent, DtlsSessionInfo } from './config.js';
import { FlightMachine, type FlightItem } from './handshake/flight.js';
import { decodeHandshakeFragments, encodeHandshakeFragment, HandshakeReassembler, unfragmented, type ReassembledMessage } from './handshake/fragment.js';
import { DtlsAeadProtection } from './record/protection.js';
import { DtlsRecordLayer } from './record/record-layer.js';

/** One state of the handshake: the message types it accepts and what it does with one. */
export interface HandshakeState {
  readonly name: string;
  readonly expects: readonly number[];
  handle(m: ReassembledMessage): HandshakeState;
}

export type ConnectionPhase = 'handshaking' | 'established' | 'closed';

/** Keys of both directions for epoch 1 (RFC 5246 §6.3 key_block; AEAD: no MAC keys). */
export interface EpochKeys {
  readonly client: DtlsAeadProtection;
  readonly server: DtlsAeadProtection;
}

export abstract class DtlsConnection {
  readonly provider: CryptoProvider;
  readonly random: RandomSource;
  readonly now: () => number;
  readonly mtu: number;
  readonly records: DtlsRecordLayer;
  readonly reassembler: HandshakeReassembler;
  readonly flights: FlightMachine;
  readonly transcript: Transcript;
  phase: ConnectionPhase = 'handshaking';
  session: DtlsSessionInfo | undefined;
  /** The error that ended the connection, if any. */
  error: TlsAlertError | undefined;
  protected state: HandshakeState | undefined;
  /** Handshake fragments received that carried only part of their message (RFC 6347 §4.2.3). */
  partialFragmentsReceived = 0;
  /** message_seq of the next handshake message we send. */
  protected sendSeq = 0;
  private events: DtlsEvent[] = [];
  private lastDeadline: number | undefined;

  constructor(
    readonly config: DtlsCommonConfig,
    readonly role: 'client' | 'server',
  ) {
    this.provider = config.provider;
    this.random = config.random ?? config.provider.random;
    this.now = config.now ?? Date.now;
    this.mtu = config.mtu ?? DEFAULT_PMTU;
    if (!Number.isInteger(this.mtu) || this.mtu < 128 || this.mtu > 65507) throw new RangeError(`mtu must be 128..65507 bytes, got ${config.mtu}`);
    this.records = new DtlsRecordLayer(DTLS1_2, { replayWindowSize: config.replayWindowSize });
    this.reassembler = new HandshakeReassembler({ maxMessageLength: config.maxHandshakeMessageLength });
    this.flights = new FlightMachine((f) => this.transmit(f), config.retransmit);
    this.transcript = new Transcript(config.provider);
  }

  isClosed(): boolean {
    return this.phase === 'closed';
  }

  /** Events produced since the last call, oldest first. */
  takeEvents(): DtlsEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /** The deadline for handleTimeout (undefined: no timer). */
  get nextTimeout(): number | undefined {
    return this.phase === 'closed' ? undefined : this.flights.nextTimeout;
  }

  protected emit(e: DtlsEvent): void {
    this.events.push(e);
  }

  /** Emits a timer event when the deadline changed. */
  protected syncTimer(): void {
    const d = this.nextTimeout;
    if (d !== this.lastDeadline) {
      this.lastDeadline = d;
      this.emit({ type: 'timer', deadline: d });
    }
  }

  /** Runs `fn`, turning a TlsAlertError or DecodeError into a fatal alert that ends the connection. */
  protected guard(fn: () => void): void {
    if (this.phase === 'closed') return;
    try {
      fn();
    } catch (e) {
      if (e instanceof TlsAlertError) this.abort(e);
      else if (e instanceof DecodeError) this.abort(new TlsAlertError(AlertDescription.decode_error, e.message));
      else this.abort(new TlsAlertError(AlertDescription.internal_error, e instanceof Error ? e.message : String(e)));
    }
    this.syncTimer();
  }

  /** Sends a fatal alert (when we detected the error) and closes. */
  protected abort(err: TlsAlertError): void {
    if (this.phase === 'closed') return;
    if (err.sent) this.sendAlert(AlertLevel.fatal, err.description);
    this.error = err;
    this.phase = 'closed';
    this.emit({ type: 'error', error: err });
    this.emit({ type: 'closed' });
  }

  private sendAlert(level: number, description: number): void {
    const rec = this.records.seal(ContentType.alert, messages.encodeAlert({ level, description }));
    this.emit({ type: 'datagram', data: rec });
    this.emit({ type: 'alert', level, description, sent: true });
  }

  /** The timer fired (injected clock): retransmit, or give up after the bounded number of tries. */
  handleTimeout(nowMs: number = this.now()): void {
    this.guard(() => {
      if (!this.flights.handleTimeout(nowMs)) {
        throw new TlsAlertError(AlertDescription.handshake_failure, `no answer after ${this.flights.retransmissions} retransmissions`, false);
      }
    });
  }

  /** A datagram from the peer. Bad records are dropped and counted; nothing here throws. */
  receive(datagram: Uint8Array): void {
    this.guard(() => {
      let oldSeen = false;
      let newMessage = false;
      for (const rec of this.records.openEach(datagram)) {
        if (this.isClosed()) return;
        switch (rec.type) {
          case ContentType.handshake: {
            let frags;
            try {
              frags = decodeHandshakeFragments(rec.content);
            } catch (e) {
              // An unauthenticated epoch-0 record that does not parse is dropped like any invalid record.
              if (rec.epoch === 0 && e instanceof DecodeError) {
                this.records.stats.dropped.malformed++;
                continue;
              }
              throw e;
            }
            for (const f of frags) {
              if (f.fragment_length !== f.length) this.partialFragmentsReceived++;
              if (this.reassembler.push(f, rec.epoch) === 'old') oldSeen = true;
            }
            for (let m = this.reassembler.pop(); m && !this.isClosed(); m = this.reassembler.pop()) {
              // The peer's next flight has begun: ours is acknowledged (before we answer with a new one).
              if (!newMessage) this.flights.peerFlightReceived(this.now());
              newMessage = true;
              this.onMessage(m);
            }
            break;
          }
          case ContentType.change_cipher_spec:
            // RFC 6347 §4.1: keys are bound to epochs, so the ChangeCipherSpec only announces the
            // next epoch; Finished must arrive under it (checked by the Expect*Finished states).
            if (rec.content.length !== 1 || rec.content[0] !== 1) throw new TlsAlertError(AlertDescription.decode_error, 'ChangeCipherSpec is not {1}');
            break;
          case ContentType.alert:
            // Once epoch 1 protects the connection, an unprotected (epoch 0) alert could come from
            // anyone on the path: it is dropped, not obeyed (RFC 6347 §4.1.2.7).
            if (this.phase === 'established' && rec.epoch === 0) {
              this.records.stats.dropped.unknown_epoch++;
              break;
            }
            this.onAlert(messages.decodeAlert(rec.content));
            break;
          case ContentType.application_data:
            // Only under the established epoch's keys: nothing unauthenticated is released.
            if (this.phase === 'established' && rec.epoch > 0) this.emit({ type: 'data', data: rec.content });
            else this.records.stats.dropped.unknown_epoch++;
            break;
          default:
            this.records.stats.dropped.malformed++;
        }
      }
      // RFC 6347 §4.2.4: the peer retransmitting its last flight means ours was lost.
      if (oldSeen && !newMessage) this.flights.peerRetransmitted(this.now());
    });
  }

  private onAlert(a: { level: number; description: number }): void {
    this.emit({ type: 'alert', level: a.level, description: a.description, sent: false });
    if (a.description === AlertDescription.close_notify) {
      // RFC 5246 §7.2.1: answer with our own close_notify.
      if (this.phase === 'established') this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
      this.phase = 'closed';
      this.emit({ type: 'closed' });
    } else if (a.level === AlertLevel.fatal) {
      this.abort(new TlsAlertError(a.description, 'alert from the peer', false));
    }
  }

  private onMessage(m: ReassembledMessage): void {
    const st = this.state;
    if (!st) throw new TlsAlertError(AlertDescription.unexpected_message, `handshake message ${m.msg_type} with no handshake in progress`);
    // The shared check: a message the current state does not name is unexpected (RFC 5246 §7.3).
    if (!st.expects.includes(m.msg_type)) {
      if (this.phase === 'established') return; // e.g. HelloRequest: renegotiation is not supported, ignored.
      throw new TlsAlertError(AlertDescription.unexpected_message, `${st.name} got handshake type ${m.msg_type}`);
    }
    this.state = st.handle(m);
  }

  /** A handshake message of our next flight; its unfragmented form goes into the transcript. */
  protected message(msg_type: number, body: Uint8Array, epoch = this.records.writeEpoch, hash = true): FlightItem {
    const message_seq = this.sendSeq++;
    if (hash) this.transcript.add(unfragmented(msg_type, message_seq, body));
    return { kind: 'handshake', msg_type, message_seq, body, epoch };
  }

  /** Seals a flight into records packed into datagrams of at most the PMTU (RFC 6347 §4.1.1, §4.2.3). */
  private transmit(flight: readonly FlightItem[]): void {
    const datagrams: Uint8Array[] = [];
    let cur: Uint8Array[] = [];
    let curLen = 0;
    const put = (rec: Uint8Array) => {
      if (curLen + rec.length > this.mtu && cur.length > 0) {
        datagrams.push(concat(cur, curLen));
        cur = [];
        curLen = 0;
      }
      cur.push(rec);
      curLen += rec.length;
    };
    for (const item of flight) {
      if (item.kind === 'change_cipher_spec') {
        put(this.records.seal(ContentType.change_cipher_spec, Uint8Array.of(1), item.epoch));
        continue;
      }
      // RFC 6347 §4.2.3: each fragment fits in one record that fits the PMTU; a fragment starts in
      // what is left of the current datagram when a useful part of the message fits there.
      const room = this.mtu - RECORD_HEADER_LENGTH - this.records.overhead(item.epoch);
      const body = item.body;
      let off = 0;
      do {
        const left = this.mtu - curLen - RECORD_HEADER_LENGTH - this.records.overhead(item.epoch);
        const limit = cur.length > 0 && left >= HANDSHAKE_HEADER_LENGTH + Math.min(64, body.length - off) ? left : room;
        const n = Math.min(limit - HANDSHAKE_HEADER_LENGTH, body.length - off);
        const piece = encodeHandshakeFragment({ msg_type: item.msg_type, length: body.length, message_seq: item.message_seq, fragment_offset: off, fragment: body.subarray(off, off + n) });
        put(this.records.seal(ContentType.handshake, piece, item.epoch));
        off += n;
      } while (off < body.length);
    }
    if (cur.length) datagrams.push(concat(cur, curLen));
    for (const d of datagrams) this.emit({ type: 'datagram', data: d });
  }

  /** Sends application data as one record (message semantics). Only once the handshake is done. */
  send(data: Uint8Array): void {
    if (this.phase !== 'established') throw new Error(`cannot send application data while ${this.phase}`);
    if (data.length > 1 << 14) throw new RangeError(`a DTLS record carries at most 16384 bytes, got ${data.length}`);
    this.emit({ type: 'datagram', data: this.records.seal(ContentType.application_data, data) });
  }

  /** Sends close_notify (RFC 5246 §7.2.1) and closes. */
  close(): void {
    if (this.phase === 'closed') return;
    this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
    this.phase = 'closed';
    this.emit({ type: 'closed' });
    this.syncTimer();
  }

  // --- TLS 1.2 key derivation (RFC 5246 §8.1, §6.3; RFC 7627 §4) through crypto-primitives ---

  protected masterSecret(suite: Tls12CipherSuite, pms: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, ems: boolean): Uint8Array {
    const h = suite.hash as 'SHA-256' | 'SHA-384';
    // RFC 7627 §3: session_hash covers the messages up to and including ClientKeyExchange.
    return ems ? tls12ExtendedMasterSecret(this.provider, h, pms, this.transcript.current()) : tls12MasterSecret(this.provider, h, pms, clientRandom, serverRandom);
  }

  protected epochKeys(suite: Tls12CipherSuite, ms: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): EpochKeys {
    const k = tls12ConnectionKeys(this.provider, suite.hash as 'SHA-256' | 'SHA-384', ms, serverRandom, clientRandom, {
      macKeyLength: 0,
      encKeyLength: suite.keyLength,
      fixedIvLength: suite.fixedIvLength,
    });
    return {
      client: new DtlsAeadProtection(this.provider.aead(suite.aead, k.client_write_key), k.client_write_IV),
      server: new DtlsAeadProtection(this.provider.aead(suite.aead, k.server_write_key), k.server_write_IV),
    };
  }

  protected verifyData(suite: Tls12CipherSuite, ms: Uint8Array, label: 'client finished' | 'server finished'): Uint8Array {
    return tls12VerifyData(this.provider, suite.hash as 'SHA-256' | 'SHA-384', ms, label, this.transcript.current());
  }

  /** SSLKEYLOGFILE: `CLIENT_RANDOM <client random> <master secret>`. */
  protected keylog(clientRandom: Uint8Array, ms: Uint8Array): void {
    this.emit({ type: 'keylog', line: `CLIENT_RANDOM ${toHex(clientRandom)} ${toHex(ms)}` });
  }

  protected established(info: DtlsSessionInfo): void {
    this.phase = 'established';
    this.session = info;
    this.emit({ type: 'handshakeDone', session: info });
  }
}

function concat(parts: Uint8Array[], len: number): Uint8Array {
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
