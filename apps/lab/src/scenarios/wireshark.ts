/**
 * Key material in the forms Wireshark reads, and the tshark command lines that use it:
 * SSLKEYLOGFILE for TLS/DTLS, and the `esp_sa` UAT file (one line per SA, quoted fields in the
 * order of Wireshark's ESP preferences table).
 */
import type { WiresharkEspSa } from './run.js';

export function keylogFile(lines: readonly string[]): string {
  return lines.map((l) => `${l}\n`).join('');
}

/** Wireshark's `esp_sa` UAT file: protocol, source, destination, SPI, encryption, key, authentication, key. */
export function espSaFile(sas: readonly WiresharkEspSa[]): string {
  return sas.map((sa) => `${espSaFields(sa).map((f) => `"${f}"`).join(',')}\n`).join('');
}

function espSaFields(sa: WiresharkEspSa): string[] {
  return [
    'IPv4',
    sa.source,
    sa.destination,
    `0x${sa.spi.toString(16).padStart(8, '0')}`,
    sa.encryption,
    `0x${sa.encryptionKey}`,
    sa.authentication,
    sa.authenticationKey ? `0x${sa.authenticationKey}` : '',
  ];
}

/** Quotes an argument for a POSIX shell when it needs it. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The tshark arguments that read `capture` with the key material beside it. */
export function tsharkDecryptArgs(options: {
  capture: string;
  keylog?: string;
  espSas?: readonly WiresharkEspSa[];
  decodeAs?: readonly string[];
}): string[] {
  const args = ['-r', options.capture];
  if (options.keylog) args.push('-o', `tls.keylog_file:${options.keylog}`);
  for (const d of options.decodeAs ?? []) args.push('-d', d);
  if (options.espSas && options.espSas.length > 0) {
    args.push('-o', 'esp.enable_encryption_decode:TRUE', '-o', 'esp.enable_authentication_check:TRUE');
    for (const sa of options.espSas) args.push('-o', `uat:esp_sa:${espSaFields(sa).map((f) => `"${f}"`).join(',')}`);
  }
  return args;
}
