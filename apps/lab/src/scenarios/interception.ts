/**
 * The intercepting proxy (client–proxy–server on the memory substrate): the client's name for
 * the server leads to the proxy, as after a poisoned DNS answer or an edited hosts file. The proxy
 * answers with a certificate of its own and, when the client accepts it, opens its own TLS
 * connection to the real server and relays — reading everything in between.
 *
 * Variants: a forged certificate for server.lab.test from the proxy's own CA (refused: unknown_ca),
 * a genuine lab-CA certificate for the proxy's own name (refused by the host name check), and the
 * forged certificate with the client's checks turned off (accepted; the proxy reads the request).
 */
import { createRootCertificate, issueServerCertificate, publicKeyOf, seededRandom } from '@layersec/crypto-primitives';
import { ClientConnection, ServerConnection, type SessionInfo, alertName, unverifiedPeerKey, x509Verifier } from '@layersec/tls';
import { MemoryNetwork } from '../substrates/memory/network.js';
import { type TcpConnection, tcp } from '../substrates/memory/tcp.js';
import { Capture, type CapturedPacket, TcpFlag, flagNames } from './capture.js';
import { SERVER_NAME, labProvider, makeLabPki } from './lab-pki.js';
import { CpuMeter, handshakeMetrics, overheadMetrics, round2 } from './metrics.js';
import { analyzeTlsOverTcp, observerViewOfTls } from './observer.js';
import type { ExplainStep, LadderPacket, ScenarioRun } from './run.js';
import type { Scenario } from './scenario.js';
import { TlsEndpoint } from './tls-endpoint.js';
import { ExpectedBytes, requestFor, responseFor } from './workload.js';

const CLIENT = '10.0.0.1';
/** The address the client was told server.lab.test has: the proxy's. */
const PROXY_FRONT = '10.0.0.2';
const PROXY_BACK = '10.0.1.1';
const SERVER = '10.0.1.2';
const RUN_LIMIT_MS = 10 * 60_000;
const NOT_BEFORE = new Date(Date.UTC(2025, 0, 1));
const NOT_AFTER = new Date(Date.UTC(2035, 0, 1));

export type Interception = 'untrusted-ca' | 'wrong-name' | 'checks-off';

/** What the client should do with the proxy's certificate in each variant. */
const EXPECTED: Record<Interception, string> = {
  'untrusted-ca': 'refused: unknown_ca',
  'wrong-name': 'refused: bad_certificate',
  'checks-off': 'accepted',
};

export function runInterception(s: Scenario): ScenarioRun {
  const variant = s.interception!;
  const net = new MemoryNetwork({ random: seededRandom(`${s.seed}/network`) });
  const client = net.addHost('client');
  const proxy = net.addHost('proxy');
  const server = net.addHost('server');
  const front = net.connect(client, `${CLIENT}/24`, proxy, `${PROXY_FRONT}/24`, s.impairments);
  net.connect(proxy, `${PROXY_BACK}/24`, server, `${SERVER}/24`, s.impairments);
  const capture = Capture.onMemoryLink(net, front.name, ['client']);
  const loop = net.loop;
  const cpu = new CpuMeter();
  const now = () => Date.UTC(2026, 0, 1) + loop.now();
  const pki = makeLabPki(seededRandom(`${s.seed}/pki`), SERVER);

  // The proxy's certificate.
  const random = seededRandom(`${s.seed}/proxy-pki`);
  const proxyKey = labProvider.generateSigningKey({ type: 'ec', curve: 'P-256' }, random);
  let forged;
  if (variant === 'wrong-name') {
    forged = issueServerCertificate(
      { publicKey: publicKeyOf(proxyKey), subject: 'CN=proxy.lab.test,O=layersec lab', dnsNames: ['proxy.lab.test'], notBefore: NOT_BEFORE, notAfter: NOT_AFTER, serialNumber: 3n },
      pki.ca,
      labProvider,
    );
  } else {
    const attackerCaKey = labProvider.generateSigningKey({ type: 'ec', curve: 'P-256' }, random);
    const attackerCa = createRootCertificate(
      { subject: 'CN=Intercepting proxy CA,O=not the lab', privateKey: attackerCaKey, notBefore: NOT_BEFORE, notAfter: NOT_AFTER, serialNumber: 1n },
      labProvider,
    );
    forged = issueServerCertificate(
      { publicKey: publicKeyOf(proxyKey), subject: `CN=${SERVER_NAME},O=layersec lab`, dnsNames: [SERVER_NAME], notBefore: NOT_BEFORE, notAfter: NOT_AFTER, serialNumber: 2n },
      { certificate: attackerCa.certificate, privateKey: attackerCaKey },
      labProvider,
    );
  }

  const request = requestFor(s.workload, SERVER_NAME);
  const response = responseFor(s.workload);
  const serverGot = new ExpectedBytes(request);
  const clientGot = new ExpectedBytes(response);
  let outcome: string | undefined;
  let session: SessionInfo | undefined;
  let attackerRead = new Uint8Array(0);
  const closed = new Set<string>();
  const track = (name: string, c: TcpConnection) => c.onClose(() => closed.add(name));

  // The real server.
  tcp(server).listen(443, (conn) => {
    track('server', conn);
    let responded = false;
    const ep: TlsEndpoint = new TlsEndpoint(
      conn,
      new ServerConnection({ provider: labProvider, now, random: seededRandom(`${s.seed}/server`), certificateChain: [pki.server.certificate.der], privateKey: pki.server.privateKey }),
      cpu,
      {
        data: (d) => {
          serverGot.push(d, loop.now());
          if (serverGot.complete && !responded) {
            responded = true;
            ep.send(response);
          }
        },
        peerClosed: () => ep.close(),
      },
    );
  });

  // The proxy: terminates the client's TLS, relays over its own TLS to the server.
  const upstreams: TlsEndpoint[] = [];
  tcp(proxy).listen(443, (conn) => {
    track('proxy-front', conn);
    let upstream: TlsEndpoint | undefined;
    let upstreamReady = false;
    const pending: Uint8Array[] = [];
    const front: TlsEndpoint = new TlsEndpoint(
      conn,
      new ServerConnection({ provider: labProvider, now, random: seededRandom(`${s.seed}/proxy-front`), certificateChain: [forged.der], privateKey: proxyKey }),
      cpu,
      {
        data: (d) => {
          const all = new Uint8Array(attackerRead.length + d.length);
          all.set(attackerRead);
          all.set(d, attackerRead.length);
          attackerRead = all;
          if (upstreamReady) upstream!.send(d);
          else pending.push(d);
          if (upstream) return;
          const up = tcp(proxy).connect(SERVER, 443, PROXY_BACK);
          track('proxy-back', up);
          up.onConnect(() => {
            const tls = new ClientConnection({
              provider: labProvider,
              now,
              random: seededRandom(`${s.seed}/proxy-back`),
              serverName: SERVER_NAME,
              verifier: x509Verifier({ trustAnchors: pki.trust, provider: labProvider }),
            });
            upstream = new TlsEndpoint(up, tls, cpu, {
              complete: () => {
                upstreamReady = true;
                for (const p of pending.splice(0)) upstream!.send(p);
              },
              data: (r) => front.send(r),
              peerClosed: () => upstream!.close(),
            });
            upstreams.push(upstream);
            cpu.measure(() => tls.start());
            upstream.drain();
          });
        },
        peerClosed: () => front.close(),
      },
    );
  });

  // The client: believes 10.0.0.2 is server.lab.test.
  const conn = tcp(client).connect(PROXY_FRONT, 443);
  track('client', conn);
  let clientEp: TlsEndpoint | undefined;
  conn.onConnect(() => {
    const tls = new ClientConnection({
      provider: labProvider,
      now,
      random: seededRandom(`${s.seed}/client`),
      serverName: SERVER_NAME,
      verifier: variant === 'checks-off' ? unverifiedPeerKey() : x509Verifier({ trustAnchors: pki.trust, provider: labProvider }),
    });
    const ep: TlsEndpoint = new TlsEndpoint(conn, tls, cpu, {
      complete: (sess) => {
        session = sess;
        outcome = 'accepted';
        ep.send(request);
      },
      data: (d) => {
        clientGot.push(d, loop.now());
        if (clientGot.complete) ep.close();
      },
      alert: (err, sent) => {
        outcome ??= sent ? `refused: ${alertName(err.description)}` : `peer refused: ${alertName(err.description)}`;
      },
    });
    clientEp = ep;
    cpu.measure(() => tls.start());
    ep.drain();
  });

  loop.runUntil(() => closed.has('client') && (outcome !== 'accepted' || (closed.has('server') && closed.has('proxy-front'))), RUN_LIMIT_MS);
  loop.runUntilIdle(loop.now() + 5_000);
  capture.detach();

  const expected = EXPECTED[variant];
  const readable = new TextDecoder().decode(attackerRead);
  const verified =
    outcome === expected && (variant !== 'checks-off' || (clientGot.intact && serverGot.intact && readable === new TextDecoder().decode(request)));

  const packets = capture.onWire;
  const analysis = analyzeTlsOverTcp(packets, true);
  const ranges = clientEp?.appRanges ?? [];
  const isClientApp = (p: CapturedPacket) => {
    const r = analysis.streamRanges.get(p.number);
    return p.fromClientSide && r !== undefined && ranges.some(([a, b]) => r.start < b && a < r.end);
  };
  const negotiated: Record<string, string> = {
    outcome: outcome ?? 'no answer',
    expected,
    'proxy certificate': `${forged.subject.rfc4514} issued by ${forged.issuer.rfc4514}`,
    'client checks': variant === 'checks-off' ? 'off (any certificate accepted)' : 'chain to the lab CA and host name server.lab.test',
  };
  if (session) negotiated.cipherSuite = session.cipherSuiteName;
  negotiated['proxy read'] = attackerRead.length ? `${attackerRead.length} bytes in clear: ${JSON.stringify(readable.split('\r\n')[0])}` : 'nothing';

  const ladder: LadderPacket[] = capture.packets.map((p) => ({
    number: p.number,
    timeMs: p.timeMs,
    fromClientSide: p.fromClientSide,
    fate: p.fate,
    length: p.bytes.length,
    labels: analysis.labels.get(p.number) ?? (p.tcp ? [flagNames(p.tcp.flags & ~TcpFlag.PSH)] : []),
  }));
  const explain: ExplainStep[] = [
    {
      title: 'The client reaches the proxy',
      text: `The client resolves ${SERVER_NAME} to ${PROXY_FRONT}: the proxy's front address. The real server is ${SERVER}, behind the proxy.`,
      values: [['SNI sent', analysis.serverName ?? '(none)']],
    },
    {
      title: 'The proxy presents its own certificate',
      text:
        variant === 'wrong-name'
          ? 'A genuine certificate from the lab CA — but for the proxy’s own name. The chain verifies; the host name does not match (RFC 6125).'
          : 'A certificate for the server’s name, issued by the proxy’s own CA, which the client does not trust.',
      values: [
        ['subject', forged.subject.rfc4514],
        ['issuer', forged.issuer.rfc4514],
      ],
    },
    {
      title: 'The client decides',
      text:
        variant === 'checks-off'
          ? 'With its checks turned off the client accepts any certificate: the handshake completes with the proxy, which now reads and relays everything.'
          : 'The client checks the chain against the lab CA and the name against server.lab.test, and ends the handshake with an alert.',
      values: [
        ['outcome', outcome ?? 'no answer'],
        ['what the proxy read', readable ? readable.split('\r\n')[0] : 'nothing'],
      ],
    },
  ];

  return {
    result: {
      scenario: s.name,
      title: s.title,
      protocol: s.protocol,
      mode: s.mode,
      auth: s.auth,
      substrate: 'memory',
      seed: s.seed,
      verified,
      ...(verified ? {} : { failure: `expected "${expected}", got "${outcome ?? 'no answer'}"` }),
      negotiated,
      metrics: {
        handshake: handshakeMetrics(packets, isClientApp),
        timeToFirstApplicationByteMs: round2((serverGot.firstAtMs ?? Number.NaN) - (packets[0]?.timeMs ?? 0)),
        completionMs: round2((clientGot.lastAtMs ?? Number.NaN) - (packets[0]?.timeMs ?? 0)),
        overhead: overheadMetrics(packets, (p) => p.fromClientSide && isClientApp(p), request.length),
        throughputMbps: Number.NaN,
        cpuMs: cpu.ms,
        loss: { packetsLost: capture.packets.filter((p) => p.fate === 'lost').length, retransmissions: 0, maxHeadOfLineWaitMs: 0 },
      },
      observer: observerViewOfTls(packets, analysis, true),
    },
    capture,
    endpoints: { client: `client ${CLIENT}`, server: `proxy ${PROXY_FRONT} (“${SERVER_NAME}”)` },
    ladder,
    keylogLines: [...(clientEp?.keylogLines ?? []), ...upstreams.flatMap((u) => u.keylogLines)],
    uat: { esp_sa: [], ikev2_decryption_table: [] },
    decodeAs: ['tcp.port==443,tls'],
    explain,
    layouts: [],
    extraFiles: { 'ca.pem': pki.caPem },
  };
}
