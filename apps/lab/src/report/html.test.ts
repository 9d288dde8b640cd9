/**
 * The HTML report is one self-contained file: no scripts, no external references, a ladder per
 * scenario with a row per packet the tap saw, the packet layouts and the comparison charts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findScenario } from '../scenarios/catalogue.js';
import { type CompletedRun, runScenario } from '../scenarios/runner.js';
import { escapeHtml, renderReport } from './html.js';

describe('HTML report', () => {
  const out = mkdtempSync(join(tmpdir(), 'lab-report-'));
  const runs: CompletedRun[] = [];
  let html = '';
  beforeAll(async () => {
    for (const n of ['tcp-plain-http', 'tls13-x509-http', 'tls12-x509-http']) runs.push(await runScenario(findScenario(n)!, { out }));
    html = renderReport(runs, { generated: 'test run' });
  });

  it('references nothing outside itself and runs no script', () => {
    expect(html).not.toMatch(/<script|<link|<img|@import|url\((?!#)/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });

  it('has a section with a ladder diagram per scenario, one arrow per captured packet', () => {
    for (const c of runs) {
      const section = html.split(`<section id="${c.result.scenario}">`)[1]?.split('</section>')[0] ?? '';
      expect(section).toContain('<svg class="ladder"');
      const arrows = section.match(/<line [^>]*class="pkt[^"]*"/g) ?? [];
      expect(arrows.length).toBe(c.run.ladder.length);
      expect(section).toContain(escapeHtml(c.result.tshark[0]));
    }
    // The TLS 1.2 ladder names the cleartext handshake messages the observer reads.
    expect(html).toContain('server_hello, certificate, server_key_exchange, server_hello_done');
  });

  it('tabulates what the observer reads: the certificate only under TLS 1.2, application data only without TLS', () => {
    const matrix = html.split('<h2>What an on-path observer reads</h2>')[1]?.split('</table>')[0] ?? '';
    const row = (name: string) => matrix.split(`<tr><td>${name}</td>`)[1]?.split('</tr>')[0] ?? '';
    expect(row('tls12-x509-http')).toContain('CN=server.lab.test');
    expect(row('tls13-x509-http')).not.toContain('CN=server.lab.test');
    expect(row('tcp-plain-http')).toMatch(/<td class="bad">readable<\/td>$/);
    expect(row('tls13-x509-http')).toMatch(/<td class="ok">hidden<\/td>$/);
  });

  it('draws the comparison charts and the packet layouts', () => {
    expect((html.match(/<svg class="chart"/g) ?? []).length).toBe(7);
    expect((html.match(/<svg class="layout"/g) ?? []).length).toBe(2);
  });
});
