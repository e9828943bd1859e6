// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export function visibleWidth(text: string): number {
  return [...stripAnsi(text)].length;
}

export function padEnd(text: string, width: number): string {
  const w = visibleWidth(text);
  return w >= width ? text : text + ' '.repeat(width - w);
}

export function padStart(text: string, width: number): string {
  const w = visibleWidth(text);
  return w >= width ? text : ' '.repeat(width - w) + text;
}

/** Cuts a line to `width` visible characters, keeping colour codes balanced. */
export function truncate(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let visible = 0;
  let i = 0;
  let styled = false;
  while (i < text.length && visible < width - 1) {
    if (text[i] === '\u001b') {
      const m = /^\u001b\[[0-9;?]*[A-Za-z]/.exec(text.slice(i));
      if (m) {
        out += m[0];
        styled = m[0] !== '\u001b[0m' && m[0] !== '\u001b[39m';
        i += m[0].length;
        continue;
      }
    }
    const cp = text.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    out += ch;
    i += ch.length;
    visible++;
  }
  return out + '…' + (styled ? '\u001b[0m' : '');
}

/** A simple aligned table of plain rows (first row is the header). */
export function columns(rows: string[][], align: ('left' | 'right')[] = [], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleWidth(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => (align[i] === 'right' ? padStart(cell, widths[i]!) : i === row.length - 1 ? cell : padEnd(cell, widths[i]!)))
      .join(' '.repeat(gap))
      .trimEnd(),
  );
}

/** Word-wraps plain text to `width` columns, each line prefixed with `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const room = Math.max(20, width - visibleWidth(indent));
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && visibleWidth(line) + 1 + visibleWidth(word) > room) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent + line);
  return lines;
}
