/**
 * PEM, the textual encoding of RFC 7468: "-----BEGIN <label>-----", Base64 (RFC 4648 §4) of the
 * DER, "-----END <label>-----". Text between blocks (such as openssl's "subject=" lines) is
 * ignored, as RFC 7468 §2 allows. Explanatory headers (RFC 1421 "Proc-Type:", i.e. encrypted
 * legacy keys) are refused.
 */
import { CryptoError } from '../errors.js';

export interface PemBlock {
  /** The label, e.g. "CERTIFICATE", "PRIVATE KEY", "EC PRIVATE KEY". */
  readonly label: string;
  readonly der: Uint8Array;
}

/** Upper bound on the text accepted, so that a hostile file costs bounded memory. */
export const MAX_PEM_LENGTH = 16 * 1024 * 1024;

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Strict Base64 (RFC 4648 §4) with padding; white space between characters is skipped. */
export function base64Decode(text: string): Uint8Array {
  const clean = text.replace(/[ \t\r\n]/g, '');
  if (clean.length % 4 !== 0) throw new CryptoError('bad-encoding', 'Base64: length is not a multiple of 4');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((clean.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let v = 0;
    for (let j = 0; j < 4; j++) {
      const c = clean.charCodeAt(i + j);
      const isPad = c === 61 /* = */ && i + 4 === clean.length && j >= 4 - padding;
      const d = isPad ? 0 : c < 128 ? B64_INDEX[c] : -1;
      if (d < 0) throw new CryptoError('bad-encoding', `Base64: bad character at ${i + j}`);
      v = (v << 6) | d;
    }
    out[o++] = (v >> 16) & 0xff;
    if (o < out.length) out[o++] = (v >> 8) & 0xff;
    if (o < out.length) out[o++] = v & 0xff;
  }
  return out;
}

export function base64Encode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = bytes.length - i;
    const v = (bytes[i] << 16) | ((n > 1 ? bytes[i + 1] : 0) << 8) | (n > 2 ? bytes[i + 2] : 0);
    s += B64[(v >> 18) & 63] + B64[(v >> 12) & 63] + (n > 1 ? B64[(v >> 6) & 63] : '=') + (n > 2 ? B64[v & 63] : '=');
  }
  return s;
}

const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;

/** Every PEM block in `text`, in order. Throws CryptoError('bad-encoding') on a malformed block. */
export function decodePem(text: string): PemBlock[] {
  if (text.length > MAX_PEM_LENGTH) throw new CryptoError('bad-encoding', 'PEM: input too large');
  const blocks: PemBlock[] = [];
  BEGIN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = BEGIN.exec(text)) !== null) {
    const label = m[1];
    const endMarker = `-----END ${label}-----`;
    const bodyStart = m.index + m[0].length;
    const endAt = text.indexOf(endMarker, bodyStart);
    if (endAt < 0) throw new CryptoError('bad-encoding', `PEM: no "${endMarker}"`);
    const body = text.slice(bodyStart, endAt);
    if (body.includes(':') || body.includes('-----')) {
      throw new CryptoError('bad-encoding', `PEM: headers or nested markers in a "${label}" block are not supported`);
    }
    blocks.push({ label, der: base64Decode(body) });
    BEGIN.lastIndex = endAt + endMarker.length;
  }
  return blocks;
}

/** The PEM text of one block, with 64-character lines (RFC 7468 §2). */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = base64Encode(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** True when `input` looks like PEM text rather than DER bytes. */
export function isPemText(input: string | Uint8Array): input is string {
  return typeof input === 'string';
}
