/**
 * What a driver hands back besides the result: the capture, the key material Wireshark needs, the
 * ladder of the exchange and the `--explain` narrative.
 */
import type { Capture } from './capture.js';
import type { ScenarioResult } from './result.js';

/** One row of the ladder (sequence) diagram: a packet on the observed link. */
export interface LadderPacket {
  number: number;
  timeMs: number;
  fromClientSide: boolean;
  fate: string;
  length: number;
  labels: string[];
}

/** A step of the `--explain` narrative: a heading, what happens, and the real values. */
export interface ExplainStep {
  title: string;
  text: string;
  values: Array<[string, string]>;
}

/** A packet laid out field by field (for `--explain` and the report's packet-layout diagrams). */
export interface PacketLayout {
  title: string;
  /** Fields in wire order; `bytes` is the field's length, `value` what it holds. */
  fields: Array<{ name: string; bytes: number; value: string; protected: 'clear' | 'encrypted' | 'authenticated' }>;
}

/**
 * Rows of Wireshark's UAT tables (the lines of the files of those names in a Wireshark profile,
 * and what `tshark -o uat:TABLE:ROW` takes).
 */
export interface WiresharkTables {
  esp_sa: string[];
  ikev2_decryption_table: string[];
}

export interface ScenarioRun {
  result: Omit<ScenarioResult, 'files' | 'tshark'>;
  capture: Capture;
  /** Names of the ladder's two columns (client side, server side). */
  endpoints: { client: string; server: string };
  ladder: LadderPacket[];
  keylogLines: string[];
  /** IPsec key material for Wireshark (empty for TLS). */
  uat: WiresharkTables;
  /** tshark `-d` rules so the capture is dissected as the protocol it carries. */
  decodeAs: string[];
  explain: ExplainStep[];
  layouts: PacketLayout[];
  /** Extra files to write beside the capture (name → text), e.g. the lab CA's certificate. */
  extraFiles: Record<string, string>;
}
