/**
 * The HTML report: one self-contained file (inline CSS and SVG, no scripts, no external assets)
 * with the comparison table and charts, and per scenario its figures, what the observer reads,
 * the ladder diagram of the exchange from the tap, packet layouts and the `--explain` narrative.
 */
import type { CompletedRun } from '../scenarios/runner.js';
import type { ScenarioResult } from '../scenarios/result.js';
import type { LadderPacket, PacketLayout } from '../scenarios/run.js';
import { observerSummary, protectionLabel } from './table.js';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const COLORS: Record<string, string> = {
  'tls1.3': '#2b6cb0',
  'tls1.2': '#6b46c1',
  'dtls1.2': '#b7791f',
  esp: '#2f855a',
  ikev2: '#276749',
  tcp: '#718096',
  udp: '#a0aec0',
};

function fmt(x: number, digits = 2): string {
  return Number.isFinite(x) ? String(Math.round(x * 10 ** digits) / 10 ** digits) : '—';
}

/** A horizontal bar chart, one bar per scenario. */
export function barChart(title: string, unit: string, items: ReadonlyArray<{ label: string; value: number; protocol: string }>): string {
  const rowH = 22;
  const labelW = 190;
  const barW = 420;
  const h = 34 + items.length * rowH + 8;
  const finite = items.map((i) => (Number.isFinite(i.value) ? i.value : 0));
  const max = Math.max(1e-9, ...finite);
  const rows = items
    .map((it, i) => {
      const y = 30 + i * rowH;
      const v = Number.isFinite(it.value) ? it.value : 0;
      const w = Math.max(1, (v / max) * barW);
      return (
        `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end" class="lbl">${escapeHtml(it.label)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 7}" fill="${COLORS[it.protocol] ?? '#444'}"><title>${escapeHtml(`${it.label}: ${fmt(it.value)} ${unit}`)}</title></rect>` +
        `<text x="${labelW + w + 5}" y="${y + 14}" class="val">${escapeHtml(fmt(it.value))}</text>`
      );
    })
    .join('');
  return (
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 80}" height="${h}" role="img" aria-label="${escapeHtml(title)}">` +
    `<text x="4" y="18" class="ttl">${escapeHtml(title)} (${escapeHtml(unit)})</text>${rows}</svg>`
  );
}

/** The ladder (sequence) diagram of the packets on the observed link, as the tap saw them. */
export function ladderDiagram(endpoints: { client: string; server: string }, ladder: readonly LadderPacket[], head = 40, tail = 8): string {
  const rows: Array<LadderPacket | null> = ladder.length > head + tail + 1 ? [...ladder.slice(0, head), null, ...ladder.slice(-tail)] : [...ladder];
  const left = 150;
  const right = 650;
  const rowH = 26;
  const top = 46;
  const h = top + rows.length * rowH + 20;
  const parts: string[] = [
    `<defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>`,
    `<text x="${left}" y="18" text-anchor="middle" class="end">${escapeHtml(endpoints.client)}</text>`,
    `<text x="${right}" y="18" text-anchor="middle" class="end">${escapeHtml(endpoints.server)}</text>`,
    `<line x1="${left}" y1="26" x2="${left}" y2="${h - 8}" class="life"/>`,
    `<line x1="${right}" y1="26" x2="${right}" y2="${h - 8}" class="life"/>`,
  ];
  rows.forEach((p, i) => {
    const y = top + i * rowH;
    if (!p) {
      parts.push(`<text x="${(left + right) / 2}" y="${y + 8}" text-anchor="middle" class="gap">… ${ladder.length - head - tail} more packets …</text>`);
      return;
    }
    const [x1, x2] = p.fromClientSide ? [left, right] : [right, left];
    const lost = p.fate === 'lost';
    const xEnd = lost ? (x1 + x2) / 2 : x2;
    parts.push(
      `<line x1="${x1}" y1="${y}" x2="${xEnd}" y2="${y + 10}" class="${lost ? 'pkt lost' : 'pkt'}" ${lost ? '' : 'marker-end="url(#arr)"'}/>`,
    );
    if (lost) parts.push(`<text x="${xEnd}" y="${y + 14}" text-anchor="middle" class="x">✕ lost</text>`);
    const label = `${p.labels.join(' · ') || '—'} (${p.length} B)`;
    parts.push(`<text x="${(left + right) / 2}" y="${y - 2}" text-anchor="middle" class="plbl">${escapeHtml(label)}</text>`);
    parts.push(`<text x="${left - 8}" y="${y + 8}" text-anchor="end" class="time">#${p.number} ${fmt(p.timeMs, 3)} ms</text>`);
  });
  return `<svg class="ladder" xmlns="http://www.w3.org/2000/svg" width="${right + 160}" height="${h}" role="img" aria-label="ladder diagram">${parts.join('')}</svg>`;
}

const FIELD_COLORS = { clear: '#f6e05e', encrypted: '#68d391', authenticated: '#d6bcfa' } as const;

/** A packet laid out field by field: boxes in wire order, coloured by what protects them. */
export function layoutDiagram(layout: PacketLayout): string {
  const minW = 78;
  const total = layout.fields.reduce((n, f) => n + f.bytes, 0);
  const scale = 900 / Math.max(1, total);
  const widths = layout.fields.map((f) => Math.max(minW, f.bytes * scale));
  const sum = widths.reduce((a, b) => a + b, 0);
  let x = 4;
  const parts: string[] = [];
  layout.fields.forEach((f, i) => {
    const w = widths[i];
    parts.push(
      `<rect x="${x.toFixed(1)}" y="22" width="${w.toFixed(1)}" height="54" fill="${FIELD_COLORS[f.protected]}" stroke="#333"><title>${escapeHtml(`${f.name}: ${f.bytes} bytes, ${f.protected}; ${f.value}`)}</title></rect>`,
      `<text x="${(x + w / 2).toFixed(1)}" y="42" text-anchor="middle" class="fname">${escapeHtml(f.name)}</text>`,
      `<text x="${(x + w / 2).toFixed(1)}" y="60" text-anchor="middle" class="fbytes">${f.bytes} B</text>`,
    );
    x += w;
  });
  const legend = (Object.keys(FIELD_COLORS) as Array<keyof typeof FIELD_COLORS>)
    .map((k, i) => `<rect x="${4 + i * 130}" y="88" width="14" height="14" fill="${FIELD_COLORS[k]}" stroke="#333"/><text x="${22 + i * 130}" y="100" class="fbytes">${k}</text>`)
    .join('');
  return (
    `<svg class="layout" xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(sum + 10)}" height="110" role="img" aria-label="packet layout">` +
    `<text x="4" y="14" class="ttl">${escapeHtml(layout.title)}</text>${parts.join('')}${legend}</svg>`
  );
}

function comparisonRows(results: readonly ScenarioResult[]): string {
  return results
    .map((r) => {
      const m = r.metrics;
      return (
        `<tr><td><a href="#${escapeHtml(r.scenario)}">${escapeHtml(r.scenario)}</a></td><td>${escapeHtml(protectionLabel(r))}</td><td>${escapeHtml(r.auth)}</td>` +
        `<td>${m.handshake.roundTrips}</td><td>${m.handshake.bytes}</td><td>${fmt(m.timeToFirstApplicationByteMs)}</td>` +
        `<td>${fmt(m.overhead.bytesPerPacket)}</td><td>${fmt(m.throughputMbps)}</td><td>${fmt(m.cpuMs)}</td>` +
        `<td>${m.loss.packetsLost} / ${m.loss.retransmissions} / ${fmt(m.loss.maxHeadOfLineWaitMs)}</td>` +
        `<td>${escapeHtml(observerSummary(r))}</td><td class="${r.verified ? 'ok' : 'bad'}">${r.verified ? 'yes' : 'NO'}</td></tr>`
      );
    })
    .join('\n');
}

/** Per scenario, what the on-path observer reads: one row per scenario, one column per fact. */
export function observerMatrix(results: readonly ScenarioResult[]): string {
  const yes = '<td class="bad">readable</td>';
  const no = '<td class="ok">hidden</td>';
  const rows = results.map((r) => {
    const o = r.observer;
    const service = o.ports.filter((p) => Number(p.split('/')[1]) < 49152);
    return (
      `<tr><td>${escapeHtml(r.scenario)}</td><td>${escapeHtml(protectionLabel(r))}</td>` +
      `<td>${escapeHtml(o.addresses.join(' ↔ '))}</td>` +
      `<td>${escapeHtml(service.join(' ') || o.ipProtocols.join(' '))}</td>` +
      (o.serverName ? `<td class="bad">${escapeHtml(o.serverName)}</td>` : no) +
      (o.certificateVisible ? `<td class="bad">${escapeHtml(o.certificateSubjects[0] ?? 'yes')}</td>` : no) +
      `<td class="bad">${o.protectedUnitSizes.length ? escapeHtml(o.protectedUnitSizes.slice(0, 4).join(', ')) : 'packet sizes'}</td>` +
      (o.applicationDataVisible ? yes : no) +
      '</tr>'
    );
  });
  return (
    '<table class="cmp"><tr><th>scenario</th><th>protection</th><th>addresses</th><th>service</th><th>server name</th>' +
    `<th>certificate</th><th>sizes</th><th>application data</th></tr>${rows.join('')}</table>`
  );
}

function scenarioSection(c: CompletedRun): string {
  const r = c.result;
  const m = r.metrics;
  const kv = (k: string, v: string) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`;
  const facts = [
    kv('protection', `${protectionLabel(r)} (${r.auth}) on ${r.substrate}, seed "${r.seed}"`),
    ...Object.entries(r.negotiated).map(([k, v]) => kv(`negotiated ${k}`, v)),
    kv('verified', r.verified ? 'yes: each side received exactly the bytes sent' : `NO${r.failure ? `: ${r.failure}` : ''}`),
    kv('handshake', `${m.handshake.roundTrips} round trips (${m.handshake.transportRoundTrips} TCP), ${m.handshake.packets} packets, ${m.handshake.bytes} bytes, ${fmt(m.handshake.durationMs)} ms`),
    kv('first application byte at the server', `${fmt(m.timeToFirstApplicationByteMs)} ms`),
    kv('response complete', `${fmt(m.completionMs)} ms`),
    kv('overhead', `${fmt(m.overhead.bytesPerPacket)} bytes per data packet (${m.overhead.dataPackets} packets, ${m.overhead.applicationBytes} application bytes)`),
    kv('throughput', `${fmt(m.throughputMbps)} Mbit/s`),
    kv('CPU', `${fmt(m.cpuMs)} ms`),
    kv('loss', `${m.loss.packetsLost} lost, ${m.loss.retransmissions} retransmitted, longest head-of-line wait ${fmt(m.loss.maxHeadOfLineWaitMs)} ms`),
  ].join('');
  const o = r.observer;
  const observer = [
    kv('addresses', o.addresses.join(', ')),
    kv('protocols and ports', `${o.ipProtocols.join(', ')}; ${o.ports.join(', ') || 'none'}`),
    kv('server name (SNI)', o.serverName ?? 'not visible'),
    kv('certificate', o.certificateVisible ? `in clear${o.certificateSubjects.length ? `: ${o.certificateSubjects.join(' | ')}` : ''}` : 'not visible'),
    kv('in clear', o.cleartextFacts.join('; ') || '—'),
    kv('sizes of protected units', o.protectedUnitSizes.join(', ') || '—'),
    kv('timing', 'every packet’s time and size'),
    kv('application data', o.applicationDataVisible ? 'READABLE' : 'encrypted'),
  ].join('');
  const explain = c.run.explain
    .map(
      (s, i) =>
        `<h4>${i + 1}. ${escapeHtml(s.title)}</h4><p>${escapeHtml(s.text)}</p>` +
        (s.values.length ? `<table class="kv mono">${s.values.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>` : ''),
    )
    .join('');
  const files = Object.values(r.files)
    .map((f) => `<a href="${escapeHtml(`${r.scenario}/${f}`)}">${escapeHtml(f)}</a>`)
    .join(' · ');
  return `<section id="${escapeHtml(r.scenario)}">
<h2>${escapeHtml(r.scenario)} — ${escapeHtml(r.title)}</h2>
<p>${escapeHtml(c.scenario.description)}</p>
<div class="cols"><div><h3>Figures</h3><table class="kv">${facts}</table></div>
<div><h3>What the on-path observer reads</h3><table class="kv">${observer}</table></div></div>
<h3>Ladder diagram (tap on ${escapeHtml(c.run.capture.linkName)})</h3>
<div class="scroll">${ladderDiagram(c.run.endpoints, c.run.ladder)}</div>
${c.run.layouts.length ? `<h3>Packet layout</h3><div class="scroll">${c.run.layouts.map(layoutDiagram).join('')}</div>` : ''}
${explain ? `<h3>Step by step</h3>${explain}` : ''}
<h3>Files and decryption</h3><p>${files}</p>
${r.tshark.map((t) => `<pre>${escapeHtml(t)}</pre>`).join('')}
</section>`;
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1a202c;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;border-top:2px solid #cbd5e0;padding-top:14px;margin-top:32px}h3{font-size:15px;margin-bottom:6px}h4{margin:10px 0 2px}
table{border-collapse:collapse}td,th{border:1px solid #cbd5e0;padding:3px 7px;text-align:left;vertical-align:top}
table.cmp th{background:#edf2f7}.kv th{background:#f7fafc;font-weight:600;white-space:nowrap}
.mono td{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
.ok{color:#276749;font-weight:700}.bad{color:#c53030;font-weight:700}
.cols{display:flex;gap:24px;flex-wrap:wrap}.scroll{overflow-x:auto}
.charts{display:flex;flex-wrap:wrap;gap:10px}
pre{background:#1a202c;color:#e2e8f0;padding:8px;overflow-x:auto;font-size:12px}
svg text{font-family:system-ui,sans-serif}.lbl,.val,.fbytes{font-size:12px}.ttl{font-size:13px;font-weight:700}
.end{font-size:13px;font-weight:700}.life{stroke:#4a5568;stroke-width:2}.pkt{stroke:#333;stroke-width:1.3}.lost{stroke:#c53030;stroke-dasharray:4 3}
.plbl{font-size:11px}.time{font-size:10px;fill:#4a5568}.x{fill:#c53030;font-size:11px}.gap{font-size:12px;fill:#4a5568}.fname{font-size:11px;font-weight:600}
`;

export function renderReport(runs: readonly CompletedRun[], options: { title?: string; generated: string; skipped?: readonly string[] }): string {
  const results = runs.map((r) => r.result);
  const item = (f: (r: ScenarioResult) => number) => results.map((r) => ({ label: r.scenario, value: f(r), protocol: r.protocol }));
  const charts = [
    barChart('Handshake round trips', 'RTT', item((r) => r.metrics.handshake.roundTrips)),
    barChart('Handshake bytes on the wire', 'bytes', item((r) => r.metrics.handshake.bytes)),
    barChart('Time to first application byte', 'ms', item((r) => r.metrics.timeToFirstApplicationByteMs)),
    barChart('Overhead per data packet', 'bytes', item((r) => r.metrics.overhead.bytesPerPacket)),
    barChart('Throughput of the response', 'Mbit/s', item((r) => r.metrics.throughputMbps)),
    barChart('CPU time of the protocol work', 'ms', item((r) => r.metrics.cpuMs)),
    barChart('Longest head-of-line wait', 'ms', item((r) => r.metrics.loss.maxHeadOfLineWaitMs)),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.title ?? 'layersec lab report')}</title>
<style>${CSS}</style></head><body>
<h1>${escapeHtml(options.title ?? 'layersec lab report')}</h1>
<p>${escapeHtml(options.generated)}. Every figure was measured in the run: packets and bytes on the tap, times on the virtual clock, CPU with process.cpuUsage.</p>
${options.skipped && options.skipped.length ? `<p>Not run: ${options.skipped.map(escapeHtml).join('; ')}</p>` : ''}
<h2>Comparison</h2>
<table class="cmp"><tr><th>scenario</th><th>protection</th><th>auth</th><th>handshake RTT</th><th>handshake bytes</th><th>first app byte (ms)</th><th>overhead B/packet</th><th>throughput Mbit/s</th><th>CPU ms</th><th>lost / retx / HoL ms</th><th>observer sees</th><th>ok</th></tr>
${comparisonRows(results)}</table>
<div class="charts">${charts.join('\n')}</div>
<h2>What an on-path observer reads</h2>
<p>From the capture alone, without keys. Timing is readable in every case.</p>
${observerMatrix(results)}
${runs.map(scenarioSection).join('\n')}
</body></html>
`;
}
