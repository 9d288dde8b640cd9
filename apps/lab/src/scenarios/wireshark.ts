/**
 * Key material in the forms Wireshark reads, and the tshark command lines that use it:
 * SSLKEYLOGFILE for TLS/DTLS, and the UAT tables `esp_sa` and `ikev2_decryption_table` (their rows
 * come from @layersec/ikev2's Wireshark helpers).
 */
import type { WiresharkTables } from './run.js';

export function keylogFile(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

/** A UAT file: one row per line. */
export function uatFile(rows: readonly string[]): string {
  return rows.map((r) => `${r}\n`).join('');
}

/** Quotes an argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The tshark arguments that read `capture` with the key material beside it. */
export function tsharkDecryptArgs(options: {
  capture: string;
  keylog?: string;
  uat?: WiresharkTables;
  decodeAs?: readonly string[];
}): string[] {
  const args = ['-r', options.capture];
  if (options.keylog) args.push('-o', `tls.keylog_file:${options.keylog}`);
  for (const d of options.decodeAs ?? []) args.push('-d', d);
  const uat = options.uat;
  if (uat && uat.esp_sa.length > 0) {
    args.push('-o', 'esp.enable_encryption_decode:TRUE', '-o', 'esp.enable_authentication_check:TRUE');
    for (const row of uat.esp_sa) args.push('-o', `uat:esp_sa:${row}`);
  }
  for (const row of uat?.ikev2_decryption_table ?? []) args.push('-o', `uat:ikev2_decryption_table:${row}`);
  return args;
}
