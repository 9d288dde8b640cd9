/**
 * IKEv2 between two gateways on the memory substrate: @layersec/ikev2's initiator and responder
 * sessions over UDP port 500, IKE_SA_INIT then IKE_AUTH with the first Child SA (tunnel mode,
 * shared key). This is the key exchange of the IPsec rows of the comparison; the ESP traffic the
 * Child SA protects waits for packages/esp's engine, so no application data flows here.
 */
import { seededRandom } from '@layersec/crypto-primitives';
import {
  ExchangeType,
  type IkeAuthResult,
  type IkeEvent,
  IkeInitiatorSession,
  IkeResponderSession,
  type IkeSaInitResult,
  decodeMessage,
  espSaRows,
  identityFromString,
  ikev2DecryptionTableRow,
  parseIpAddress,
  parseProposals,
  parseTrafficSelector,
} from '@layersec/ikev2';
import { toHex } from '@layersec/wire';
import { MemoryNetwork } from '../substrates/memory/network.js';
import { udp } from '../substrates/memory/udp.js';
import { Capture } from './capture.js';
import { labProvider } from './lab-pki.js';
import { CpuMeter, handshakeMetrics, overheadMetrics } from './metrics.js';
import { ipProtocolName } from './observer.js';
import type { ExplainStep, LadderPacket, ScenarioRun } from './run.js';
import type { Scenario } from './scenario.js';

const GATEWAY_A = '192.0.2.1';
const GATEWAY_B = '192.0.2.2';
const ID_A = 'gw-a@lab.test';
const ID_B = 'gw-b@lab.test';
const IKE_PROPOSAL = 'aes128gcm16-prfsha256-x25519';
const ESP_PROPOSAL = 'aes128gcm16';
const RUN_LIMIT_MS = 120_000;

function exchangeName(t: number): string {
  return Object.entries(ExchangeType).find(([, v]) => v === t)?.[0] ?? `exchange ${t}`;
}

export function runIkev2(s: Scenario): ScenarioRun {
  const net = new MemoryNetwork({ random: seededRandom(`${s.seed}/network`) });
  const a = net.addHost('gw-a');
  const b = net.addHost('gw-b');
  const link = net.connect(a, `${GATEWAY_A}/24`, b, `${GATEWAY_B}/24`, s.impairments);
  const capture = Capture.onMemoryLink(net, link.name, ['gw-a']);
  const loop = net.loop;
  const cpu = new CpuMeter();
  const clock = { now: () => loop.now() };
  const psk = seededRandom(`${s.seed}/psk`).randomBytes(32);
  const proposals = parseProposals(IKE_PROPOSAL, 'ike');
  const esp = parseProposals(ESP_PROPOSAL, 'esp');
  const tsA = [parseTrafficSelector('10.1.0.0/24')];
  const tsB = [parseTrafficSelector('10.2.0.0/24')];
  const epA = { address: parseIpAddress(GATEWAY_A)!, port: 500 };
  const epB = { address: parseIpAddress(GATEWAY_B)!, port: 500 };

  const initiator = new IkeInitiatorSession(
    { ctx: { provider: labProvider, random: seededRandom(`${s.seed}/initiator`), clock }, ike: { proposals }, local: epA, remote: epB },
    { localId: identityFromString(ID_A), remoteId: identityFromString(ID_B), sharedSecret: psk, child: { espProposals: esp, localTs: tsA, remoteTs: tsB, mode: 'tunnel' } },
  );
  const responder = new IkeResponderSession(
    { ctx: { provider: labProvider, random: seededRandom(`${s.seed}/responder`), clock }, ike: { proposals }, local: epB, remote: epA },
    { localId: identityFromString(ID_B), sharedSecretFor: () => psk, child: { espProposals: esp, localTs: tsB, remoteTs: tsA, mode: 'tunnel' } },
  );

  let failure: string | undefined;
  const established: Partial<Record<'initiator' | 'responder', { sa: IkeSaInitResult; auth: IkeAuthResult; atMs: number }>> = {};
  const sockets = { initiator: udp(a).bind(500), responder: udp(b).bind(500) };
  const pump = (role: 'initiator' | 'responder') => {
    const session = role === 'initiator' ? initiator : responder;
    const events: IkeEvent[] = cpu.measure(() => session.poll());
    for (const e of events) {
      if (e.type === 'send') sockets[role].send(e.datagram, { address: role === 'initiator' ? GATEWAY_B : GATEWAY_A, port: e.to.port });
      else if (e.type === 'established') established[role] = { sa: e.sa, auth: e.auth, atMs: loop.now() };
      else if (e.type === 'failed') failure ??= `${role}: ${e.error.message}`;
    }
  };
  sockets.responder.onMessage((d, from) => {
    cpu.measure(() => responder.receive(d, 500, { address: parseIpAddress(from.address)!, port: from.port }));
    pump('responder');
  });
  sockets.initiator.onMessage((d) => {
    cpu.measure(() => initiator.receive(d, 500));
    pump('initiator');
  });
  // Retransmission timers (RFC 7296 §2.1) run on the virtual clock.
  const ticker = () => {
    if (established.initiator && established.responder) return;
    initiator.tick(loop.now());
    responder.tick(loop.now());
    pump('initiator');
    pump('responder');
    loop.after(50, ticker);
  };
  cpu.measure(() => initiator.start());
  pump('initiator');
  loop.after(50, ticker);
  loop.runUntil(() => (established.initiator !== undefined && established.responder !== undefined) || failure !== undefined, RUN_LIMIT_MS);
  capture.detach();

  const i = established.initiator;
  const r = established.responder;
  const childI = i?.auth.child.kind === 'established' ? i.auth.child.sa : undefined;
  const childR = r?.auth.child.kind === 'established' ? r.auth.child.sa : undefined;
  // Both ends agree: the same SK_* keys, and each side's outbound Child SA keys are the other's inbound ones.
  const agree =
    i !== undefined &&
    r !== undefined &&
    toHex(i.sa.skeyseed) === toHex(r.sa.skeyseed) &&
    childI !== undefined &&
    childR !== undefined &&
    toHex(childI.outbound.encr) === toHex(childR.inbound.encr) &&
    toHex(childI.outboundSpi) === toHex(childR.inboundSpi);
  if (!agree) failure ??= 'the two gateways do not hold matching SAs';

  const packets = capture.onWire;
  const labels = new Map<number, string[]>();
  const facts = new Set<string>();
  for (const p of packets) {
    if (!p.udp) continue;
    try {
      const m = decodeMessage(p.udp.payload);
      const kinds = m.payloads.map((x) => x.kind);
      labels.set(p.number, [`${exchangeName(m.header.exchangeType)} ${m.header.initiator ? 'request' : 'response'} { ${kinds.join(', ')} }`]);
      if (m.header.responderSpi.some((x) => x !== 0)) facts.add(`IKE SA SPIs ${toHex(m.header.initiatorSpi)} / ${toHex(m.header.responderSpi)}`);
      if (m.header.exchangeType === ExchangeType.IKE_SA_INIT && kinds.includes('SA')) facts.add('IKE_SA_INIT: proposals, key exchange group and nonces in clear');
      if (kinds.includes('SK')) facts.add('IKE_AUTH: identities, AUTH, Child SA proposal, SPIs and traffic selectors encrypted (SK)');
    } catch {
      labels.set(p.number, [`UDP [${p.udp.payload.length}]`]);
    }
  }
  const ladder: LadderPacket[] = capture.packets.map((p) => ({
    number: p.number,
    timeMs: p.timeMs,
    fromClientSide: p.fromClientSide,
    fate: p.fate,
    length: p.bytes.length,
    labels: labels.get(p.number) ?? [],
  }));
  const addresses = new Set<string>();
  const ports = new Set<string>();
  const protocols = new Set<string>();
  for (const p of packets) {
    addresses.add(p.source).add(p.destination);
    protocols.add(ipProtocolName(p.protocol));
    if (p.udp) ports.add(`udp/${p.udp.sourcePort}`).add(`udp/${p.udp.destinationPort}`);
  }

  const negotiated: Record<string, string> = {};
  if (i) {
    negotiated.ikeProposal = IKE_PROPOSAL;
    negotiated.espProposal = ESP_PROPOSAL;
    negotiated.authentication = 'shared key (PSK)';
    negotiated.ikeSpis = `${toHex(i.sa.initiatorSpi)} / ${toHex(i.sa.responderSpi)}`;
  }
  if (childI) negotiated.childSa = `tunnel, SPIs out 0x${toHex(childI.outboundSpi)} / in 0x${toHex(childI.inboundSpi)}`;

  const uat = { esp_sa: [] as string[], ikev2_decryption_table: [] as string[] };
  if (i) {
    const row = ikev2DecryptionTableRow(i.sa);
    if (row) uat.ikev2_decryption_table.push(row);
  }
  if (childI) uat.esp_sa.push(...(espSaRows(childI, parseIpAddress(GATEWAY_A)!, parseIpAddress(GATEWAY_B)!) ?? []));

  const explain: ExplainStep[] = [];
  if (i) {
    const k = i.sa.keys;
    explain.push(
      {
        title: 'IKE_SA_INIT (in clear)',
        text: 'HDR, SAi1, KEi, Ni, N(NAT_DETECTION_*) --> and <-- HDR, SAr1, KEr, Nr, N(NAT_DETECTION_*): proposals, Diffie-Hellman values and nonces cross the wire unencrypted.',
        values: [
          ['SPIi', toHex(i.sa.initiatorSpi)],
          ['SPIr', toHex(i.sa.responderSpi)],
          ['Ni', toHex(i.sa.ni)],
          ['Nr', toHex(i.sa.nr)],
          ['g^ir (x25519 shared secret)', toHex(i.sa.sharedSecret)],
        ],
      },
      {
        title: 'SKEYSEED and the seven SK_* keys (RFC 7296 §2.14)',
        text: 'SKEYSEED = prf(Ni | Nr, g^ir); {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). With AES-GCM the integrity keys are empty; the encryption keys carry the 4-byte salt at their end.',
        values: [
          ['SKEYSEED', toHex(i.sa.skeyseed)],
          ['SK_d', toHex(k.SK_d)],
          ['SK_ai', toHex(k.SK_ai) || '(none: AEAD)'],
          ['SK_ar', toHex(k.SK_ar) || '(none: AEAD)'],
          ['SK_ei', toHex(k.SK_ei)],
          ['SK_er', toHex(k.SK_er)],
          ['SK_pi', toHex(k.SK_pi)],
          ['SK_pr', toHex(k.SK_pr)],
        ],
      },
      {
        title: 'IKE_AUTH (encrypted, SK payload)',
        text:
          'HDR, SK {IDi, [IDr,] AUTH, SAi2, TSi, TSr} --> and <-- HDR, SK {IDr, AUTH, SAr2, TSi, TSr}. AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets>) ' +
          'where the initiator signs its IKE_SA_INIT message, Nr and prf(SK_pi, IDi′) (§2.15).',
        values: [
          ['IDi', ID_A],
          ['IDr', ID_B],
        ],
      },
    );
  }
  if (childI) {
    explain.push({
      title: 'The first Child SA (KEYMAT, §2.17)',
      text: 'KEYMAT = prf+(SK_d, Ni | Nr), taken initiator-to-responder first; for AES-GCM each direction gets a 16-byte key and a 4-byte salt. ESP packets under these SAs wait for the ESP engine.',
      values: [
        [`out SPI 0x${toHex(childI.outboundSpi)} key`, toHex(childI.outbound.encr)],
        [`in SPI 0x${toHex(childI.inboundSpi)} key`, toHex(childI.inbound.encr)],
      ],
    });
  }

  const doneAt = i?.atMs ?? Number.NaN;
  const handshake = handshakeMetrics(packets, () => false);
  handshake.durationMs = doneAt - (packets[0]?.timeMs ?? 0);

  return {
    result: {
      scenario: s.name,
      title: s.title,
      protocol: s.protocol,
      mode: s.mode,
      auth: s.auth,
      substrate: 'memory',
      seed: s.seed,
      verified: failure === undefined,
      ...(failure ? { failure } : {}),
      negotiated,
      metrics: {
        handshake,
        timeToFirstApplicationByteMs: Number.NaN,
        completionMs: doneAt,
        // No application data crosses yet: no per-packet overhead to report.
        overhead: { ...overheadMetrics(packets, () => false, 0), bytesPerPacket: Number.NaN },
        throughputMbps: Number.NaN,
        cpuMs: cpu.ms,
        loss: { packetsLost: capture.packets.filter((p) => p.fate === 'lost').length, retransmissions: 0, maxHeadOfLineWaitMs: 0 },
      },
      observer: {
        addresses: [...addresses].sort(),
        ipProtocols: [...protocols].sort(),
        ports: [...ports].sort(),
        serverName: null,
        certificateVisible: false,
        certificateSubjects: [],
        cleartextFacts: [...facts],
        protectedUnitSizes: packets.filter((p) => p.udp && labels.get(p.number)?.[0]?.includes('SK')).map((p) => p.udp!.payload.length),
        applicationDataVisible: false,
      },
    },
    capture,
    endpoints: { client: `gw-a ${GATEWAY_A} (initiator)`, server: `gw-b ${GATEWAY_B} (responder)` },
    ladder,
    keylogLines: [],
    uat,
    decodeAs: [],
    explain,
    layouts: [],
    extraFiles: { 'psk.txt': `identities ${ID_A} ${ID_B}\nshared key ${toHex(psk)}\n`, 'swanctl-proposals.txt': `proposals = ${IKE_PROPOSAL}\nesp_proposals = ${ESP_PROPOSAL}\n` },
  };
}

/** The gateways' identities (IDi, IDr), which only a decryptor of IKE_AUTH can read. */
export const IKEV2_IDENTITIES = { initiator: ID_A, responder: ID_B } as const;
