/**
 * The application exchange every protocol carries: an HTTP/1.1-style GET and its response. The
 * bytes are deterministic so the tshark check can compare what it decrypts with what was sent.
 */
import type { Workload } from './scenario.js';

const utf8 = new TextEncoder();

export function requestFor(workload: Workload, host: string): Uint8Array {
  const path = workload.kind === 'bulk' ? '/bulk.bin' : '/index.html';
  return utf8.encode(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: layersec-lab\r\nAccept: */*\r\n\r\n`);
}

export function responseBodyLength(workload: Workload): number {
  return workload.kind === 'bulk' ? workload.bytes : workload.responseBodyBytes;
}

/** Response body: readable text lines (so tshark's output shows them), numbered so every line differs. */
export function responseBody(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let o = 0;
  for (let line = 0; o < length; line++) {
    const text = utf8.encode(`layersec lab response line ${String(line).padStart(7, '0')}\n`);
    const n = Math.min(text.length, length - o);
    out.set(text.subarray(0, n), o);
    o += n;
  }
  return out;
}

export function responseFor(workload: Workload): Uint8Array {
  const body = responseBody(responseBodyLength(workload));
  const type = workload.kind === 'bulk' ? 'application/octet-stream' : 'text/html';
  const head = utf8.encode(`HTTP/1.1 200 OK\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** Collects bytes until `expected` have arrived; compares them with what was sent. */
export class ExpectedBytes {
  private received = 0;
  private mismatch = false;
  firstAtMs: number | undefined;
  lastAtMs: number | undefined;

  constructor(readonly expected: Uint8Array) {}

  push(data: Uint8Array, nowMs: number): void {
    if (this.firstAtMs === undefined) this.firstAtMs = nowMs;
    for (let i = 0; i < data.length; i++) {
      if (this.received + i >= this.expected.length || this.expected[this.received + i] !== data[i]) {
        this.mismatch = true;
        break;
      }
    }
    this.received += data.length;
    if (this.complete) this.lastAtMs = nowMs;
  }

  get complete(): boolean {
    return this.received >= this.expected.length;
  }

  /** Every byte arrived, no more, and each equals the one sent. */
  get intact(): boolean {
    return !this.mismatch && this.received === this.expected.length;
  }
}
