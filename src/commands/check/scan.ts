import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** A place in the learner's code that reaches for real time, real chance or a timer. */
export interface Finding {
  file: string;
  line: number;
  column: number;
  what: string;
  instead: string;
  /** The line, trimmed. */
  text: string;
}

const TIME = 'use the `now` argument';
const BANNED: { pattern: RegExp; what: string; instead: string }[] = [
  { pattern: /\bDate\s*\.\s*now\b/g, what: 'Date.now', instead: TIME },
  { pattern: /\bnew\s+Date\s*\(\s*\)/g, what: 'new Date()', instead: TIME },
  { pattern: /\bperformance\s*\.\s*now\b/g, what: 'performance.now', instead: TIME },
  { pattern: /\bprocess\s*\.\s*hrtime\b/g, what: 'process.hrtime', instead: TIME },
  { pattern: /\bMath\s*\.\s*random\b/g, what: 'Math.random', instead: 'use the `random` argument' },
  { pattern: /\bset(?:Timeout|Interval|Immediate)\b/g, what: 'timers', instead: 'work out from `now` when something is due' },
];

/**
 * The one invariant, read off the learner's source before anything runs: the runtime traps
 * catch what executes, this catches what is written (with its line), executed or not.
 */
export function scanSource(file: string, text: string): Finding[] {
  const code = blankCommentsAndStrings(text);
  const lines = text.split('\n');
  const findings: Finding[] = [];
  for (const b of BANNED) {
    for (const m of code.matchAll(b.pattern)) {
      const before = code.slice(0, m.index);
      const line = before.split('\n').length;
      const column = m.index - before.lastIndexOf('\n');
      findings.push({ file, line, column, what: b.what, instead: b.instead, text: (lines[line - 1] ?? '').trim() });
    }
  }
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Every TypeScript or JavaScript file of an exercise folder, subfolders included. */
export async function scanFolder(dir: string): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const file of await codeFiles(dir)) out.push(...scanSource(file, await readFile(file, 'utf8')));
  return out;
}

async function codeFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await codeFiles(full)));
    else if (/\.[cm]?[jt]s$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Replaces comments and the insides of string literals with spaces, keeping every line and column. */
export function blankCommentsAndStrings(text: string): string {
  let out = '';
  let i = 0;
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += blank(text.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += blank(text.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c && !(c !== '`' && text[j] === '\n')) j += text[j] === '\\' ? 2 : 1;
      out += c + blank(text.slice(i + 1, j)) + (j < text.length ? text[j] : '');
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
