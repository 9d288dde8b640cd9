/**
 * Terminal output: the comparison table (cli-table3), the catalogue listing, and one scenario's
 * figures.
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import type { ScenarioResult } from '../scenarios/result.js';
import type { Scenario } from '../scenarios/scenario.js';

export function protectionLabel(r: Pick<ScenarioResult, 'protocol' | 'mode'>): string {
  switch (r.protocol) {
    case 'tls1.3':
      return 'TLS 1.3';
    case 'tls1.2':
      return 'TLS 1.2';
    case 'dtls1.2':
      return 'DTLS 1.2';
    case 'esp':
      return `ESP ${r.mode}`;
    case 'ikev2':
      return 'IKEv2 (keys only)';
    case 'tcp':
      return 'none (TCP)';
    case 'udp':
      return 'none (UDP)';
  }
}

function num(x: number, digits = 1): string {
  return Number.isFinite(x) ? x.toFixed(digits).replace(/\.0+$/, '') : '—';
}

export function observerSummary(r: ScenarioResult): string {
  const o = r.observer;
  const parts = [o.addresses.join(' ↔ ')];
  // The service's port says what runs; the client's ephemeral port says little.
  const service = o.ports.filter((p) => Number(p.split('/')[1]) < 49152);
  parts.push(service.length ? service.join(' ') : o.ipProtocols.join(' '));
  if (o.serverName) parts.push(`SNI ${o.serverName}`);
  parts.push(o.certificateVisible ? 'certificate in clear' : 'no certificate');
  if (o.applicationDataVisible) parts.push('DATA IN CLEAR');
  return parts.join('; ');
}

/** The comparison: one row per scenario. */
export function comparisonTable(results: readonly ScenarioResult[], color = true): string {
  const c = color ? pc : pc.createColors(false);
  const table = new Table({
    head: [
      'scenario',
      'protection',
      'auth',
      'handshake\nRTT',
      'handshake\nbytes',
      'first app\nbyte (ms)',
      'overhead\nB/packet',
      'throughput\nMbit/s',
      'CPU\nms',
      'lost / retx /\nHoL wait ms',
      'observer sees',
      'ok',
    ].map((h) => c.bold(h)),
    style: { head: [], border: [] },
    colWidths: [22, 12, 6, 11, 11, 11, 10, 12, 8, 15, 34, 5],
    wordWrap: true,
  });
  for (const r of results) {
    const m = r.metrics;
    table.push([
      r.scenario,
      protectionLabel(r),
      r.auth,
      `${m.handshake.roundTrips} (${m.handshake.transportRoundTrips} tcp)`,
      String(m.handshake.bytes),
      num(m.timeToFirstApplicationByteMs),
      num(m.overhead.bytesPerPacket, 2),
      num(m.throughputMbps, 2),
      num(m.cpuMs),
      `${m.loss.packetsLost} / ${m.loss.retransmissions} / ${num(m.loss.maxHeadOfLineWaitMs)}`,
      observerSummary(r),
      r.verified ? c.green('yes') : c.red('NO'),
    ]);
  }
  return table.toString();
}

export function catalogueTable(scenarios: readonly Scenario[], color = true): string {
  const c = color ? pc : pc.createColors(false);
  const table = new Table({
    head: ['name', 'protection', 'auth', 'substrates', 'workload', 'link', 'standard', 'title'].map((h) => c.bold(h)),
    style: { head: [], border: [] },
    colWidths: [24, 12, 6, 11, 14, 22, 9, 50],
    wordWrap: true,
  });
  for (const s of scenarios) {
    const w = s.workload.kind === 'bulk' ? `GET ${bytes(s.workload.bytes)}` : `GET ${bytes(s.workload.responseBodyBytes)}`;
    const i = s.impairments;
    const link = [
      i.delayMs !== undefined ? `${i.delayMs} ms` : '',
      i.bandwidthMbps ? `${i.bandwidthMbps} Mbit/s` : '',
      i.loss ? `${i.loss * 100}% loss` : '',
      i.reorder ? `${i.reorder * 100}% reorder` : '',
      i.duplicate ? `${i.duplicate * 100}% dup` : '',
    ].filter(Boolean).join(', ');
    table.push([s.name, protectionLabel(s), s.auth, s.substrates.join(' '), w, link, s.standard ? 'yes' : '', s.title]);
  }
  return table.toString();
}

export function bytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / 1024 / 1024} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}

/** One scenario's figures as a two-column table. */
export function scenarioTable(r: ScenarioResult, color = true): string {
  const c = color ? pc : pc.createColors(false);
  const m = r.metrics;
  const table = new Table({ style: { head: [], border: [] }, colWidths: [34, 80], wordWrap: true });
  const row = (k: string, v: string) => table.push([c.bold(k), v]);
  row('protection', `${protectionLabel(r)} (${r.auth}) on ${r.substrate}`);
  for (const [k, v] of Object.entries(r.negotiated)) row(`negotiated ${k}`, v);
  row('verified', r.verified ? c.green('yes') : c.red(`NO${r.failure ? `: ${r.failure}` : ''}`));
  row('handshake round trips', `${m.handshake.roundTrips} (of which ${m.handshake.transportRoundTrips} TCP)`);
  row('handshake packets / bytes', `${m.handshake.packets} / ${m.handshake.bytes} (until ${num(m.handshake.durationMs, 2)} ms)`);
  row('first application byte at server', `${num(m.timeToFirstApplicationByteMs, 2)} ms`);
  row('response complete at client', `${num(m.completionMs, 2)} ms`);
  row(
    'overhead per data packet',
    `${num(m.overhead.bytesPerPacket, 2)} B (${m.overhead.dataPackets} packets, ${m.overhead.dataPacketBytes} B carrying ${m.overhead.applicationBytes} B of application data)`,
  );
  row('all packets / bytes', `${m.overhead.totalPackets} / ${m.overhead.totalBytes}`);
  row('throughput (response)', `${num(m.throughputMbps, 2)} Mbit/s`);
  row('CPU (protocol work, both peers)', `${num(m.cpuMs, 2)} ms`);
  row('lost / retransmitted / HoL wait', `${m.loss.packetsLost} / ${m.loss.retransmissions} / ${num(m.loss.maxHeadOfLineWaitMs, 2)} ms`);
  const o = r.observer;
  row('observer: addresses', o.addresses.join(', '));
  row('observer: protocols, ports', `${o.ipProtocols.join(', ')}; ${o.ports.join(', ') || 'no ports'}`);
  row('observer: server name (SNI)', o.serverName ?? 'not visible');
  row('observer: certificate', o.certificateVisible ? `in clear${o.certificateSubjects.length ? `: ${o.certificateSubjects.join(' | ')}` : ''}` : 'not visible');
  row('observer: in clear', o.cleartextFacts.join('; ') || '—');
  row('observer: protected unit sizes', o.protectedUnitSizes.join(', ') || '—');
  row('observer: application data', o.applicationDataVisible ? c.red('readable') : 'encrypted');
  return table.toString();
}
