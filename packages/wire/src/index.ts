export { DecodeError } from './errors.js';
export { Reader } from './reader.js';
export { Writer } from './writer.js';
export { toHex, fromHex, concatBytes, bytesEqual, utf8, fromUtf8, uintToBytes, bytesToBigInt } from './bytes.js';
export { ReplayWindow, ReplayCheck, type ReplayWindowOptions } from './replay-window.js';
export { readPcap, writePcap, ipPacketOf, LinkType, MAX_PCAP_RECORD_LENGTH, type PcapFile, type PcapRecord, type WritePcapOptions } from './pcap.js';
