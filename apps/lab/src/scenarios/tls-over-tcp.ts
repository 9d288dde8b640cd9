/**
 * TLS over TCP on the memory substrate, and plain TCP as the unprotected baseline: a client and a
 * server host on one impaired link, @layersec/tls's sans-I/O connections over the memory TCP, the
 * HTTP-style exchange on top. Every figure is read off the tap, the virtual clock and cpuUsage.
 */
import { seededRandom, tls12KeyBlock, tls13TrafficKeys, type Tls12PrfHash } from '@layersec/crypto-primitives';
import {
  ClientConnection,
  ContentType,
  ServerConnection,
  SignatureScheme,
  type CommonConfig,
  type SessionInfo,
  type SessionTicket,
  type TlsAlertError,
  nameOf,
  tls12Suite,
  tls13Suite,
  x509Verifier,
} from '@layersec/tls';
import { type AddressInfo, type Socket, createServer } from 'node:net';
import { toHex } from '@layersec/wire';
import { LoopbackCapture, SocketStream, connectLoopback } from '../substrates/loopback/loopback.js';
import { TcpConnection, tcp } from '../substrates/memory/tcp.js';
import { CAPTURE_EPOCH_MS, Capture, type CapturedPacket, TcpFlag, flagNames } from './capture.js';
import { SERVER_NAME, labProvider, makeLabPki } from './lab-pki.js';
import { CpuMeter, handshakeMetrics, overheadMetrics, round2 } from './metrics.js';
import { analyzeTlsOverTcp, observerViewOfTls, type TlsStreamAnalysis } from './observer.js';
import type { ExplainStep, LadderPacket, PacketLayout, ScenarioRun } from './run.js';
import type { Scenario } from './scenario.js';
import { PlainEndpoint, TlsEndpoint } from './tls-endpoint.js';
import { buildTopology } from './topology.js';
import { type EspPair, installEsp } from './esp-hooks.js';
import { explainEsp, layoutEspPacket, observerViewOfEsp } from './esp-view.js';
import { ExpectedBytes, requestFor, responseFor, responseBodyLength } from './workload.js';

/** Virtual time a run may take before it is called failed. */
const RUN_LIMIT_MS = 30 * 60_000;

export interface Side {
  conn: StreamConnection | undefined;
  /** Set once the connection is up: TLS or the plain baseline. */
  endpoint: TlsEndpoint | PlainEndpoint | undefined;
}

export interface KeylogEntry {
  label: string;
  clientRandom: Uint8Array;
  secret: Uint8Array;
}

const utf8 = new TextEncoder();

/** A byte stream (the memory TCP's connection, or a node:net socket behind an adapter). */
export interface StreamConnection {
  write(data: Uint8Array): void;
  end(): void;
  destroy(): void;
  onConnect(fn: () => void): unknown;
  onData(fn: (d: Uint8Array) => void): unknown;
  onEnd(fn: () => void): unknown;
  onClose(fn: (error?: Error) => void): unknown;
}

/** Where the exchange runs: listen and connect on the server's port, and a clock. */
export interface StreamSubstrate {
  listen(port: number, onAccept: (c: StreamConnection) => void): { close(): void };
  connect(port: number): StreamConnection;
  /** Milliseconds since the run started. */
  nowMs(): number;
  /** Milliseconds since the epoch (what TLS checks certificates against). */
  epochMs(): number;
}

/** What the exchange left for the measurements. */
export interface TlsExchange {
  readonly scenario: Scenario;
  readonly tlsOn: boolean;
  readonly port: number;
  readonly request: Uint8Array;
  readonly response: Uint8Array;
  readonly serverGot: ExpectedBytes;
  readonly clientGot: ExpectedBytes;
  readonly client: Side;
  readonly server: Side;
  /** Secrets logged by the client of this exchange and of earlier ones it follows (resumption). */
  readonly earlierKeylog: KeylogEntry[];
  readonly cpu: CpuMeter;
  readonly extraFiles: Record<string, string>;
  failure: string | undefined;
  clientReadyMs: number | undefined;
  session: SessionInfo | undefined;
  clientClosed: boolean;
  serverClosed: boolean;
  /** A resumption ticket the client received (RFC 8446 §4.6.1). */
  ticket: SessionTicket | undefined;
}

/** For a scenario that resumes: which connection this is, the server's ticket key, the ticket to resume with. */
export interface ConnectionOptions {
  connection?: number;
  ticketKey?: Uint8Array;
  resumptionTicket?: SessionTicket;
}

/**
 * Sets up the server and connects the client; `onDone` is called when both connections closed.
 * The serverAddress goes into the server certificate (with the name server.lab.test).
 */
export function startTlsExchange(
  s: Scenario,
  sub: StreamSubstrate,
  serverAddress: string,
  port: number,
  onDone: () => void,
  options: ConnectionOptions = {},
): TlsExchange {
  const n = options.connection ?? 0;
  const suffix = n === 0 ? '' : `/${n}`;
  const tlsOn = s.protocol === 'tls1.3' || s.protocol === 'tls1.2';
  const request = requestFor(s.workload, SERVER_NAME);
  const response = responseFor(s.workload);
  const x: TlsExchange = {
    scenario: s,
    tlsOn,
    port,
    request,
    response,
    serverGot: new ExpectedBytes(request),
    clientGot: new ExpectedBytes(response),
    client: { conn: undefined, endpoint: undefined },
    server: { conn: undefined, endpoint: undefined },
    cpu: new CpuMeter(),
    earlierKeylog: [],
    extraFiles: {},
    failure: undefined,
    clientReadyMs: undefined,
    session: undefined,
    clientClosed: false,
    serverClosed: false,
    ticket: undefined,
  };
  const { serverGot, clientGot, cpu, extraFiles, client, server } = x;
  const loop = { now: () => sub.nowMs() };
  const checkDone = () => {
    if (x.clientClosed && x.serverClosed) onDone();
  };

  // --- configuration ---
  const common: CommonConfig = {
    provider: labProvider,
    now: () => sub.epochMs(),
    versions: [s.protocol === 'tls1.2' ? 'TLSv1.2' : 'TLSv1.3'],
  };
  let clientConfig: ConstructorParameters<typeof ClientConnection>[0] = { ...common, serverName: SERVER_NAME };
  let serverConfig: ConstructorParameters<typeof ServerConnection>[0] = { ...common };
  if (tlsOn && s.auth === 'x509') {
    const pki = makeLabPki(seededRandom(`${s.seed}/pki`), serverAddress);
    extraFiles['ca.pem'] = pki.caPem;
    clientConfig = { ...clientConfig, verifier: x509Verifier({ trustAnchors: pki.trust, provider: labProvider }) };
    serverConfig = { ...serverConfig, certificateChain: [pki.server.certificate.der], privateKey: pki.server.privateKey };
  } else if (tlsOn && s.auth === 'psk') {
    const identity = utf8.encode('lab-client');
    const key = seededRandom(`${s.seed}/psk`).randomBytes(32);
    extraFiles['psk.txt'] = `identity ${new TextDecoder().decode(identity)}\nkey ${toHex(key)}\n`;
    clientConfig = { ...clientConfig, psk: { identity, key } };
    serverConfig = {
      ...serverConfig,
      pskLookup: (id) => (toHex(id) === toHex(identity) ? { key } : undefined),
    };
  }

  // --- server ---
  let responded = false;
  const serverApp = {
    data(d: Uint8Array) {
      serverGot.push(d, loop.now());
      if (serverGot.complete && !responded) {
        responded = true;
        server.endpoint!.send(response);
      }
    },
    peerClosed() {
      server.endpoint!.close();
    },
    alert(e: TlsAlertError, sent: boolean) {
      x.failure ??= `server ${sent ? 'sent' : 'received'} alert: ${e.message}`;
    },
  };
  const listener = sub.listen(port, (conn) => {
    listener.close();
    server.conn = conn;
    server.endpoint = tlsOn
      ? new TlsEndpoint(
          conn,
          new ServerConnection({
            ...serverConfig,
            random: seededRandom(`${s.seed}/server${suffix}`),
            ...(options.ticketKey ? { ticketKey: options.ticketKey, sessionTickets: 1 } : {}),
          }),
          cpu,
          serverApp,
        )
      : new PlainEndpoint(conn, serverApp);
    conn.onClose((err) => {
      x.serverClosed = true;
      if (err) x.failure ??= `server: ${err.message}`;
      checkDone();
    });
  });

  // --- client ---
  const clientApp = {
    data(d: Uint8Array) {
      clientGot.push(d, loop.now());
      if (clientGot.complete) client.endpoint!.close();
    },
    complete(sess: SessionInfo) {
      x.session = sess;
      x.clientReadyMs = loop.now();
      client.endpoint!.send(request);
    },
    alert(e: TlsAlertError, sent: boolean) {
      x.failure ??= `client ${sent ? 'sent' : 'received'} alert: ${e.message}`;
    },
    ticket(t: SessionTicket) {
      x.ticket = t;
    },
  };
  const conn = sub.connect(port);
  client.conn = conn;
  conn.onConnect(() => {
    if (!tlsOn) {
      client.endpoint = new PlainEndpoint(conn, clientApp);
      x.clientReadyMs = loop.now();
      client.endpoint.send(request);
      return;
    }
    const tls = new ClientConnection({
      ...clientConfig,
      random: seededRandom(`${s.seed}/client${suffix}`),
      ...(options.resumptionTicket ? { resumptionTicket: options.resumptionTicket } : {}),
    });
    const ep = new TlsEndpoint(conn, tls, cpu, clientApp);
    client.endpoint = ep;
    cpu.measure(() => tls.start());
    ep.drain();
  });
  conn.onClose((err) => {
    x.clientClosed = true;
    if (err) x.failure ??= `client: ${err.message}`;
    checkDone();
  });
  return x;
}

function clientKeylog(x: TlsExchange): KeylogEntry[] {
  const ep = x.client.endpoint;
  return ep instanceof TlsEndpoint ? ep.keylog : [];
}

/** 443 for TLS, 80 for the plain baseline. */
export function defaultPort(s: Scenario): number {
  return s.protocol === 'tls1.3' || s.protocol === 'tls1.2' ? 443 : 80;
}

/** The memory substrate: two hosts on one impaired link, a tap on it, the virtual clock. */
export function runTlsOverTcp(s: Scenario): ScenarioRun {
  const topo = buildTopology(s.topology, s.impairments, seededRandom(`${s.seed}/network`));
  const SERVER_ADDRESS = topo.serverAddress;
  const loop = topo.net.loop;
  let esp: EspPair | undefined;
  if (s.protocol === 'esp') {
    const random = seededRandom(`${s.seed}/esp`);
    if (s.mode === 'tunnel' && topo.gateways) {
      const g = topo.gateways;
      esp = installEsp('tunnel', { host: g.a, address: g.aAddress, protects: '10.1.0.0/24' }, { host: g.b, address: g.bAddress, protects: '10.2.0.0/24' }, random, () => loop.now());
    } else if (s.mode === 'transport' && !topo.gateways) {
      esp = installEsp('transport', { host: topo.client, address: topo.clientAddress, protects: `${topo.clientAddress}/32` }, { host: topo.server, address: SERVER_ADDRESS, protects: `${SERVER_ADDRESS}/32` }, random, () => loop.now());
    } else {
      throw new Error(`${s.name}: ESP ${s.mode} mode does not fit topology ${s.topology}`);
    }
  }
  const capture = Capture.onMemoryLink(topo.net, topo.observed.name, topo.clientSide, esp ? (p) => esp.inner.get(p) : undefined);
  const sub: StreamSubstrate = {
    listen: (port, onAccept) => tcp(topo.server).listen(port, onAccept),
    connect: (port) => tcp(topo.client).connect(SERVER_ADDRESS, port),
    nowMs: () => loop.now(),
    epochMs: () => CAPTURE_EPOCH_MS + loop.now(),
  };
  let x: TlsExchange;
  let measured: Capture = capture;
  if (s.resumption) {
    // A first connection with a full handshake leaves the client a ticket; the measured one resumes with it.
    const ticketKey = seededRandom(`${s.seed}/ticket-key`).randomBytes(32);
    const first = startTlsExchange(s, sub, SERVER_ADDRESS, defaultPort(s), () => undefined, { ticketKey });
    loop.runUntil(() => first.clientClosed && first.serverClosed, RUN_LIMIT_MS);
    const startAt = capture.packets.length;
    x = startTlsExchange(s, sub, SERVER_ADDRESS, defaultPort(s), () => undefined, { connection: 1, ticketKey, resumptionTicket: first.ticket });
    if (!first.ticket) x.failure = 'the first connection received no session ticket';
    x.earlierKeylog.push(...clientKeylog(first));
    const finished = loop.runUntil(() => x.clientClosed && x.serverClosed, RUN_LIMIT_MS);
    if (!finished) x.failure ??= `the exchange did not finish within ${RUN_LIMIT_MS / 1000} virtual seconds`;
    measured = capture.subset((p) => p.number > startAt);
  } else {
    x = startTlsExchange(s, sub, SERVER_ADDRESS, defaultPort(s), () => undefined);
    const finished = loop.runUntil(() => x.clientClosed && x.serverClosed, RUN_LIMIT_MS);
    if (!finished) x.failure ??= `the exchange did not finish within ${RUN_LIMIT_MS / 1000} virtual seconds`;
  }
  capture.detach();
  const conns = [x.client.conn, x.server.conn].filter((c): c is TcpConnection => c instanceof TcpConnection);
  return measureExchange(x, measured, {
    substrate: 'memory',
    fullCapture: capture,
    endpoints: topo.endpoints,
    esp,
    retransmissions: conns.reduce((n, c) => n + c.stats.retransmissions, 0),
    maxHeadOfLineWaitMs: Math.max(0, ...conns.map((c) => c.stats.maxHeadOfLineWaitMs)),
  });
}

/** Turns a finished exchange and its capture into the scenario's result. */
export function measureExchange(
  x: TlsExchange,
  capture: Capture,
  where: {
    substrate: ScenarioRun['result']['substrate'];
    endpoints: { client: string; server: string };
    /** The capture to write when the measured packets are only part of it. */
    fullCapture?: Capture;
    /** The ESP SAs the exchange ran under (the capture then holds their packets). */
    esp?: EspPair;
    /** Retransmissions the transport counted; when it cannot say, those the capture shows. */
    retransmissions: number | undefined;
    maxHeadOfLineWaitMs: number;
  },
): ScenarioRun {
  const { scenario: s, tlsOn, port, request, response, serverGot, clientGot, client, server, cpu, extraFiles, session, clientReadyMs, failure } = x;
  const keylog = [...x.earlierKeylog, ...clientKeylog(x)];
  const clientRanges = client.endpoint?.appRanges ?? [];
  const serverRanges = server.endpoint?.appRanges ?? [];
  // --- measurements ---
  // Under ESP the streams are read from the lab's view of the inner packets (wire lengths kept).
  const packets = where.esp ? capture.revealed.filter((p) => p.fate !== 'too-big') : capture.onWire;
  const analysis = analyzeTlsOverTcp(packets, tlsOn);
  const overlaps = (p: CapturedPacket, ranges: Array<[number, number]>) => {
    const r = analysis.streamRanges.get(p.number);
    return r !== undefined && ranges.some(([a, b]) => r.start < b && a < r.end);
  };
  const isApplicationPacket = (p: CapturedPacket) => overlaps(p, p.fromClientSide ? clientRanges : serverRanges);
  const handshake = handshakeMetrics(packets, isApplicationPacket);
  const overhead = overheadMetrics(packets, isApplicationPacket, request.length + response.length);
  const start = packets[0]?.timeMs ?? 0;
  const bodyBytes = responseBodyLength(s.workload);
  const transferMs = (clientGot.lastAtMs ?? Number.NaN) - (clientReadyMs ?? Number.NaN);

  const negotiated: Record<string, string> = {};
  if (session) {
    negotiated.version = session.protocol;
    negotiated.cipherSuite = session.cipherSuiteName;
    if (session.groupName) negotiated.group = session.groupName;
    if (session.signatureScheme !== undefined) negotiated.signatureScheme = nameOf(SignatureScheme, session.signatureScheme);
    negotiated.authentication =
      session.peerCertificates.length > 0 ? 'certificate' : s.resumption && session.resumed ? 'resumption (ticket PSK)' : 'external PSK';
    if (session.serverName) negotiated.serverName = session.serverName;
  } else if (!tlsOn) {
    negotiated.protection = 'none';
  }

  const revealed = new Map(capture.revealed.map((r) => [r.number, r]));
  const tcpFlagsLabel = (p: CapturedPacket | undefined) => (p?.tcp ? [flagNames(p.tcp.flags & ~TcpFlag.PSH)] : []);
  const ladder: LadderPacket[] = capture.packets.map((p) => ({
    number: p.number,
    timeMs: p.timeMs,
    fromClientSide: p.fromClientSide,
    fate: p.fate,
    length: p.bytes.length,
    labels: [
      ...(p.esp ? [`ESP SPI 0x${p.esp.spi.toString(16).padStart(8, '0')} seq ${p.esp.sequenceNumber} ⟨`] : []),
      ...(analysis.labels.get(p.number) ?? tcpFlagsLabel(where.esp ? revealed.get(p.number) : p)),
      ...(p.esp ? ['⟩'] : []),
    ],
  }));

  return {
    result: {
      scenario: s.name,
      title: s.title,
      protocol: s.protocol,
      mode: s.mode,
      auth: s.auth,
      substrate: where.substrate,
      seed: s.seed,
      verified: failure === undefined && serverGot.intact && clientGot.intact,
      negotiated,
      metrics: {
        handshake,
        timeToFirstApplicationByteMs: round2((serverGot.firstAtMs ?? Number.NaN) - start),
        completionMs: round2((clientGot.lastAtMs ?? Number.NaN) - start),
        overhead,
        throughputMbps: round2((bodyBytes * 8) / (transferMs * 1000)),
        cpuMs: round2(cpu.ms + (where.esp?.cpu.ms ?? 0)),
        loss: {
          packetsLost: capture.packets.filter((p) => p.fate === 'lost').length,
          retransmissions: where.retransmissions ?? [...analysis.labels.values()].filter((l) => l.some((x) => x.startsWith('retransmission'))).length,
          maxHeadOfLineWaitMs: round2(where.maxHeadOfLineWaitMs),
        },
      },
      observer: where.esp ? observerViewOfEsp(capture.onWire) : observerViewOfTls(packets, analysis, tlsOn),
      ...(failure ? { failure } : {}),
    },
    capture: where.fullCapture ?? capture,
    endpoints: where.endpoints,
    ladder,
    keylogLines: keylog.map((k) => `${k.label} ${toHex(k.clientRandom)} ${toHex(k.secret)}`),
    uat: { esp_sa: where.esp?.wiresharkRows ?? [], ikev2_decryption_table: [] },
    decodeAs: tlsOn ? [`tcp.port==${port},tls`] : [],
    explain: tlsOn ? explainTls(s, session, keylog, analysis, request.length) : where.esp ? explainEsp(s, where.esp) : [],
    layouts: tlsOn && session
      ? layoutFirstRequest(s, session, packets, analysis, clientRanges, request.length)
      : where.esp
        ? layoutEspPacket(s, capture.onWire, packets, (p) => p.fromClientSide && isApplicationPacket(p))
        : [],
    extraFiles: where.esp
      ? { ...extraFiles, 'sa-forward.json': `${JSON.stringify(where.esp.forward.json, null, 2)}\n`, 'sa-backward.json': `${JSON.stringify(where.esp.backward.json, null, 2)}\n` }
      : extraFiles,
  };
}

function hex(b: Uint8Array | null | undefined): string {
  return b ? toHex(b) : '(not seen)';
}

/** The `--explain` narrative of a TLS handshake with the run's real values. */
function explainTls(
  s: Scenario,
  session: SessionInfo | undefined,
  keylog: readonly KeylogEntry[],
  a: TlsStreamAnalysis,
  requestLength: number,
): ExplainStep[] {
  const steps: ExplainStep[] = [];
  const provider = labProvider;
  steps.push({
    title: 'ClientHello (in clear)',
    text: `The client opens with its random, the cipher suites and groups it offers, a key share and the server name (SNI) — all readable on the wire.`,
    values: [
      ['client_random', hex(a.clientRandom)],
      ['server_name', a.serverName ?? '(none)'],
      ['authentication', s.auth === 'psk' ? 'external PSK (identity "lab-client")' : 'X.509 certificate from the lab CA'],
    ],
  });
  steps.push({
    title: 'ServerHello (in clear)',
    text: 'The server picks the version, cipher suite and group, and answers with its own random and key share.',
    values: [
      ['server_random', hex(a.serverRandom)],
      ['version', session?.protocol ?? '?'],
      ['cipher_suite', session?.cipherSuiteName ?? '?'],
      ['group', session?.groupName ?? '(none)'],
    ],
  });
  if (!session) return steps;
  if (session.protocol === 'TLSv1.3') {
    const suite = tls13Suite(session.cipherSuite)!;
    steps.push({
      title: 'TLS 1.3 key schedule (RFC 8446 §7.1)',
      text:
        'Early Secret = HKDF-Extract(0, PSK or 0); Handshake Secret = HKDF-Extract(Derive-Secret(Early, "derived", ""), (EC)DHE); ' +
        'the handshake traffic secrets are Derive-Secret(Handshake Secret, "c hs traffic" / "s hs traffic", ClientHello..ServerHello); ' +
        'Master Secret = HKDF-Extract(Derive-Secret(Handshake, "derived", ""), 0); the application traffic secrets are ' +
        'Derive-Secret(Master Secret, "c ap traffic" / "s ap traffic", ClientHello..server Finished). The values below are the ones the client logged (SSLKEYLOGFILE).',
      values: keylog.map((k) => [k.label, toHex(k.secret)] as [string, string]),
    });
    const values: Array<[string, string]> = [];
    for (const k of keylog) {
      if (!/TRAFFIC_SECRET/.test(k.label)) continue;
      const keys = tls13TrafficKeys(provider, suite.hash, k.secret, suite.keyLength, 12);
      values.push([`${k.label} → key`, toHex(keys.key)], [`${k.label} → iv`, toHex(keys.iv)]);
    }
    steps.push({
      title: 'Traffic keys (RFC 8446 §7.3)',
      text: `key = HKDF-Expand-Label(secret, "key", "", ${suite.keyLength}), iv = HKDF-Expand-Label(secret, "iv", "", 12); each record's nonce is iv XOR its 64-bit sequence number.`,
      values,
    });
    steps.push({
      title: 'Protected records',
      text:
        `After ServerHello everything is encrypted: EncryptedExtensions, ${s.auth === 'x509' ? 'Certificate, CertificateVerify, ' : ''}Finished travel as records of outer type application_data. ` +
        `The ${requestLength}-byte request becomes TLSInnerPlaintext (data ‖ content type 23) sealed with ${suite.aead}, plus a 16-byte tag, under a 5-byte header in clear.`,
      values: [],
    });
  } else {
    const suite = tls12Suite(session.cipherSuite)!;
    const master = keylog.find((k) => k.label === 'CLIENT_RANDOM');
    const values: Array<[string, string]> = [];
    if (master && a.serverRandom && a.clientRandom) {
      values.push(['master_secret', toHex(master.secret)]);
      const keyLen = suite.keyLength;
      const iv = suite.fixedIvLength;
      const block = tls12KeyBlock(provider, suite.hash as Tls12PrfHash, master.secret, a.serverRandom, a.clientRandom, 2 * keyLen + 2 * iv);
      values.push(['key_block', toHex(block)]);
      values.push(['client_write_key', toHex(block.subarray(0, keyLen))]);
      values.push(['server_write_key', toHex(block.subarray(keyLen, 2 * keyLen))]);
      values.push(['client_write_IV', toHex(block.subarray(2 * keyLen, 2 * keyLen + iv))]);
      values.push(['server_write_IV', toHex(block.subarray(2 * keyLen + iv))]);
    }
    steps.push({
      title: 'TLS 1.2 keys (RFC 5246 §8.1, §6.3; RFC 7627)',
      text:
        `pre_master_secret is ${s.auth === 'psk' ? 'built from the PSK (RFC 4279 §2: with ECDHE_PSK, the ECDHE shared secret and the PSK, RFC 5489 §2)' : 'the ECDHE shared secret'} (it never leaves the peers and is not logged); master_secret = PRF(pre_master_secret, ` +
        '"extended master secret", session_hash)[0..47]; key_block = PRF(master_secret, "key expansion", server_random + client_random), ' +
        `cut into client/server write keys and IVs (${suite.aead}: no MAC keys). The master secret is the CLIENT_RANDOM line of the key log.`,
      values,
    });
    steps.push({
      title: 'What stays in clear',
      text: `In TLS 1.2 the server's ${s.auth === 'x509' ? 'Certificate, ' : ''}ServerKeyExchange and ServerHelloDone cross the wire unencrypted; only Finished and application data are protected.`,
      values: [],
    });
  }
  return steps;
}

/** The client's first packet with application data, laid out field by field. */
function layoutFirstRequest(
  s: Scenario,
  session: SessionInfo,
  packets: readonly CapturedPacket[],
  a: TlsStreamAnalysis,
  appRanges: Array<[number, number]>,
  requestLength: number,
): PacketLayout[] {
  const first = appRanges[0];
  if (!first) return [];
  const rec = a.records.find((r) => r.fromClient && r.contentType === ContentType.application_data && r.streamOffset >= first[0]);
  const p = packets.find((x) => x.number === rec?.packet);
  if (!rec || !p || !p.tcp) return [];
  const tcpHeader = p.bytes.length - p.ipHeaderLength - p.tcp.payload.length;
  const tls13 = s.protocol === 'tls1.3';
  const fields: PacketLayout['fields'] = [
    { name: 'IPv4 header', bytes: p.ipHeaderLength, value: `${p.source} → ${p.destination}`, protected: 'clear' },
    { name: 'TCP header', bytes: tcpHeader, value: `${p.tcp.sourcePort} → ${p.tcp.destinationPort}`, protected: 'clear' },
    { name: 'content type', bytes: 1, value: '23 (application_data)', protected: 'clear' },
    { name: 'legacy version', bytes: 2, value: `0x${rec.version.toString(16).padStart(4, '0')}`, protected: 'clear' },
    { name: 'length', bytes: 2, value: String(rec.length), protected: 'clear' },
  ];
  if (tls13) {
    fields.push(
      { name: 'request (HTTP GET)', bytes: requestLength, value: `${requestLength} bytes`, protected: 'encrypted' },
      { name: 'inner content type', bytes: 1, value: '23', protected: 'encrypted' },
    );
    const pad = rec.length - 16 - requestLength - 1;
    if (pad > 0) fields.push({ name: 'padding', bytes: pad, value: 'zeros', protected: 'encrypted' });
  } else {
    // AES-GCM records carry an 8-byte explicit nonce (RFC 5288 §3); ChaCha20-Poly1305 ones none (RFC 7905 §2).
    const explicitNonce = tls12Suite(session.cipherSuite)?.fixedIvLength === 4 ? 8 : 0;
    if (explicitNonce) fields.push({ name: 'explicit nonce', bytes: 8, value: 'sequence number', protected: 'clear' });
    fields.push({ name: 'request (HTTP GET)', bytes: rec.length - explicitNonce - 16, value: `${requestLength} bytes`, protected: 'encrypted' });
  }
  fields.push({ name: 'AEAD tag', bytes: 16, value: 'authenticates header + content', protected: 'authenticated' });
  const other = p.tcp.payload.length - 5 - rec.length;
  if (other > 0) fields.splice(2, 0, { name: 'other TLS records', bytes: other, value: 'e.g. the client Finished', protected: 'encrypted' });
  return [{ title: `${s.protocol === 'tls1.3' ? 'TLS 1.3' : 'TLS 1.2'} record carrying the request (frame ${p.number})`, fields }];
}

/**
 * The loopback substrate: the same exchange over real sockets on 127.0.0.1, captured by tcpdump.
 * Time is the wall clock, so figures vary from run to run; the link has no impairments.
 */
export async function runTlsOverLoopback(s: Scenario): Promise<ScenarioRun> {
  const server = createServer({ noDelay: true });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const capture = new LoopbackCapture();
  try {
    await capture.start(port);
  } catch (e) {
    server.close();
    throw e;
  }
  const t0 = performance.now();
  const epoch0 = performance.timeOrigin + t0;
  let clientPort = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));
  const sub: StreamSubstrate = {
    listen: (_port, onAccept) => {
      const accept = (sock: Socket) => onAccept(new SocketStream(sock, true));
      server.on('connection', accept);
      return { close: () => void server.off('connection', accept) };
    },
    connect: (p) => {
      const c = connectLoopback(p);
      c.socket.once('connect', () => (clientPort = c.socket.localPort ?? 0));
      return c;
    },
    nowMs: () => performance.now() - t0,
    epochMs: () => Date.now(),
  };
  const x = startTlsExchange(s, sub, '127.0.0.1', port, resolveDone);
  const timer = setTimeout(resolveDone, 120_000);
  await done;
  clearTimeout(timer);
  server.close();
  if (!(x.clientClosed && x.serverClosed)) x.failure ??= 'the exchange did not finish within 120 s';
  const packets = await capture.stop();
  const cap = Capture.fromPackets(
    'lo',
    epoch0,
    packets.map((p) => ({ timeMs: p.epochMs - epoch0, bytes: p.bytes, fromClientSide: (v) => v.tcp?.destinationPort === port })),
  );
  return measureExchange(x, cap, {
    substrate: 'loopback',
    endpoints: { client: `client 127.0.0.1:${clientPort}`, server: `server 127.0.0.1:${port}` },
    retransmissions: undefined,
    maxHeadOfLineWaitMs: 0,
  });
}
