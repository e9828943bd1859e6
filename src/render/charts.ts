import type { ChalkInstance } from 'chalk';
import { formatDuration, formatRate } from '../core/units.js';
import { paintState } from './colour.js';
import { padEnd, truncate } from './text.js';
import { clientSeries, faultColumns, stateColumns, statesSeen, type Timeline } from './timeline.js';

const LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/** Band shapes: the initial state is a thin line, every other state a distinct block. */
const SHAPES = ['─', '█', '▒', '▓', '░', '▞', '▚'];
/** Columns for a minute at one-second samples; never more than the samples. */
const MAX_COLUMNS = 72;

/**
 * Small charts for the end of a run on a terminal: per client throughput, error rate and
 * p99 as sparklines over time, with the fault windows and every stateful component's states
 * as bands underneath, all on the same time axis.
 */
export function renderCharts(tl: Timeline, c: ChalkInstance, width: number): string {
  const span = tl.endMs > 0 ? tl.endMs : tl.durationMs;
  if (span <= 0 || tl.clients.length === 0) return '';
  const labelWidth = Math.max(10, ...tl.clients.map((x) => x.name.length), ...tl.states.map((s) => s.component.length), ...tl.faults.map((f) => f.id.length));
  const legendWidth = 14;
  const samples = Math.max(...tl.clients.map((x) => x.buckets.length), 1);
  // One column per sample when they fit; a short run is stretched so its axis stays readable.
  const room = Math.max(20, width - labelWidth - legendWidth - 4);
  const columns = Math.min(MAX_COLUMNS, room, samples >= 40 ? samples : samples * Math.max(1, Math.floor(Math.min(MAX_COLUMNS, room) / samples)));
  const label = (text: string) => `  ${padEnd(text, labelWidth)}  `;
  const lines: string[] = [''];

  for (const client of tl.clients) {
    const series = clientSeries(client.buckets, span, columns);
    lines.push(`${c.bold(client.name)} ${c.dim(`over time · one column = ${formatDuration(series.columnMs)}`)}`);
    const maxRate = Math.max(0, ...defined(series.throughput));
    const maxP99 = Math.max(0, ...defined(series.p99));
    lines.push(label('throughput') + c.cyan(sparkline(series.throughput, maxRate)) + c.dim(`  max ${formatRate(maxRate)}`));
    lines.push(label('errors') + c.red(sparkline(series.errorRate, 1)) + c.dim(`  of 100%`));
    lines.push(label('p99') + c.yellow(sparkline(series.p99, maxP99)) + c.dim(`  max ${maxP99 > 0 ? formatDuration(maxP99) : '—'}`));
  }
  for (const f of tl.faults) {
    const cells = faultColumns(f, span, columns).map((on) => (on ? c.magenta('━') : c.dim('·')));
    const note = `${f.manual ? 'manual ' : ''}${f.fault} → ${f.target}: ${f.description}`;
    lines.push(label(f.id) + cells.join('') + c.dim(`  ${note}`));
  }
  for (const track of tl.states) {
    const seen = statesSeen(track);
    const shape = (s: string) => SHAPES[Math.min(seen.indexOf(s), SHAPES.length - 1)]!;
    const cells = stateColumns(track, span, columns).map((s) => paintShape(c, s, shape(s)));
    const legend = seen.map((s) => `${paintShape(c, s, shape(s))} ${c.dim(s)}`).join(' ');
    lines.push(label(track.component) + cells.join('') + `  ${legend}`);
  }
  lines.push(label('') + c.dim(axis(span, columns)));
  return lines.map((l) => truncate(l, width)).join('\n') + '\n';
}

/** A state's shape in the state's colour (green healthy, red failing, yellow in between). */
function paintShape(c: ChalkInstance, state: string, shape: string): string {
  return paintState(c, state).replace(state, shape);
}

/** One character per value, scaled to `max`: blank without data, a dot for zero. */
export function sparkline(values: readonly (number | undefined)[], max: number): string {
  return values
    .map((v) => {
      if (v === undefined) return ' ';
      if (v <= 0 || max <= 0) return '·';
      return LEVELS[Math.min(LEVELS.length - 1, Math.max(0, Math.ceil((v / max) * LEVELS.length) - 1))]!;
    })
    .join('');
}

function axis(span: number, columns: number): string {
  const cells = new Array<string>(columns).fill(' ');
  const put = (at: number, text: string) => {
    const start = Math.max(0, Math.min(columns - text.length, at));
    for (let i = 0; i < text.length; i++) cells[start + i] = text[i]!;
  };
  const end = formatDuration(span);
  const middle = formatDuration(span / 2);
  put(0, '0s');
  // The middle label only when it clears both ends by a space.
  const mid = Math.round(columns / 2) - Math.floor(middle.length / 2);
  if (mid > 3 && mid + middle.length < columns - end.length - 1) put(mid, middle);
  put(columns, end);
  return cells.join('');
}

function defined(values: readonly (number | undefined)[]): number[] {
  return values.filter((v): v is number => v !== undefined);
}
