/**
 * The DTLS 1.2 record layer (RFC 6347 §4.1): per-epoch write sequence numbers and keys, per-epoch
 * read keys with an anti-replay window each (§4.1.2.6, wire's ReplayWindow in its 48-bit mode),
 * and the silent, counted drops of §4.1.2.7: records that are malformed, of an epoch we have no
 * keys for, replayed, or that fail integrity are discarded without an alert.
 */
import { ReplayCheck, ReplayWindow } from '@layersec/wire';
import { MAX_RECORD_SEQUENCE } from '../constants.js';
import { encodeDtlsRecord, splitDatagram, type DtlsRecord } from './record.js';
import type { DtlsAeadProtection } from './protection.js';

/** Why a record was dropped; each has a counter in {@link RecordLayerStats}. */
export type DropReason = 'malformed' | 'unknown_epoch' | 'replay' | 'too_old' | 'bad_record_mac' | 'unexpected_version';

export interface RecordLayerStats {
  recordsSent: number;
  recordsReceived: number;
  dropped: Record<DropReason, number>;
}

/** A record whose protection has been removed and checked. */
export interface OpenedRecord {
  readonly type: number;
  readonly epoch: number;
  readonly sequenceNumber: number;
  readonly content: Uint8Array;
}

interface ReadEpoch {
  readonly protection: DtlsAeadProtection | null;
  readonly window: ReplayWindow;
}

export interface RecordLayerOptions {
  /** Anti-replay window size in records (a power of two, 64..65536; default 1024). */
  replayWindowSize?: number;
  /** RFC 6347 §4.1.2.6: anti-replay may be turned off by an application that tolerates duplicates. */
  replayProtection?: boolean;
}

export class DtlsRecordLayer {
  readonly stats: RecordLayerStats = {
    recordsSent: 0,
    recordsReceived: 0,
    dropped: { malformed: 0, unknown_epoch: 0, replay: 0, too_old: 0, bad_record_mac: 0, unexpected_version: 0 },
  };
  /** The version written in record headers; RFC 6347 §4.1 allows a first ClientHello to use DTLS 1.0. */
  version: number;
  private writeEpochValue = 0;
  private readonly writeSeq = new Map<number, number>([[0, 0]]);
  private readonly writeKeys = new Map<number, DtlsAeadProtection | null>([[0, null]]);
  private readonly readEpochs = new Map<number, ReadEpoch>();
  /** The version the peer must use once it is known (undefined: any DTLS version). */
  peerVersion: number | undefined;

  constructor(
    version: number,
    private readonly options: RecordLayerOptions = {},
  ) {
    this.version = version;
    this.readEpochs.set(0, { protection: null, window: this.newWindow() });
  }

  private newWindow(): ReplayWindow {
    return new ReplayWindow({ size: this.options.replayWindowSize ?? 1024 });
  }

  get writeEpoch(): number {
    return this.writeEpochValue;
  }

  /** Installs keys for `epoch` in the write direction and starts writing with it (RFC 6347 §4.1: seq restarts at 0). */
  setWriteEpoch(epoch: number, protection: DtlsAeadProtection): void {
    this.writeKeys.set(epoch, protection);
    if (!this.writeSeq.has(epoch)) this.writeSeq.set(epoch, 0);
    this.writeEpochValue = epoch;
  }

  /** Installs read keys for `epoch` (kept beside the older epoch so that reordered records still open). */
  setReadEpoch(epoch: number, protection: DtlsAeadProtection): void {
    if (this.readEpochs.has(epoch)) return;
    this.readEpochs.set(epoch, { protection, window: this.newWindow() });
    // Only the two newest epochs are kept (the handshake's epoch 0 and the first protected epoch).
    for (const e of [...this.readEpochs.keys()]) if (e < epoch - 1) this.readEpochs.delete(e);
  }

  /**
   * Continues writing `epoch` at `sequenceNumber`: a server that answered a ClientHello
   * statelessly goes on from that ClientHello's record sequence number (RFC 6347 §4.2.1).
   */
  setWriteSequence(epoch: number, sequenceNumber: number): void {
    if (!this.writeKeys.has(epoch)) throw new RangeError(`no write keys for epoch ${epoch}`);
    this.writeSeq.set(epoch, sequenceNumber);
  }

  /** Forgets the records seen in epoch 0 (a HelloVerifyRequest belongs to no connection, RFC 6347 §4.2.1). */
  resetReadWindow(epoch: number): void {
    const e = this.readEpochs.get(epoch);
    if (e) this.readEpochs.set(epoch, { protection: e.protection, window: this.newWindow() });
  }

  /** Marks a record as received (the ClientHello a stateless server answered before this layer existed). */
  markReceived(epoch: number, sequenceNumber: number): void {
    const e = this.readEpochs.get(epoch);
    if (e && e.window.checkSequence(sequenceNumber) === ReplayCheck.OK) e.window.updateSequence(sequenceNumber);
  }

  hasReadEpoch(epoch: number): boolean {
    return this.readEpochs.has(epoch);
  }

  /** Overhead of protection at `epoch` (0 for the null protection of epoch 0). */
  overhead(epoch: number): number {
    return this.writeKeys.get(epoch)?.overhead ?? 0;
  }

  /** The record (header and protected fragment) for `content` at `epoch` (default: the current write epoch). */
  seal(type: number, content: Uint8Array, epoch = this.writeEpochValue, sequenceNumber?: number): Uint8Array {
    const seq = sequenceNumber ?? this.writeSeq.get(epoch);
    if (seq === undefined || !this.writeKeys.has(epoch)) throw new RangeError(`no write keys for epoch ${epoch}`);
    // RFC 6347 §4.1: the sequence number must not wrap within an epoch.
    if (seq > MAX_RECORD_SEQUENCE) throw new RangeError(`record sequence numbers of epoch ${epoch} exhausted`);
    if (sequenceNumber === undefined) this.writeSeq.set(epoch, seq + 1);
    const keys = this.writeKeys.get(epoch)!;
    const fragment = keys ? keys.seal(type, this.version, epoch, seq, content) : content;
    this.stats.recordsSent++;
    return encodeDtlsRecord({ type, version: this.version, epoch, sequenceNumber: seq, fragment });
  }

  /**
   * Opens every record of a datagram. Records that do not pass are dropped and counted here; the
   * replay window moves only for records whose integrity has been verified (RFC 6347 §4.1.2.6).
   */
  open(datagram: Uint8Array): OpenedRecord[] {
    return [...this.openEach(datagram)];
  }

  /**
   * Opens the records of a datagram one at a time, so that keys installed while handling one
   * record (ClientKeyExchange) already open the next (Finished under the new epoch).
   */
  *openEach(datagram: Uint8Array): Generator<OpenedRecord> {
    const { records, malformedTail } = splitDatagram(datagram);
    for (const r of records) {
      const opened = this.openRecord(r);
      if (opened) yield opened;
    }
    if (malformedTail) this.stats.dropped.malformed++;
  }

  private openRecord(r: DtlsRecord): OpenedRecord | undefined {
    if (this.peerVersion !== undefined && r.version !== this.peerVersion) {
      this.stats.dropped.unexpected_version++;
      return undefined;
    }
    const e = this.readEpochs.get(r.epoch);
    if (!e) {
      this.stats.dropped.unknown_epoch++;
      return undefined;
    }
    if (this.options.replayProtection !== false) {
      const c = e.window.checkSequence(r.sequenceNumber);
      if (c !== ReplayCheck.OK) {
        this.stats.dropped[c === ReplayCheck.REPLAY ? 'replay' : 'too_old']++;
        return undefined;
      }
    }
    let content: Uint8Array;
    if (e.protection) {
      const plain = e.protection.open(r);
      if (plain === null) {
        this.stats.dropped.bad_record_mac++;
        return undefined;
      }
      content = plain;
    } else {
      content = r.fragment.slice();
    }
    if (this.options.replayProtection !== false) e.window.updateSequence(r.sequenceNumber);
    this.stats.recordsReceived++;
    return { type: r.type, epoch: r.epoch, sequenceNumber: r.sequenceNumber, content };
  }
}
