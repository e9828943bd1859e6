import { UsageError } from '../../core/errors.js';
import type { RunResult } from '../../engine/run.js';
import type { ExpectationResult } from '../../engine/expectations.js';
import { colourLevel, makeChalk } from '../../render/colour.js';
import { loadScenarioFile } from '../../scenario/load.js';
import type { Expectation, MetricUnit, Scenario } from '../../scenario/model.js';
import type { CliIO } from '../context.js';
import { executeScenario } from './execute.js';
import { parseSeed } from './flags.js';
import type { RunFlags, RunOutcome } from './index.js';
import { renderComparison } from './render-compare.js';
import { reproduceCommand, resolveEntries } from './resolve.js';

export type MeasureUnit = MetricUnit | 'state';

export interface CompareRow {
  group: string;
  label: string;
  unit: MeasureUnit;
  /** Which direction is an improvement, when the scenario says (an expectation's bound). */
  better?: 'lower' | 'higher' | undefined;
  /** One per variant, in the variants' order; null when there was nothing to measure. */
  values: (number | string | null)[];
  /** For expectations: how each variant fared. */
  verdicts?: ('held' | 'failed' | 'skipped')[];
}

/** `--compare`: the same scenario, seed and faults under two or more variants, measure by measure. */
export interface Comparison {
  scenario: string;
  title: string;
  pattern: string;
  seed: number;
  variants: { name: string; title: string; held: number; judged: number; passed: boolean; interrupted: boolean }[];
  rows: CompareRow[];
  /** --set knobs a variant could not take (it removes their component). */
  notes: string[];
}

/** `--compare` alone: the system without the pattern, then with it, so deltas read "what the pattern buys". */
export const DEFAULT_COMPARISON = ['baseline', 'main'] as const;

export function parseCompareList(value: boolean | string | undefined, scenario: Pick<Scenario, 'name' | 'variants'>): string[] {
  const names = value === true || value === undefined || value === '' ? [...DEFAULT_COMPARISON] : String(value).split(',').map((s) => s.trim()).filter(Boolean);
  const known = ['main', ...scenario.variants.map((v) => v.name)];
  for (const n of names) {
    if (!known.includes(n)) throw new UsageError(`--compare: ${scenario.name} has no variant "${n}"`, [`its variants: ${known.join(', ')}`]);
  }
  if (new Set(names).size < 2 || names.length !== new Set(names).size) {
    throw new UsageError(`--compare needs two or more different variants, e.g. --compare ${known.slice(0, 2).join(',')}`, [`${scenario.name}'s variants: ${known.join(', ')}`]);
  }
  return names;
}

export async function compareCommand(targets: string[], flags: RunFlags, io: CliIO): Promise<RunOutcome> {
  // `run --compare payment-outage`: the option took the scenario as its value.
  if (targets.length === 0 && typeof flags.compare === 'string' && !flags.compare.includes(',')) {
    targets = [flags.compare];
    flags = { ...flags, compare: true };
  }
  if (flags.all || targets.length !== 1) throw new UsageError('--compare takes one scenario', ['e.g. patterns run payment-outage --compare']);
  if (flags.baseline || flags.variant !== undefined) throw new UsageError('--compare chooses the variants itself: --compare baseline,main or --compare main,lazy');
  if (flags.trace !== undefined) throw new UsageError('--trace writes one run; --compare makes several (use --report for all of them)');
  const seed = flags.seed !== undefined ? parseSeed(flags.seed) : undefined;
  const [entry] = await resolveEntries(targets, false, io, flags.json);
  const main = await loadScenarioFile(entry!.file);
  const names = parseCompareList(flags.compare, main);
  const notes: string[] = [];
  const scenarios: Scenario[] = [];
  for (const name of names) {
    const variant = name === 'main' ? main : await loadScenarioFile(entry!.file, { variant: name });
    // Knobs of components a variant removes do not apply to it.
    const set = (flags.set ?? []).filter((s) => variant.knobs.some((k) => s.startsWith(`${k.path}=`)));
    const dropped = (flags.set ?? []).filter((s) => !set.includes(s) && main.knobs.some((k) => s.startsWith(`${k.path}=`)));
    if (dropped.length) notes.push(`${name}: ${dropped.join(', ')} does not apply (its component is not part of it)`);
    scenarios.push(
      await loadScenarioFile(entry!.file, {
        ...(name === 'main' ? {} : { variant: name }),
        set,
        ...(flags.duration !== undefined ? { duration: flags.duration } : {}),
        ...(seed !== undefined ? { seed } : {}),
      }),
    );
  }
  const c = makeChalk(colourLevel({ env: io.env, isTTY: io.stdout.isTTY, flag: io.colourFlag }));
  const outcome: RunOutcome = { results: [], reproduce: [], timelines: [] };
  for (const scenario of scenarios) {
    const run = await executeScenario(scenario, { mode: 'fast', io, c, timeline: flags.report !== undefined });
    outcome.results.push(run.result);
    outcome.reproduce.push(reproduceCommand(io.invocation, entry!.arg, scenario, { set: scenario.overrides, duration: flags.duration }));
    outcome.timelines.push(run.timeline);
    if (run.result.interrupted) break;
  }
  const comparison = compareResults(outcome.results, notes);
  outcome.comparison = comparison;
  if (flags.json) io.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
  else io.stdout.write(renderComparison(comparison, c, `${io.invocation} run ${entry!.arg} --seed ${comparison.seed}`));
  return outcome;
}

/** Builds the table from finished runs: what callers saw, then each expectation, then `compare:` measures. */
export function compareResults(results: readonly RunResult[], notes: string[] = []): Comparison {
  const first = results[0]!.scenario;
  const rows: CompareRow[] = [];
  const clientNames = unique(results.flatMap((r) => r.summary.clients.map((c) => c.component)));
  for (const name of clientNames) {
    const clients = results.map((r) => r.summary.clients.find((c) => c.component === name));
    const group = `callers · ${name}`;
    const pick = (f: (c: NonNullable<(typeof clients)[number]>) => number | null) => clients.map((c) => (c ? f(c) : null));
    const ratio = (n: (c: NonNullable<(typeof clients)[number]>) => number) => pick((c) => (c.calls > 0 ? n(c) / c.calls : null));
    const usesFallback = clients.some((c) => (c?.fallback ?? 0) > 0);
    rows.push({ group, label: 'calls', unit: 'count', values: pick((c) => c.calls) });
    rows.push({ group, label: 'success rate', unit: 'ratio', better: 'higher', values: ratio((c) => c.ok) });
    if (usesFallback) rows.push({ group, label: 'answered (ok or fallback)', unit: 'ratio', better: 'higher', values: ratio((c) => c.ok + c.fallback) });
    rows.push({ group, label: 'failed', unit: 'count', better: 'lower', values: pick((c) => c.failed) });
    rows.push({ group, label: 'rejected', unit: 'count', values: pick((c) => c.rejected) });
    if (usesFallback) rows.push({ group, label: 'fallback', unit: 'count', values: pick((c) => c.fallback) });
    rows.push({ group, label: 'latency p50', unit: 'ms', better: 'lower', values: pick((c) => (c.latency.count ? c.latency.p50 : null)) });
    rows.push({ group, label: 'latency p99', unit: 'ms', better: 'lower', values: pick((c) => (c.latency.count ? c.latency.p99 : null)) });
  }
  rows.push(...measureRows('expectations', results, (r) => r.expectations, (s) => s.expectations, true));
  rows.push(...measureRows('measures', results, (r) => r.measures ?? [], (s) => s.compare ?? [], false));
  return {
    scenario: first.name,
    title: first.title,
    pattern: first.pattern,
    seed: first.seed,
    variants: results.map((r) => {
      const judged = r.expectations.filter((e) => !e.skipped);
      return {
        name: r.scenario.variant,
        title: r.scenario.variant === 'main' ? 'as written' : (r.scenario.variantTitle ?? r.scenario.variant),
        held: judged.filter((e) => e.passed).length,
        judged: judged.length,
        passed: r.passed,
        interrupted: r.interrupted,
      };
    }),
    rows,
    notes,
  };
}

function measureRows(
  group: string,
  results: readonly RunResult[],
  outcomes: (r: RunResult) => readonly ExpectationResult[],
  specs: (s: Scenario) => readonly Expectation[],
  verdicts: boolean,
): CompareRow[] {
  const ids = unique(results.flatMap((r) => outcomes(r).map((e) => e.id)));
  const rows: CompareRow[] = [];
  for (const id of ids) {
    // A variant that removed the component has only a "skipped" placeholder: describe it from one that has it.
    const spec = results.map((r) => specs(r.scenario).find((e) => e.id === id)).find((e) => e !== undefined && e.type !== 'skipped');
    if (!spec) continue;
    const found = results.map((r) => outcomes(r).find((e) => e.id === id));
    const { unit, better } = describeMeasure(spec);
    rows.push({
      group,
      label: measureLabel(spec),
      unit,
      better,
      values: found.map((e) => (e && !e.skipped ? e.value : null)),
      ...(verdicts ? { verdicts: found.map((e) => (!e || e.skipped ? 'skipped' : e.passed ? 'held' : 'failed')) } : {}),
    });
  }
  return rows;
}

function describeMeasure(e: Expectation): { unit: MeasureUnit; better?: 'lower' | 'higher' } {
  if (e.type === 'metric') return { unit: e.metric.unit, ...(e.bound.op === 'atMost' ? { better: 'lower' } : e.bound.op === 'atLeast' ? { better: 'higher' } : {}) };
  if (e.type === 'reaches') return { unit: 'ms', better: 'lower' };
  return { unit: 'state' };
}

/** A short name for what an expectation measures: `payment.calls during outage`. */
export function measureLabel(e: Expectation): string {
  switch (e.type) {
    case 'metric': {
      const fault = typeof e.from.anchor === 'object' ? e.from.anchor.fault : undefined;
      const during = fault !== undefined && e.from.text === `${fault}.start` && e.to.text === `${fault}.end`;
      const parts = [e.metric.text];
      if (during) parts.push(`during ${fault}`);
      else {
        if (e.from.text !== 'start') parts.push(`from ${e.from.text}`);
        if (e.to.text !== 'end') parts.push(`to ${e.to.text}`);
      }
      if (e.while) parts.push(`while ${e.while.text}`);
      return parts.join(' ');
    }
    case 'reaches':
      return `${e.component} reaches ${e.state}, after ${e.after.text}`;
    case 'final':
      return `${e.component} at the end`;
    case 'skipped':
      return e.says;
  }
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
