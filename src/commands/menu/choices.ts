import { formatDuration } from '../../core/units.js';
import { patternNames, patternOf, type Category } from '../../patterns/registry.js';
import type { Progress } from '../../progress/store.js';
import { truncate } from '../../render/text.js';
import { formatKnobValue } from '../../scenario/load.js';
import type { KnobRef, Scenario } from '../../scenario/model.js';
import { categoryOrder } from '../explain/index.js';
import type { LiveStatus } from './live-mode.js';

export interface Choice<T> {
  value: T;
  name: string;
  /** What the prompt shows once answered. */
  short?: string;
  description?: string;
  disabled?: boolean | string;
}

export const BACK = '__back__';
export const QUIT = '__quit__';
export type Back = typeof BACK;

export type Mode = 'watch' | 'real' | 'fast' | 'live';
export type AfterRun = 'again' | 'new-seed' | 'tweak' | 'compare' | 'explain' | 'back' | 'quit';

/** The catalogue in menu order: by category, then pattern (registry order), default scenario first. */
export function menuOrder(catalogue: readonly Scenario[]): Scenario[] {
  const rank = (s: Scenario) => {
    const p = patternOf(s.pattern);
    return [categoryOrder.indexOf(p?.category ?? 'resilience'), patternNames.indexOf(s.pattern as never), p?.defaultScenario === s.name ? 0 : 1] as const;
  };
  return [...catalogue].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2] || a.name.localeCompare(b.name);
  });
}

export function categoryOf(s: Scenario): Category {
  return patternOf(s.pattern)?.category ?? 'resilience';
}

export function categoryChoices(catalogue: readonly Scenario[], progress: Progress): Choice<Category | typeof QUIT>[] {
  const choices: Choice<Category | typeof QUIT>[] = [];
  for (const category of categoryOrder) {
    const scenarios = catalogue.filter((s) => categoryOf(s) === category);
    if (scenarios.length === 0) continue;
    const done = scenarios.filter((s) => progress.scenarios[s.name]).length;
    const patterns = [...new Set(menuOrder(scenarios).map((s) => s.pattern))];
    choices.push({
      value: category,
      name: `${category}  (${scenarios.length} scenario${scenarios.length === 1 ? '' : 's'}${done ? `, ${done} ✓` : ''})`,
      description: `patterns: ${patterns.join(', ')}`,
    });
  }
  choices.push({ value: QUIT, name: 'quit' });
  return choices;
}

/** `columns`: the terminal's width; a title that would wrap is cut (the goal shows below in full). */
export function scenarioChoices(catalogue: readonly Scenario[], category: Category, progress: Progress, columns = 120): Choice<string>[] {
  const scenarios = menuOrder(catalogue).filter((s) => categoryOf(s) === category);
  const width = Math.max(...scenarios.map((s) => s.name.length));
  return [
    ...scenarios.map((s) => ({
      value: s.name,
      name: truncate(`${progress.scenarios[s.name] ? '✓' : ' '} ${s.name.padEnd(width)}  ${s.title}`, Math.max(40, columns - 4)),
      short: s.name,
      description: `${s.goal}\n${s.pattern} · ${formatDuration(s.duration)} simulated · ${s.expectations.length} expectations${progress.scenarios[s.name] ? ' · passed before' : ''}`,
    })),
    { value: BACK, name: '← back' },
  ];
}

export function knobRange(k: KnobRef): string {
  if (k.spec.values) return k.spec.values.join(' | ');
  if (k.spec.type === 'boolean') return 'true | false';
  if (k.spec.min !== undefined && k.spec.max !== undefined) return `${k.spec.min} to ${k.spec.max}`;
  if (k.spec.min !== undefined) return `at least ${k.spec.min}`;
  if (k.spec.max !== undefined) return `at most ${k.spec.max}`;
  return k.spec.type;
}

export function knobSummary(knobs: readonly KnobRef[]): string {
  return knobs.map((k) => `${k.path}=${formatKnobValue(k)}`).join('  ');
}

export function knobStartChoices(s: Scenario): Choice<'keep' | 'tweak' | Back>[] {
  return [
    { value: 'keep', name: 'keep the defaults', description: knobSummary(s.knobs) },
    { value: 'tweak', name: `tweak knobs (${s.knobs.length})`, description: 'change a setting, see what it trades' },
    { value: BACK, name: '← back' },
  ];
}

export const DONE = '__done__';
export const RESET = '__reset__';

/** The knobs with their current values (the scenario loaded with the overrides so far). */
export function knobChoices(current: Scenario, set: readonly string[]): Choice<string>[] {
  const changed = new Set(set.map((s) => s.slice(0, s.indexOf('='))));
  const width = Math.max(...current.knobs.map((k) => k.path.length));
  return [
    { value: DONE, name: '▶ run with these settings', description: set.length ? set.join('  ') : 'all defaults' },
    ...current.knobs.map((k) => ({
      value: k.path,
      name: `${changed.has(k.path) ? '*' : ' '} ${k.path.padEnd(width)}  ${formatKnobValue(k)}`,
      short: k.path,
      description: `${k.spec.description} (${knobRange(k)})`,
    })),
    ...(set.length ? [{ value: RESET, name: '↺ back to the defaults' }] : []),
  ];
}

export function modeChoices(s: Scenario, live: LiveStatus, watchSeconds: number): Choice<Mode | Back>[] {
  const keys = 'f fault · p pause · +/- speed · s snapshot · q stop';
  return [
    { value: 'watch', name: `watch it unfold (${formatDuration(s.duration)} in about ${watchSeconds} s)`, description: keys },
    { value: 'real', name: 'watch at real pace (one simulated second per second)', description: keys },
    { value: 'fast', name: 'simulate fast (the results at once)', description: 'runs flat out, then the summary and charts' },
    live.available
      ? { value: 'live', name: `live on a broker (${live.broker})`, description: 'real clock, real broker' }
      : { value: 'live', name: 'live on a broker', disabled: `(unavailable: ${live.reason})` },
    { value: BACK, name: '← back' },
  ];
}

export function afterRunChoices(s: Scenario, seed: number): Choice<AfterRun>[] {
  return [
    { value: 'again', name: `again with the same seed (${seed})`, description: 'the very same run' },
    { value: 'new-seed', name: 'again with a new seed', description: 'other random draws, same system and faults' },
    { value: 'tweak', name: 'tweak knobs', description: 'change a setting and run again' },
    ...(s.hasBaseline ? [{ value: 'compare' as const, name: 'compare with the baseline', description: `the same run without the pattern: ${s.variants[0]?.title ?? ''}` }] : []),
    { value: 'explain', name: `explain ${s.pattern}`, description: 'the problem, how it works, its knobs and mistakes' },
    { value: 'back', name: '← back to the scenarios' },
    { value: 'quit', name: 'quit' },
  ];
}

/** Without a terminal: the commands the menu would have run. */
export function equivalentCommands(catalogue: readonly Scenario[], invocation: string): string[] {
  const ordered = menuOrder(catalogue);
  const width = Math.max(...ordered.map((s) => s.name.length));
  return ordered.map((s) => `${invocation} run ${s.name.padEnd(width)}   # ${s.pattern}: ${s.title}`);
}
