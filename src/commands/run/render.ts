import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../../core/units.js';
import type { RunResult } from '../../engine/run.js';
import { renderCharts } from '../../render/charts.js';
import { renderSummary } from '../../render/summary.js';
import type { Executed } from './execute.js';

export function renderRunEnd(result: RunResult, reproduce: string, c: ChalkInstance): string {
  return renderSummary(result, { c, reproduce });
}

/**
 * The end of a run on a terminal: charts over time, the summary, and how to replay the
 * faults injected by hand.
 */
export function renderWatchedEnd(run: Pick<Executed, 'result' | 'timeline' | 'injected' | 'keptTrace'>, reproduce: string, c: ChalkInstance, width: number): string {
  const charts = run.timeline ? renderCharts(run.timeline, c, width) : '';
  let text = charts + renderSummary(run.result, { c, reproduce });
  if (run.injected.length > 0) {
    text += `${c.magenta('Faults injected by hand:')} ${run.injected.join(', ')}\n`;
    if (run.keptTrace) text += `Replay them: ${c.bold(reproduce)}\n`;
  }
  return text;
}

/** One line per scenario for `run --all`, with the failing expectations under it. */
export function renderAllLine(result: RunResult, reproduce: string, c: ChalkInstance): string {
  const s = result.scenario;
  const counted = result.expectations.filter((e) => !e.skipped);
  const held = counted.filter((e) => e.passed).length;
  const mark = result.interrupted ? c.yellow('…') : result.passed ? c.green('✓') : c.red('✗');
  const name = s.variant === 'main' ? s.name : `${s.name} (${s.variant})`;
  const wall = `${Math.round(result.wallMs)}ms`;
  const lines = [`${mark} ${name.padEnd(24)} ${held}/${counted.length} expectations  ${c.dim(`${formatDuration(result.simulatedMs)} simulated in ${wall}`)}`];
  for (const e of result.expectations) {
    if (e.passed) continue;
    lines.push(`    ${c.red('✗')} ${e.says}`);
    lines.push(`      ${c.red(e.measured)}  ${c.dim('expected')} ${e.expected}`);
  }
  if (!result.passed && !result.interrupted) lines.push(`    ${c.dim('reproduce:')} ${reproduce}`);
  return lines.join('\n') + '\n';
}
