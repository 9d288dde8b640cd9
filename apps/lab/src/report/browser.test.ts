/**
 * The report in a real browser (Debian's chromium, headless): the page loads without console
 * messages and its DOM holds every diagram; each SVG, loaded as an SVG document, passes the browser's strict XML
 * parser (an inline SVG in HTML would be parsed leniently and hide mistakes). Skipped, with a
 * message, where chromium is not installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findScenario } from '../scenarios/catalogue.js';
import { runScenario } from '../scenarios/runner.js';
import { renderReport } from './html.js';

const CHROMIUM = ['chromium', 'chromium-browser'].find((c) => spawnSync(c, ['--version']).status === 0);
const maybe = CHROMIUM ? it : it.skip;
if (!CHROMIUM) console.warn('chromium not installed: the browser check of the report is skipped');

function load(file: string): { dom: string; log: string } {
  const r = spawnSync(
    CHROMIUM!,
    [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${mkdtempSync(join(tmpdir(), 'lab-chromium-'))}`,
      '--enable-logging=stderr', '--v=0', '--dump-dom', `file://${file}`,
    ],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0) throw new Error(`chromium failed: ${r.stderr}`);
  return { dom: r.stdout, log: r.stderr };
}

describe('the report in headless chromium', () => {
  maybe('renders every diagram without console messages, and each SVG is well-formed XML', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-browser-'));
    const runs = [];
    for (const n of ['tls13-x509-http', 'tls12-x509-http']) runs.push(await runScenario(findScenario(n)!, { out: dir }));
    const html = renderReport(runs, { generated: 'browser test' });
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const page = load(file);
    expect(page.log).not.toMatch(/CONSOLE/);
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBe(7 + 2 * 2); // charts, and a ladder and a layout per scenario
    expect((page.dom.match(/<svg /g) ?? []).length).toBe(svgs.length);
    // All figures in one SVG document (nested <svg> elements are valid SVG), read by the XML parser.
    const f = join(dir, 'figures.svg');
    writeFileSync(f, `<svg xmlns="http://www.w3.org/2000/svg">${svgs.join('')}</svg>`);
    const alone = load(f);
    expect(alone.dom).not.toMatch(/parsererror|This page contains the following errors/);
    expect((alone.dom.match(/<svg/g) ?? []).length).toBe(svgs.length + 1);
  });
});
