/** Alert (RFC 8446 §6; RFC 5246 §7.2). */
import { Reader, Writer } from '@layersec/wire';

export interface Alert {
  readonly level: number;
  readonly description: number;
}
export function encodeAlert(a: Alert): Uint8Array {
  return new Writer(2).u8(a.level).u8(a.description).finish();
}
export function decodeAlert(bytes: Uint8Array): Alert {
  const r = new Reader(bytes);
  const level = r.u8('Alert.level');
  const description = r.u8('Alert.description');
  r.expectEnd('Alert');
  return { level, description };
}
