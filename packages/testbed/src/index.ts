/**
 * @layersec/testbed — harness for tests and the lab that drive real peers: processes with output
 * waits, OpenSSL and GnuTLS endpoints, a throw-away PKI, network namespaces joined by veth,
 * strongSwan charon inside them, tcpdump captures and tshark decryption. Node-only; Linux for the
 * namespace parts.
 */
export * from './errors.js';
export * from './cleanup.js';
export * from './process.js';
export * from './pki.js';
export * from './tls-peer.js';
export * from './openssl.js';
export * from './gnutls.js';
export * from './netns.js';
export * from './charon.js';
export * from './tshark.js';
