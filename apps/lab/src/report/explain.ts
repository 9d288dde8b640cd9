/**
 * `--explain` for the terminal: the handshake narrative with the run's real values, and the
 * packet layouts field by field.
 */
import pc from 'picocolors';
import type { ExplainStep, PacketLayout } from '../scenarios/run.js';

export function explainText(steps: readonly ExplainStep[], layouts: readonly PacketLayout[], color = true): string {
  const c = color ? pc : pc.createColors(false);
  const lines: string[] = [];
  steps.forEach((s, i) => {
    lines.push(c.bold(`${i + 1}. ${s.title}`));
    lines.push(...wrap(s.text, 100).map((l) => `   ${l}`));
    const width = Math.max(0, ...s.values.map(([k]) => k.length));
    for (const [k, v] of s.values) lines.push(`   ${c.cyan(k.padEnd(width))}  ${v}`);
    lines.push('');
  });
  for (const l of layouts) {
    lines.push(c.bold(l.title));
    let offset = 0;
    for (const f of l.fields) {
      const tag = f.protected === 'clear' ? c.yellow('clear        ') : f.protected === 'encrypted' ? c.green('encrypted    ') : c.magenta('authenticated');
      lines.push(`   ${String(offset).padStart(5)}  ${String(f.bytes).padStart(5)} B  ${tag}  ${f.name.padEnd(22)} ${f.value}`);
      offset += f.bytes;
    }
    lines.push('');
  }
  return lines.join('\n');
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
