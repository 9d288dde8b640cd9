/**
 * DTLS 1.2 over UDP on the memory substrate: @layersec/dtls's sans-I/O client and server (with the
 * stateless cookie exchange on) over the memory UDP, timers on the virtual clock, the HTTP-style
 * exchange on top with message semantics — the response goes out as records of at most
 * `RECORD_DATA` bytes, each in its own datagram.
 */
import { seededRandom } from '@layersec/crypto-primitives';
import { DtlsClient, type DtlsConnection, type DtlsEvent, DtlsServer, type DtlsSessionInfo } from '@layersec/dtls';
import { CipherSuite, ContentType, x509Verifier } from '@layersec/tls';
import { toHex } from '@layersec/wire';
import { udp } from '../substrates/memory/udp.js';
import { CAPTURE_EPOCH_MS, Capture, type CapturedPacket } from './capture.js';
import { SERVER_NAME, labProvider, makeLabPki } from './lab-pki.js';
import { CpuMeter, handshakeMetrics, overheadMetrics, round2 } from './metrics.js';
import { ipProtocolName } from './observer.js';
import type { LadderPacket, ScenarioRun } from './run.js';
import type { Scenario } from './scenario.js';
import { buildTopology } from './topology.js';
import { ExpectedBytes, requestFor, responseBodyLength, responseFor } from './workload.js';

const PORT = 4433;
/** Application bytes per record: with the 13-byte record header, nonce and tag, a datagram stays under 1200 bytes. */
const RECORD_DATA = 1024;
const RUN_LIMIT_MS = 10 * 60_000;
/** On a lossy link the client asks again when no answer came within this long (DTLS does not retransmit data). */
const REQUEST_RETRY_MS = 300;
const DTLS_RECORD_HEADER = 13;

const utf8 = new TextEncoder();

interface RecordView {
  type: number;
  epoch: number;
  length: number;
  /** First byte of the fragment, for handshake records: msg_type. */
  firstByte: number;
}

/** The DTLS record headers in a datagram (RFC 6347 §4.1): in clear for the observer. */
function recordsOf(payload: Uint8Array): RecordView[] {
  const out: RecordView[] = [];
  for (let o = 0; o + DTLS_RECORD_HEADER <= payload.length; ) {
    const length = (payload[o + 11] << 8) | payload[o + 12];
    out.push({ type: payload[o], epoch: (payload[o + 3] << 8) | payload[o + 4], length, firstByte: payload[o + DTLS_RECORD_HEADER] ?? 0 });
    o += DTLS_RECORD_HEADER + length;
  }
  return out;
}

const HANDSHAKE_NAMES: Record<number, string> = {
  1: 'client_hello',
  2: 'server_hello',
  3: 'hello_verify_request',
  11: 'certificate',
  12: 'server_key_exchange',
  14: 'server_hello_done',
  16: 'client_key_exchange',
};

export function runDtlsOverUdp(s: Scenario): ScenarioRun {
  const topo = buildTopology(s.topology, s.impairments, seededRandom(`${s.seed}/network`));
  const loop = topo.net.loop;
  const capture = Capture.onMemoryLink(topo.net, topo.observed.name, topo.clientSide);
  const cpu = new CpuMeter();
  const now = () => CAPTURE_EPOCH_MS + loop.now();
  const request = requestFor(s.workload, SERVER_NAME);
  const response = responseFor(s.workload);
  const serverGot = new ExpectedBytes(request);
  const clientGot = new ExpectedBytes(response);
  const keylog: string[] = [];
  const extraFiles: Record<string, string> = {};
  let failure: string | undefined;
  let session: DtlsSessionInfo | undefined;
  let clientReadyMs: number | undefined;
  let serverClosed = false;
  let clientClosed = false;
  let requestsSent = 0;
  let requestsAnswered = 0;
  // Datagrams may be lost: the application repeats its request until a whole response came, and
  // the response must then fit one record (message semantics, no reassembly across losses).
  const lossy = (s.impairments.loss ?? 0) > 0;
  if (lossy && response.length > RECORD_DATA) throw new Error(`${s.name}: on a lossy link the response must fit one record`);

  const common = { provider: labProvider, now };
  let clientCredentials = {};
  let serverCredentials = {};
  if (s.auth === 'x509') {
    const pki = makeLabPki(seededRandom(`${s.seed}/pki`), topo.serverAddress);
    extraFiles['ca.pem'] = pki.caPem;
    clientCredentials = { serverName: SERVER_NAME, verifier: x509Verifier({ trustAnchors: pki.trust, provider: labProvider }) };
    serverCredentials = { certificateChain: [pki.server.certificate.der], privateKey: pki.server.privateKey };
  } else {
    const identity = utf8.encode('lab-client');
    const key = seededRandom(`${s.seed}/psk`).randomBytes(32);
    extraFiles['psk.txt'] = `identity lab-client\nkey ${toHex(key)}\n`;
    // PSK with AES-128-GCM (RFC 5487), the suite of constrained deployments; Wireshark 4.0 does not
    // decrypt DTLS with ChaCha20-Poly1305, which the client would otherwise get with ECDHE_PSK.
    clientCredentials = { psk: { identity, key }, cipherSuites: [CipherSuite.TLS_PSK_WITH_AES_128_GCM_SHA256] };
    serverCredentials = { psk: { lookup: (id: Uint8Array) => (toHex(id) === toHex(identity) ? key : undefined) } };
  }

  const serverSocket = udp(topo.server).bind(PORT);
  const clientSocket = udp(topo.client).bind(0);
  const server = new DtlsServer({ ...common, ...serverCredentials, random: seededRandom(`${s.seed}/server`), cookies: true });
  const client = new DtlsClient({ ...common, ...clientCredentials, random: seededRandom(`${s.seed}/client`) });
  const timers = new Map<DtlsConnection, { cancel(): void }>();

  /** Handles one connection's events; `send` puts a datagram on the wire toward its peer. */
  const pump = (conn: DtlsConnection, send: (d: Uint8Array) => void, role: 'client' | 'server') => {
    for (;;) {
      const events: DtlsEvent[] = cpu.measure(() => conn.takeEvents());
      if (events.length === 0) return;
      for (const e of events) {
        switch (e.type) {
          case 'datagram':
            send(e.data);
            break;
          case 'keylog':
            if (role === 'client') keylog.push(e.line);
            break;
          case 'timer': {
            timers.get(conn)?.cancel();
            if (e.deadline !== undefined) {
              timers.set(
                conn,
                loop.at(e.deadline - CAPTURE_EPOCH_MS, () => {
                  cpu.measure(() => conn.handleTimeout(now()));
                  pump(conn, send, role);
                }),
              );
            }
            break;
          }
          case 'handshakeDone':
            if (role === 'client') {
              session = e.session;
              clientReadyMs = loop.now();
              const ask = () => {
                if (clientGot.complete || conn.isClosed()) return;
                requestsSent++;
                cpu.measure(() => conn.send(request));
                pump(conn, send, role);
                if (lossy) loop.after(REQUEST_RETRY_MS, ask);
              };
              ask();
            }
            break;
          case 'data':
            if (role === 'server') {
              // One record, one request (message semantics); a repeated request is answered again.
              if (!serverGot.complete) serverGot.push(e.data, loop.now());
              if (serverGot.intact) {
                requestsAnswered++;
                for (let o = 0; o < response.length; o += RECORD_DATA) cpu.measure(() => conn.send(response.subarray(o, o + RECORD_DATA)));
              }
            } else if (!clientGot.complete) {
              clientGot.push(e.data, loop.now());
              if (clientGot.complete) cpu.measure(() => conn.close());
            }
            break;
          case 'alert':
            if (e.description !== 0) failure ??= `${role} ${e.sent ? 'sent' : 'received'} alert ${e.description}`;
            break;
          case 'error':
            failure ??= `${role}: ${e.error.message}`;
            break;
          case 'closed':
            if (role === 'server') serverClosed = true;
            else clientClosed = true;
            break;
        }
      }
    }
  };

  const toServer = (d: Uint8Array) => clientSocket.send(d, { address: topo.serverAddress, port: PORT });
  serverSocket.onMessage((d, from) => {
    const peer = `${from.address}:${from.port}`;
    const toClient = (x: Uint8Array) => serverSocket.send(x, from);
    const existing = server.connection(peer);
    cpu.measure(() => server.receive(peer, d));
    for (const e of server.takeEvents()) {
      if (e.type === 'datagram') toClient(e.data);
    }
    const conn = existing ?? server.connection(peer);
    if (conn) pump(conn, toClient, 'server');
  });
  clientSocket.onMessage((d) => {
    cpu.measure(() => client.receive(d));
    pump(client, toServer, 'client');
  });
  cpu.measure(() => client.start());
  pump(client, toServer, 'client');
  // On a lossy link the client's close_notify may be lost; the server then never hears of the close.
  const finished = loop.runUntil(() => clientClosed && (serverClosed || lossy), RUN_LIMIT_MS);
  loop.runUntilIdle(loop.now() + 1000);
  capture.detach();
  if (!finished) failure ??= 'the exchange did not finish';

  // --- measurements, from the datagrams' cleartext record headers ---
  const packets = capture.onWire;
  const isApplication = (p: CapturedPacket) => p.udp !== undefined && recordsOf(p.udp.payload).some((r) => r.type === ContentType.application_data);
  const handshake = handshakeMetrics(packets, isApplication);
  const start = packets[0]?.timeMs ?? 0;
  const labels = new Map<number, string[]>();
  let certificateVisible = false;
  const sizes: number[] = [];
  const addresses = new Set<string>();
  const ports = new Set<string>();
  const protocols = new Set<string>();
  for (const p of packets) {
    addresses.add(p.source).add(p.destination);
    protocols.add(ipProtocolName(p.protocol));
    if (!p.udp) continue;
    ports.add(`udp/${p.udp.sourcePort}`).add(`udp/${p.udp.destinationPort}`);
    const names: string[] = [];
    for (const r of recordsOf(p.udp.payload)) {
      if (r.type === ContentType.handshake && r.epoch === 0) {
        const name = HANDSHAKE_NAMES[r.firstByte] ?? `handshake ${r.firstByte}`;
        if (r.firstByte === 11) certificateVisible = true;
        if (names.at(-1) !== name) names.push(name);
      } else if (r.type === ContentType.application_data) {
        names.push(`application_data [${r.length}]`);
        if (sizes.length < 8) sizes.push(r.length);
      } else {
        names.push(`${r.type === ContentType.change_cipher_spec ? 'change_cipher_spec' : r.type === ContentType.alert ? 'alert' : 'handshake'}${r.epoch > 0 ? ' (encrypted)' : ''}`);
      }
    }
    labels.set(p.number, names);
  }
  const ladder: LadderPacket[] = capture.packets.map((p) => ({
    number: p.number,
    timeMs: p.timeMs,
    fromClientSide: p.fromClientSide,
    fate: p.fate,
    length: p.bytes.length,
    labels: labels.get(p.number) ?? [],
  }));
  const negotiated: Record<string, string> = {};
  if (session) {
    negotiated.version = session.protocol;
    negotiated.cipherSuite = session.cipherSuiteName;
    negotiated.authentication = session.peerCertificates.length > 0 ? 'certificate' : 'external PSK';
    negotiated.extendedMasterSecret = String(session.extendedMasterSecret);
    negotiated.handshakeRetransmissions = String(session.retransmissions);
    negotiated.requests = `${requestsSent} sent, ${requestsAnswered} answered`;
  }
  const bodyBytes = responseBodyLength(s.workload);
  return {
    result: {
      scenario: s.name,
      title: s.title,
      protocol: s.protocol,
      mode: s.mode,
      auth: s.auth,
      substrate: 'memory',
      seed: s.seed,
      verified: failure === undefined && serverGot.intact && clientGot.intact,
      ...(failure ? { failure } : {}),
      negotiated,
      metrics: {
        handshake,
        timeToFirstApplicationByteMs: round2((serverGot.firstAtMs ?? Number.NaN) - start),
        completionMs: round2((clientGot.lastAtMs ?? Number.NaN) - start),
        overhead: overheadMetrics(packets, isApplication, request.length + response.length),
        throughputMbps: round2((bodyBytes * 8) / (((clientGot.lastAtMs ?? Number.NaN) - (clientReadyMs ?? Number.NaN)) * 1000)),
        cpuMs: cpu.ms,
        loss: { packetsLost: capture.packets.filter((p) => p.fate === 'lost').length, retransmissions: session?.retransmissions ?? 0, maxHeadOfLineWaitMs: 0 },
      },
      observer: {
        addresses: [...addresses].sort(),
        ipProtocols: [...protocols].sort(),
        ports: [...ports].sort((x, y) => Number(x.split('/')[1]) - Number(y.split('/')[1])),
        serverName: null,
        certificateVisible,
        certificateSubjects: [],
        cleartextFacts: ['record headers: content type, epoch, sequence number, length', 'the handshake up to ChangeCipherSpec (DTLS 1.2)'],
        protectedUnitSizes: sizes,
        applicationDataVisible: false,
      },
    },
    capture,
    endpoints: topo.endpoints,
    ladder,
    keylogLines: keylog,
    uat: { esp_sa: [], ikev2_decryption_table: [] },
    decodeAs: [`udp.port==${PORT},dtls`],
    explain: [],
    layouts: [],
    extraFiles,
  };
}
