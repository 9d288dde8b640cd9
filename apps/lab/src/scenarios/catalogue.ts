/**
 * The scenario catalogue: every scenario the lab can run, as data. `lab list` prints it; `lab`
 * with no arguments runs the ones marked `standard` (the standard comparison).
 *
 * The standard link: 10 ms one way, 100 Mbit/s, MTU 1500 — a small continental path.
 */
import type { Impairments } from '../substrates/memory/network.js';
import type { Measure, Scenario, Workload } from './scenario.js';

const LINK: Impairments = { delayMs: 10, bandwidthMbps: 100 };
const LOSSY_LINK: Impairments = { ...LINK, loss: 0.02 };
const HTTP: Workload = { kind: 'request-response', responseBodyBytes: 2048 };
const BULK: Workload = { kind: 'bulk', bytes: 10 * 1024 * 1024 };
const LOSS_BULK: Workload = { kind: 'bulk', bytes: 1024 * 1024 };
const ALL: readonly Measure[] = ['overhead', 'handshake', 'time-to-first-byte', 'throughput', 'cpu', 'observer'];
const LOSS: readonly Measure[] = [...ALL, 'loss-behaviour'];
/** The lossy runs share one seed, so their links draw from the same random stream. */
const LOSS_SEED = 'bulk-2pct-loss';

export const CATALOGUE: readonly Scenario[] = [
  {
    name: 'tcp-plain-http',
    title: 'Plain TCP, HTTP-style GET (baseline, no protection)',
    description: 'The unprotected baseline: the same request and response over bare TCP, so every overhead below can be read against it.',
    protocol: 'tcp', mode: 'stream', auth: 'none', topology: 'host-to-host', substrates: ['memory', 'loopback'],
    impairments: LINK, workload: HTTP, measures: ALL, seed: 'tcp-plain-http', standard: true,
  },
  {
    name: 'tls13-x509-http',
    title: 'TLS 1.3 over TCP, X.509 certificates, HTTP-style GET',
    description:
      'TLS 1.3 (RFC 8446) with an ECDSA P-256 server certificate issued at run time by the lab CA (crypto-primitives X.509 builder); ' +
      'the client checks chain and host name server.lab.test.',
    protocol: 'tls1.3', mode: 'stream', auth: 'x509', topology: 'host-to-host', substrates: ['memory', 'loopback'],
    impairments: LINK, workload: HTTP, measures: ALL, seed: 'tls13-x509-http', standard: true,
  },
  {
    name: 'tls13-psk-http',
    title: 'TLS 1.3 over TCP, external PSK (psk_dhe_ke), HTTP-style GET',
    description: 'TLS 1.3 authenticated by a 32-byte external pre-shared key (RFC 8446 §4.2.11) with an ECDHE exchange: no certificate crosses the wire.',
    protocol: 'tls1.3', mode: 'stream', auth: 'psk', topology: 'host-to-host', substrates: ['memory', 'loopback'],
    impairments: LINK, workload: HTTP, measures: ALL, seed: 'tls13-psk-http', standard: true,
  },
  {
    name: 'tls13-resumed-http',
    title: 'TLS 1.3 over TCP, resumed with a session ticket, HTTP-style GET',
    description:
      'A first connection (full handshake, certificate) leaves the client a NewSessionTicket; the measured second connection resumes with it ' +
      '(psk_dhe_ke, RFC 8446 §2.2): no certificate, fewer handshake bytes. The capture holds both connections (tcp.stream 0 and 1).',
    protocol: 'tls1.3', mode: 'stream', auth: 'x509', topology: 'host-to-host', substrates: ['memory'],
    impairments: LINK, workload: HTTP, measures: ALL, seed: 'tls13-resumed-http', standard: true, resumption: true,
  },
  {
    name: 'tls13-x509-http-gateways',
    title: 'TLS 1.3 between hosts on two LANs, across two gateways',
    description:
      'The topology of the ESP tunnel rows: client 10.1.0.10 behind gw-a, server 10.2.0.10 behind gw-b, the tap on the gw-a–gw-b link. ' +
      'TLS runs end to end; the gateways only route, so the observer between them reads the inner addresses and ports.',
    protocol: 'tls1.3', mode: 'stream', auth: 'x509', topology: 'gateway-to-gateway', substrates: ['memory'],
    impairments: LINK, workload: HTTP, measures: ALL, seed: 'tls13-x509-http-gateways', standard: true,
  },
  {
    name: 'tls12-x509-http',
    title: 'TLS 1.2 over TCP, ECDHE_ECDSA with AES-128-GCM, HTTP-style GET',
    description: 'TLS 1.2 (RFC 5246) with the same lab certificate, extended master secret: two round trips of handshake, and the certificate in clear.',
    protocol: 'tls1.2', mode: 'stream', auth: 'x509', topology: 'host-to-host', substrates: ['memory', 'loopback'],
    impairments: LINK, workload: HTTP, measures: ALL, seed: 'tls12-x509-http', standard: true,
  },
  {
    name: 'tls12-psk-http',
    title: 'TLS 1.2 over TCP, PSK cipher suites (RFC 4279, RFC 5489), HTTP-style GET',
    description: 'TLS 1.2 authenticated by the same 32-byte pre-shared key: the client offers the PSK and ECDHE_PSK suites, the server picks one; no certificate.',
    protocol: 'tls1.2', mode: 'stream', auth: 'psk', topology: 'host-to-host', substrates: ['memory', 'loopback'],
    impairments: LINK, workload: HTTP, measures: ALL, seed: 'tls12-psk-http', standard: true,
  },
  {
    name: 'esp-tunnel-http',
    title: 'ESP tunnel mode between two gateways (manually keyed SAs), HTTP-style GET',
    description:
      'Plain HTTP between client 10.1.0.10 and server 10.2.0.10, protected by ESP tunnel mode between gw-a and gw-b: @layersec/esp’s engine in the gateways’ packet hooks. ' +
      'The SAs are keyed by hand (ENCR_AES_GCM_16) until the IKEv2 scenario feeds them; the observer between the gateways reads only the gateways’ addresses and SPIs.',
    protocol: 'esp', mode: 'tunnel', auth: 'psk', topology: 'gateway-to-gateway', substrates: ['memory'],
    impairments: LINK, workload: HTTP, measures: ALL, seed: 'esp-tunnel-http', standard: true,
  },
  {
    name: 'esp-transport-http',
    title: 'ESP transport mode host to host (manually keyed SAs), HTTP-style GET',
    description:
      'Plain HTTP between client and server, each host protecting its own packets with ESP transport mode (@layersec/esp’s engine in the hosts’ packet hooks). ' +
      'SAs keyed by hand (ENCR_AES_GCM_16); the IP header stays in clear, ports do not.',
    protocol: 'esp', mode: 'transport', auth: 'psk', topology: 'host-to-host', substrates: ['memory'],
    impairments: LINK, workload: HTTP, measures: ALL, seed: 'esp-transport-http', standard: true,
  },
  {
    name: 'dtls12-x509-http',
    title: 'DTLS 1.2 over UDP, ECDHE_ECDSA, HTTP-style GET (message semantics)',
    description:
      'DTLS 1.2 (RFC 6347) with the lab certificate and the stateless cookie exchange (HelloVerifyRequest) on: one round trip more than TLS 1.2 over TCP saves on the TCP handshake. ' +
      'The response goes as records of at most 1024 bytes, one per datagram.',
    protocol: 'dtls1.2', mode: 'datagram', auth: 'x509', topology: 'host-to-host', substrates: ['memory'],
    impairments: LINK, workload: HTTP, measures: ALL, seed: 'dtls12-x509-http', standard: true,
  },
  {
    name: 'dtls12-psk-http',
    title: 'DTLS 1.2 over UDP, PSK with AES-128-GCM (as in IoT deployments), HTTP-style GET',
    description: 'DTLS 1.2 with the 32-byte pre-shared key (TLS_PSK_WITH_AES_128_GCM_SHA256, RFC 5487) and the cookie exchange: no certificate, no ECDHE.',
    protocol: 'dtls1.2', mode: 'datagram', auth: 'psk', topology: 'host-to-host', substrates: ['memory'],
    impairments: LINK, workload: HTTP, measures: ALL, seed: 'dtls12-psk-http', standard: true,
  },
  {
    name: 'dtls12-x509-http-loss',
    title: 'DTLS 1.2 over UDP with 20 % loss: handshake retransmissions, no head-of-line blocking',
    description:
      'The DTLS handshake survives loss by retransmitting whole flights on a doubling timer (RFC 6347 §4.2.4); application records are not retransmitted, ' +
      'so the client repeats its request until a response arrives (a 512-byte response, one record). Nothing waits behind a lost datagram.',
    protocol: 'dtls1.2', mode: 'datagram', auth: 'x509', topology: 'host-to-host', substrates: ['memory'],
    impairments: { ...LINK, loss: 0.2 }, workload: { kind: 'request-response', responseBodyBytes: 512 }, measures: LOSS, seed: 'dtls12-x509-http-loss', standard: true,
  },
  {
    name: 'ikev2-psk-gateways',
    title: 'IKEv2 between two gateways: IKE_SA_INIT + IKE_AUTH, shared key, first Child SA (tunnel)',
    description:
      'The key exchange of the IPsec rows: @layersec/ikev2 initiator and responder sessions over UDP 500 between gw-a and gw-b, ' +
      'aes128gcm16-prfsha256-x25519 for IKE and aes128gcm16 for the Child SA (10.1.0.0/24 <-> 10.2.0.0/24). ' +
      'No ESP traffic flows yet: that waits for packages/esp\'s engine. The ikev2_decryption_table and esp_sa files hold the negotiated keys.',
    protocol: 'ikev2', mode: 'key-exchange', auth: 'psk', topology: 'gateway-to-gateway', substrates: ['memory'],
    impairments: LINK, workload: HTTP, measures: ['handshake', 'cpu', 'observer'], seed: 'ikev2-psk-gateways', standard: true,
  },
  {
    name: 'tcp-plain-bulk',
    title: 'Plain TCP, 10 MiB download (baseline)',
    description: 'A 10 MiB response over bare TCP: the throughput and packet counts protected transfers are read against.',
    protocol: 'tcp', mode: 'stream', auth: 'none', topology: 'host-to-host', substrates: ['memory', 'loopback'],
    impairments: LINK, workload: BULK, measures: ALL, seed: 'tcp-plain-bulk', standard: true,
  },
  {
    name: 'tls13-x509-bulk',
    title: 'TLS 1.3 over TCP, 10 MiB download',
    description: 'A 10 MiB response in 16 KiB TLS 1.3 records: per-packet overhead, throughput and the CPU time of the record protection.',
    protocol: 'tls1.3', mode: 'stream', auth: 'x509', topology: 'host-to-host', substrates: ['memory', 'loopback'],
    impairments: LINK, workload: BULK, measures: ALL, seed: 'tls13-x509-bulk', standard: true,
  },
  {
    name: 'tls12-x509-bulk',
    title: 'TLS 1.2 over TCP, 10 MiB download',
    description: 'The same 10 MiB over TLS 1.2 AES-128-GCM (8-byte explicit nonce per record).',
    protocol: 'tls1.2', mode: 'stream', auth: 'x509', topology: 'host-to-host', substrates: ['memory', 'loopback'],
    impairments: LINK, workload: BULK, measures: ALL, seed: 'tls12-x509-bulk', standard: true,
  },
  {
    name: 'esp-tunnel-bulk',
    title: 'ESP tunnel mode between two gateways, 10 MiB download',
    description: 'The 10 MiB download inside the ESP tunnel: per-packet overhead of the outer header and ESP, throughput and the CPU time of the ESP engine.',
    protocol: 'esp', mode: 'tunnel', auth: 'psk', topology: 'gateway-to-gateway', substrates: ['memory'],
    impairments: LINK, workload: BULK, measures: ALL, seed: 'esp-tunnel-bulk', standard: true,
  },
  {
    name: 'tcp-plain-bulk-loss',
    title: 'Plain TCP, 1 MiB download with 2 % loss (baseline)',
    description:
      'The same lossy link without any protection: head-of-line blocking is TCP\'s own, and TLS over TCP inherits it. ' +
      'Read the TLS run\'s wait and throughput against this one.',
    protocol: 'tcp', mode: 'stream', auth: 'none', topology: 'host-to-host', substrates: ['memory'],
    impairments: LOSSY_LINK, workload: LOSS_BULK, measures: LOSS, seed: LOSS_SEED, standard: true,
  },
  {
    name: 'esp-tunnel-bulk-loss',
    title: 'ESP tunnel mode, 1 MiB download with 2 % loss between the gateways',
    description:
      'The lossy link between the gateways, carrying TCP inside ESP: ESP protects each packet on its own and adds no blocking, ' +
      'but the TCP inside still holds data behind every hole — the head-of-line wait is TCP\'s, as in the plain and TLS runs.',
    protocol: 'esp', mode: 'tunnel', auth: 'psk', topology: 'gateway-to-gateway', substrates: ['memory'],
    impairments: LOSSY_LINK, workload: LOSS_BULK, measures: LOSS, seed: LOSS_SEED, standard: true,
  },
  {
    name: 'tls13-x509-bulk-loss',
    title: 'TLS 1.3 over TCP, 1 MiB download with 2 % loss',
    description:
      'Head-of-line blocking: TCP hands TLS nothing behind a lost segment until it is retransmitted, so records that arrived wait. ' +
      'The run reports the longest such wait (maxHeadOfLineWaitMs), retransmissions and the throughput left.',
    protocol: 'tls1.3', mode: 'stream', auth: 'x509', topology: 'host-to-host', substrates: ['memory'],
    impairments: LOSSY_LINK, workload: LOSS_BULK, measures: LOSS, seed: LOSS_SEED, standard: true,
  },
];

for (const [interception, title] of [
  ['untrusted-ca', 'certificate for the server name from the proxy’s own CA: refused (unknown_ca)'],
  ['wrong-name', 'genuine lab-CA certificate for the proxy’s own name: refused by the host name check'],
  ['checks-off', 'forged certificate accepted by a client with its checks off: the proxy reads everything'],
] as const) {
  (CATALOGUE as Scenario[]).push({
    name: `tls13-mitm-${interception}`,
    title: `Intercepting proxy, TLS 1.3: ${title}`,
    description:
      'Client, proxy and server on the memory network; the client’s name for server.lab.test leads to the proxy (as after a poisoned DNS answer). ' +
      'The proxy answers with a certificate of its own and, if the client goes on, relays to the real server over its own TLS connection. ' +
      'The capture is of the client–proxy link; the key log holds both connections’ secrets.',
    protocol: 'tls1.3', mode: 'stream', auth: 'x509', topology: 'client-proxy-server', substrates: ['memory'],
    impairments: LINK, workload: HTTP, measures: ['handshake', 'observer'], seed: `tls13-mitm-${interception}`, standard: false, interception,
  });
}

export function findScenario(name: string): Scenario | undefined {
  return CATALOGUE.find((s) => s.name === name);
}
