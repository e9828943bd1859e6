import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../../core/units.js';
import type { RunResult } from '../../engine/run.js';
import { renderSummary } from '../../render/summary.js';

export function renderRunEnd(result: RunResult, reproduce: string, c: ChalkInstance): string {
  return renderSummary(result, { c, reproduce });
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
