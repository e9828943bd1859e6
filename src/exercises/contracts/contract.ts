import type { ComponentKind, Resolver } from '../../components/kind.js';
import type { Component, ComponentContext } from '../../core/component.js';
import type { Counter } from '../../core/metrics.js';
import type { NoteEvent } from '../../core/trace.js';
import type { ComponentSpec } from '../../scenario/model.js';
import type { LearnerCalls } from '../learner.js';

export interface BuildArgs {
  spec: ComponentSpec;
  ctx: ComponentContext;
  /** The built-in kind the learner's code stands in for: its states and metrics still apply. */
  kind: ComponentKind;
  calls: LearnerCalls;
  /** The rest of the run, for a stand-in that needs its neighbours (a consumer's broker, a saga's participants). */
  resolve: Resolver;
}

/**
 * How the simulator calls a learner's code for one shape of pattern. The learner's module
 * exports a factory; the factory gets the component's settings from the scenario and returns
 * an object with the contract's functions; `build` wraps that object into a component that
 * takes the built-in's place in the run. Time and chance come in as arguments.
 */
export interface Contract {
  readonly name: string;
  /** The learner's functions, in the order a reader meets them. */
  readonly hooks: readonly string[];
  /** What is missing from the learner's object, in words (empty when it fits). */
  shape(learner: object): string[];
  build(learner: object, args: BuildArgs): Component;
  /** A trace event worth comparing with the reference run, as one line; undefined to skip it. */
  describeEvent?(event: NoteEvent): string | undefined;
}

/** The settings a learner's factory receives: the component's validated config, without kind and description. */
export function settingsOf(spec: ComponentSpec): Readonly<Record<string, unknown>> {
  const { kind: _kind, description: _description, ...settings } = structuredClone(spec.config) as Record<string, unknown>;
  return deepFreeze(settings);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** The counters the built-in kind declares, so the stand-in records the same names (and no others). */
export function declaredCounters<N extends string>(kind: ComponentKind, ctx: ComponentContext, names: readonly N[]): Record<N, Counter | undefined> {
  const declared = new Set(kind.metrics.counters);
  return Object.fromEntries(names.map((n) => [n, declared.has(n) ? ctx.metrics.counter(n) : undefined])) as Record<N, Counter | undefined>;
}

export function missingFunctions(learner: object, what: string, names: readonly string[]): string[] {
  const o = learner as Record<string, unknown>;
  return names.filter((n) => typeof o[n] !== 'function').map((n) => `${what} has no ${n}() function`);
}

/** A learner's answer, as an error message quotes it: strings quoted, objects as JSON. */
export function describeAnswer(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}
