import { readFile } from 'node:fs/promises';
import { ScenarioError, UsageError, type ScenarioProblem } from '../core/errors.js';
import { formatDuration } from '../core/units.js';
import { Source } from './locate.js';
import type { KnobRef, Scenario } from './model.js';
import { validateScenario, type Validated } from './validate.js';

export interface LoadOptions {
  /** Run the scenario's baseline (the system without the pattern) instead of the scenario. */
  baseline?: boolean;
  /** Run a declared variant (`baseline` or one under `variants:`). */
  variant?: string;
  /** `component.knob=value` overrides, as typed after `--set`. */
  set?: readonly string[];
  /** Overrides the scenario's duration (`30s`, `2m`). */
  duration?: string;
  seed?: number;
}

export async function loadScenarioFile(file: string, opts: LoadOptions = {}): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such scenario file: ${file}` : `cannot read ${file}: ${(error as Error).message}`);
  }
  return loadScenarioText(file, text, opts);
}

export function loadScenarioText(file: string, text: string, opts: LoadOptions = {}): Scenario {
  const source = new Source(file, text);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) throw new ScenarioError(syntax);
  if (source.doc.contents === null) throw new ScenarioError([{ file, line: 1, column: 1, message: 'the file is empty; a scenario needs at least name, title, pattern, goal, duration, components and expect' }]);
  const input = source.doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ScenarioError([{ file, line: 1, column: 1, message: 'a scenario is a mapping of fields (name:, title:, ...), not a single value or a list' }]);
  }

  const main = orThrow(validateScenario(source, input, { variant: 'main', lenient: false }));
  const wanted = opts.variant ?? (opts.baseline ? 'baseline' : 'main');
  let chosen = main;
  let chosenInput = input as Record<string, unknown>;
  // Every variant is checked, so a broken one is found whichever is run.
  for (const { name } of main.scenario.variants) {
    const variantInput = withVariant(input as Record<string, unknown>, name);
    const result = validateScenario(source, variantInput, { variant: name, lenient: true });
    const validated = orThrow(Array.isArray(result) ? result.map((p) => inVariant(source, name, p)) : result);
    validated.scenario.variantTitle = main.scenario.variants.find((v) => v.name === name)?.title;
    if (name === wanted) {
      chosen = validated;
      chosenInput = variantInput;
    }
  }
  if (wanted !== 'main' && chosen === main) {
    const names = main.scenario.variants.map((v) => v.name);
    throw new UsageError(
      wanted === 'baseline' ? `${main.scenario.name} has no baseline variant to run` : `${main.scenario.name} has no variant "${wanted}"`,
      names.length ? [`its variants: ${names.join(', ')}`] : ['add a baseline: or variants: section to the scenario (see docs/scenario-format.md)'],
    );
  }

  if ((opts.set && opts.set.length > 0) || opts.duration !== undefined) {
    chosen = applyOverrides(source, chosenInput, chosen, opts);
  }
  const scenario = chosen.scenario;
  if (opts.seed !== undefined) scenario.seed = opts.seed;
  return scenario;
}

function orThrow(result: Validated | ScenarioProblem[]): Validated {
  if (Array.isArray(result)) throw new ScenarioError(result);
  return result;
}

type RawVariant = { remove?: string[]; components?: Record<string, Record<string, unknown>> };

function variantOf(input: Record<string, unknown>, name: string): RawVariant | undefined {
  if (name === 'baseline') return input['baseline'] as RawVariant | undefined;
  return (input['variants'] as Record<string, RawVariant> | undefined)?.[name];
}

/** The scenario with a variant applied: components removed, and fields replaced. */
export function withVariant(input: Record<string, unknown>, name: string): Record<string, unknown> {
  const out = structuredClone(input);
  const baseline = variantOf(out, name);
  delete out['baseline'];
  delete out['variants'];
  if (!baseline) return out;
  const components = (out['components'] ?? {}) as Record<string, Record<string, unknown>>;
  for (const name of baseline.remove ?? []) delete components[name];
  for (const [name, patch] of Object.entries(baseline.components ?? {})) {
    const merged: Record<string, unknown> = { ...(components[name] ?? {}), ...patch };
    // A field set to null is taken away, back to its default: `health: null` turns health checks off.
    for (const [field, value] of Object.entries(patch)) if (value === null) delete merged[field];
    components[name] = merged;
  }
  const removed = new Set(baseline.remove ?? []);
  if (Array.isArray(out['faults'])) out['faults'] = (out['faults'] as { target?: string }[]).filter((f) => !removed.has(f.target ?? ''));
  if (Array.isArray(out['knobs'])) out['knobs'] = (out['knobs'] as string[]).filter((k) => !removed.has(String(k).split('.')[0] ?? ''));
  return out;
}

/** Points a problem found in a variant at the variant's section when that is where the value came from. */
function inVariant(source: Source, name: string, p: ScenarioProblem): ScenarioProblem {
  const path = (p.path ?? '').split(/\.|\[|\]/).filter(Boolean);
  const variant = variantOf(source.doc.toJS() as Record<string, unknown>, name);
  const label = name === 'baseline' ? 'in the baseline' : `in variant ${name}`;
  const section = name === 'baseline' ? ['baseline'] : ['variants', name];
  if (path[0] === 'components' && path[1] && path[2] && variant?.components?.[path[1]]?.[path[2]] !== undefined) {
    const rel = path.slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const moved = source.problem([...section, 'components', ...rel], p.message, p.suggestion);
    return { ...moved, message: `${label}: ${p.message}` };
  }
  return { ...p, message: `${label}: ${p.message}` };
}

function applyOverrides(source: Source, input: Record<string, unknown>, current: Validated, opts: LoadOptions): Validated {
  const next = structuredClone(input);
  const applied: { arg: string; path: string }[] = [];
  for (const arg of opts.set ?? []) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set ${arg}: expected component.knob=value, e.g. --set breaker.failureThreshold=10`);
    const path = arg.slice(0, eq).trim();
    const text = arg.slice(eq + 1).trim();
    const knob = current.scenario.knobs.find((k) => k.path === path);
    if (!knob) throw new UsageError(`--set ${arg}: ${current.scenario.name} has no knob "${path}"`, knobList(current.scenario.knobs));
    const components = next['components'] as Record<string, Record<string, unknown>>;
    components[knob.component]![knob.field] = coerce(knob, text, arg);
    applied.push({ arg, path: `components.${knob.component}.${knob.field}` });
  }
  if (opts.duration !== undefined) {
    next['duration'] = opts.duration;
    applied.push({ arg: `--duration ${opts.duration}`, path: 'duration' });
  }
  const result = validateScenario(source, next, { variant: current.scenario.variant, lenient: current.scenario.variant !== 'main' });
  if (Array.isArray(result)) {
    const p = result[0]!;
    const culprit = applied.find((a) => p.path?.startsWith(a.path)) ?? applied[0]!;
    const arg = culprit.arg.startsWith('--duration') ? culprit.arg : `--set ${culprit.arg}`;
    throw new UsageError(`${arg}: ${p.message}${p.suggestion ? ` (${p.suggestion})` : ''}`);
  }
  return result;
}

function coerce(knob: KnobRef, text: string, arg: string): unknown {
  switch (knob.spec.type) {
    case 'int':
    case 'number': {
      // Non-numbers pass through so the kind's schema can say what it accepts (a window may be 10s).
      const n = Number(text);
      return text !== '' && Number.isFinite(n) ? n : text;
    }
    case 'ratio':
      return /%$/.test(text) ? text : Number.isFinite(Number(text)) && text !== '' ? Number(text) : text;
    case 'boolean':
      if (text === 'true' || text === 'false') return text === 'true';
      throw new UsageError(`--set ${arg}: expected true or false for ${knob.path}`);
    case 'enum':
      if (knob.spec.values && !knob.spec.values.includes(text)) {
        throw new UsageError(`--set ${arg}: ${knob.path} is one of ${knob.spec.values.join(', ')}`);
      }
      return text;
    default:
      return text;
  }
}

export function knobList(knobs: readonly KnobRef[]): string[] {
  if (knobs.length === 0) return ['this scenario declares no knobs'];
  return ['valid knobs:', ...knobs.map((k) => `  ${k.path}=${formatKnobValue(k)}  ${k.spec.description}`)];
}

export function formatKnobValue(k: KnobRef): string {
  const v = k.current;
  if (v === undefined) return '(unset)';
  if (k.spec.type === 'duration' && typeof v === 'number') return formatDuration(v);
  if (k.spec.type === 'ratio' && typeof v === 'number') return `${Math.round(v * 1000) / 10}%`;
  if (k.spec.type === 'rate' && typeof v === 'number') return `${v}/s`;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
