import type { ChalkInstance } from 'chalk';
import { formatCount, formatDuration } from '../core/units.js';
import type { MessagesSummary } from '../core/trace.js';
import type { RunResult } from '../engine/run.js';
import type { Scenario } from '../scenario/model.js';
import { paintState } from './colour.js';
import { columns } from './text.js';

export interface SummaryOptions {
  c: ChalkInstance;
  /** The command that reproduces this run, shown when an expectation fails. */
  reproduce: string;
}

/** `name (variant: its title) · title`: which scenario ran, and which variant of it. */
export function scenarioHeading(s: Pick<Scenario, 'name' | 'title' | 'variant' | 'variantTitle'>, c: ChalkInstance): string {
  const named = !s.variantTitle ? s.variant : s.variantTitle.startsWith(s.variant) ? s.variantTitle : `${s.variant}: ${s.variantTitle}`;
  const variant = s.variant === 'main' ? '' : c.dim(` (${named})`);
  return `${c.bold(s.name)}${variant} · ${s.title}`;
}

/** The end-of-run report: expectations with measured values, what callers saw, final states. */
export function renderSummary(result: RunResult, { c, reproduce }: SummaryOptions): string {
  const s = result.scenario;
  const sum = result.summary;
  const lines: string[] = [];
  lines.push('');
  lines.push(scenarioHeading(s, c));
  const wall = result.wallMs < 1000 ? `${Math.round(result.wallMs)}ms` : `${(result.wallMs / 1000).toFixed(1)}s`;
  lines.push(
    c.dim(
      result.live
        ? `seed ${s.seed} · live: ${formatDuration(result.simulatedMs)} of real time${result.interrupted ? ' · interrupted' : ''}`
        : `seed ${s.seed} · ${formatDuration(result.simulatedMs)} simulated in ${wall} · ${formatCount(sum.eventsRun)} events${result.interrupted ? ' · interrupted' : ''}`,
    ),
  );

  lines.push('', c.bold('Expectations'));
  for (const e of result.expectations) {
    const mark = e.skipped ? c.dim('–') : e.passed ? c.green('✓') : c.red('✗');
    lines.push(`  ${mark} ${e.skipped ? c.dim(e.says) : e.says}`);
    if (e.skipped) lines.push(c.dim(`      ${e.expected.startsWith('not judged') ? '' : 'skipped: '}${e.expected}`));
    else if (e.passed) lines.push(c.dim(`      ${e.measured}`));
    else lines.push(`      ${c.red(e.measured)}  ${c.dim('expected')} ${e.expected}`);
  }

  if (sum.clients.length > 0) {
    lines.push('', c.bold('Calls'));
    const rows = [['', 'calls', 'ok', 'failed', 'rejected', 'fallback', 'p50', 'p95', 'p99'].map((h) => c.dim(h))];
    for (const cl of sum.clients) {
      const l = cl.latency;
      rows.push([
        cl.component,
        String(cl.calls),
        String(cl.ok),
        String(cl.failed),
        String(cl.rejected),
        String(cl.fallback),
        l.count ? formatDuration(l.p50) : '—',
        l.count ? formatDuration(l.p95) : '—',
        l.count ? formatDuration(l.p99) : '—',
      ]);
    }
    lines.push(...columns(rows, ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right']).map((l) => `  ${l}`));
  }

  if (sum.messages) lines.push('', c.bold('Messages'), ...renderMessages(sum.messages, c).map((l) => (l ? `  ${l}` : '')));

  const stateful = sum.components.filter((x) => x.state !== undefined);
  if (stateful.length > 0) {
    lines.push('', c.bold('Final states'));
    const rows = stateful.map((x) => [x.name, c.dim(x.kind), paintState(c, x.state!), c.dim(x.report ? reportLine(x.report) : countersLine(x.counters))]);
    lines.push(...columns(rows).map((l) => `  ${l}`));
  }

  lines.push('');
  const { passed, failed, skipped } = sum.expectations;
  const total = passed + failed;
  const skippedNote = skipped ? c.dim(` (${skipped} skipped)`) : '';
  if (result.interrupted) {
    lines.push(c.yellow(`Interrupted at ${formatDuration(result.simulatedMs)}; ${passed} of ${total} expectations held so far.`) + skippedNote);
  } else if (failed === 0) {
    lines.push(c.green(`All ${total} expectations held.`) + skippedNote);
  } else {
    lines.push(c.red(`${failed} of ${total} expectations failed.`) + skippedNote);
    // A live run depends on real time: its seed does not reproduce it, a simulated run does.
    lines.push(result.live ? `Run again live: ${c.bold(`${reproduce} --live`)} (or drop --live to see it simulated, reproducibly)` : `Reproduce: ${c.bold(reproduce)}`);
  }
  return lines.join('\n') + '\n';
}

function reportLine(report: Record<string, string | number>): string {
  return Object.entries(report)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? formatCount(v) : v}`)
    .join(' · ');
}

function countersLine(counters: Record<string, number>): string {
  return Object.entries(counters)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(' · ');
}

/** Where the messages went: per producer, then per copy (a queue, a subscription, a group). */
export function renderMessages(m: MessagesSummary, c: ChalkInstance): string[] {
  const n = (v: number) => String(v);
  const warn = (v: number) => (v > 0 ? c.red(String(v)) : String(v));
  const right = (count: number) => ['left' as const, ...Array.from({ length: count }, () => 'right' as const)];
  const producers = [['producer', 'messages', 'published', 'duplicates', 'handled', 'dead-lettered', 'pending', 'lost'].map((h) => c.dim(h))];
  for (const p of m.producers) producers.push([p.component, n(p.messages), n(p.published), n(p.duplicates), n(p.handled), n(p.deadLettered), n(p.pending), warn(p.lost)]);
  const groups = [['copy for', 'consumed by', 'delivered', 'redelivered', 'handled', 'dead-lettered', 'pending', 'lost', 'effects', 'dup effects'].map((h) => c.dim(h))];
  for (const g of m.groups) {
    groups.push([g.group, g.consumers.join(', '), n(g.delivered), n(g.redelivered), n(g.handled), n(g.deadLettered), n(g.pending), warn(g.lost), n(g.effects), warn(g.duplicateEffects)]);
  }
  const lines = [...columns(producers, right(7)), '', ...columns(groups, ['left', ...right(9)])];
  const byStatus = new Map<string, string[]>();
  for (const x of m.notable) if (x.status !== 'handled') byStatus.set(x.status, [...(byStatus.get(x.status) ?? []), x.id]);
  for (const [status, ids] of byStatus) {
    const total = status === 'lost' ? sumOf(m, 'lost') : status === 'dead-lettered' ? sumOf(m, 'deadLettered') : status === 'pending' ? sumOf(m, 'pending') : ids.length;
    const more = total > 5 ? c.dim(` … and ${total - 5} more`) : '';
    lines.push(`${c.dim(`${status}:`)} ${ids.slice(0, 5).join(', ')}${more}`);
  }
  return lines;
}

function sumOf(m: MessagesSummary, key: 'lost' | 'deadLettered' | 'pending'): number {
  return m.producers.reduce((total, p) => total + p[key], 0);
}
