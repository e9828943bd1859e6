import type { ChalkInstance } from 'chalk';
import { formatCount, formatDuration, formatPercent } from '../../core/units.js';
import { columns } from '../../render/text.js';
import type { CompareRow, Comparison, MeasureUnit } from './compare.js';

/** The comparison as a table: one column per variant, then the change from the first. */
export function renderComparison(cmp: Comparison, c: ChalkInstance, command: string, alone?: string): string {
  const out: string[] = [''];
  out.push(`${c.bold(cmp.scenario)} · ${cmp.title}`);
  out.push(c.dim(`${alone ? 'live, at once' : `seed ${cmp.seed}`} · the same load and faults in every column · ${cmp.variants.map((v) => `${v.name}: ${v.title}`).join(' · ')}`));
  out.push('');
  const names = cmp.variants.map((v) => v.name);
  const deltas = names.length === 2 ? [`${names[1]} vs ${names[0]}`] : names.slice(1).map((n) => `Δ ${n}`);
  const table: string[][] = [['', ...names, ...deltas].map((h) => c.dim(h))];
  let group = '';
  for (const row of cmp.rows) {
    if (row.group !== group) {
      group = row.group;
      table.push([c.bold(group)]);
    }
    const cells = row.values.map((v, i) => cell(row, v, i, c));
    const changes = row.values.slice(1).map((v) => delta(row, row.values[0] ?? null, v, c));
    table.push([`  ${row.label}`, ...cells, ...changes]);
  }
  table.push([
    c.bold('expectations held'),
    ...cmp.variants.map((v) => (v.interrupted ? c.yellow('stopped') : (v.passed ? c.green : c.red)(`${v.held}/${v.judged}`))),
  ]);
  const align: ('left' | 'right')[] = ['left', ...names.map(() => 'right' as const), ...deltas.map(() => 'right' as const)];
  out.push(...columns(table, align, 3).map((l) => `  ${l}`));
  out.push('');
  for (const note of cmp.notes) out.push(c.yellow(`note: ${note}`));
  out.push(c.dim(alone ? `${alone}: ${command}` : `run one alone: ${command} [--baseline | --variant NAME]`));
  return out.join('\n') + '\n';
}

function cell(row: CompareRow, value: number | string | null, i: number, c: ChalkInstance): string {
  const verdict = row.verdicts?.[i];
  if (verdict === 'skipped') return c.dim('–');
  const text = formatValue(row.unit, value);
  if (verdict === 'held') return `${c.green('✓')} ${text}`;
  if (verdict === 'failed') return `${c.red('✗')} ${c.red(text)}`;
  return text;
}

export function formatValue(unit: MeasureUnit, value: number | string | null): string {
  if (value === null) return '—';
  if (typeof value === 'string') return value;
  switch (unit) {
    case 'ms':
      return formatDuration(value);
    case 'ratio':
      return formatPercent(value);
    case 'factor':
      return `${Number(value.toFixed(2))}×`;
    case 'state':
      return String(value);
    default:
      return formatCount(Math.round(value));
  }
}

/** The change from the first variant to another, coloured when the scenario says which way is better. */
export function delta(row: CompareRow, from: number | string | null, to: number | string | null, c: ChalkInstance): string {
  if (from === null || to === null) return '';
  if (typeof from === 'string' || typeof to === 'string') return from === to ? c.dim('=') : 'changed';
  const d = to - from;
  if (Math.abs(d) < 1e-9) return c.dim('=');
  const sign = d > 0 ? '+' : '−';
  const abs = Math.abs(d);
  let text: string;
  switch (row.unit) {
    case 'ratio':
      text = `${sign}${Number((abs * 100).toFixed(1))} pp`;
      break;
    case 'ms':
      text = `${sign}${formatDuration(abs)}`;
      break;
    case 'factor':
      text = `${sign}${Number(abs.toFixed(2))}×`;
      break;
    default:
      text = `${sign}${formatCount(Math.round(abs))}`;
  }
  if ((row.unit === 'count' || row.unit === 'ms' || row.unit === 'gauge') && from > 0) text += ` (${sign}${Math.round((abs / from) * 100)}%)`;
  if (!row.better) return text;
  const improved = row.better === 'lower' ? d < 0 : d > 0;
  return improved ? c.green(text) : c.red(text);
}
