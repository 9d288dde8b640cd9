export { DecodeError } from './errors.js';
export { Reader } from './reader.js';
export { Writer } from './writer.js';
export { toHex, fromHex, concatBytes, bytesEqual, utf8, fromUtf8, uintToBytes, bytesToBigInt } from './bytes.js';
