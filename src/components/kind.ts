import type { z } from 'zod';
import type { MessageLedger } from '../brokers/ledger.js';
import type { Callee, Component, ComponentContext, Handler, Policy } from '../core/component.js';

/** How a knob may be tweaked from `--set` or the menu. Ranges are checked by the kind's schema. */
export interface KnobSpec {
  description: string;
  type: 'int' | 'number' | 'ratio' | 'duration' | 'rate' | 'enum' | 'boolean';
  /** Menu hints, in the form a user would type them. */
  min?: string | number;
  max?: string | number;
  values?: readonly string[];
}

/** Metric names a kind records; expectations and the summary may only name these. */
export interface MetricSpec {
  counters: readonly string[];
  histograms?: readonly string[];
  gauges?: readonly string[];
  /**
   * Derived ratios: name → [numerator counter, denominator counter]. A proportion (0..1,
   * shown as %) unless marked 'factor' (any size, shown as 1.25×). Count both at the same
   * moment of a call's life (both on arrival, or both on completion): a window that opens
   * between a call's start and its end must see all of it or none of it.
   */
  ratios?: Readonly<Record<string, readonly [string, string] | readonly [string, string, 'factor']>>;
}

/** Looks up the other components a component is wired to, already built. */
export interface Resolver {
  callee(name: string): Callee;
  policy(name: string): Policy;
  /** A callable target: a client's entry point, a service or a router. */
  handler(name: string): Handler;
  /** Any built component, for kinds that watch others (a balancer reading a health checker). */
  component(name: string): Component;
  /** The run's length, for components that stop on their own. */
  readonly duration: number;
  /** Call ids unique within the run. */
  newCallId(): number;
  /** The run's message accounting. */
  readonly messages: MessageLedger;
}

/**
 * What a component is for, which decides what may refer to it: a `router` is callable like a
 * service but forwards to others (a load balancer, a gateway); a `monitor` is not callable:
 * it watches other components and keeps a view of them (health checks, a service registry);
 * a `broker` is a message broker; a `worker` consumes messages (built after what it calls).
 */
export type Role = 'service' | 'policy' | 'client' | 'load' | 'router' | 'monitor' | 'broker' | 'worker';

type KeysOfUnion<T> = T extends unknown ? keyof T : never;

export interface ComponentKind<S extends z.ZodType = z.ZodType> {
  kind: string;
  role: Role;
  /** One line for `patterns list` and docs. */
  summary: string;
  schema: S;
  knobs: Partial<Record<KeysOfUnion<z.input<S>> & string, KnobSpec>>;
  metrics: MetricSpec;
  /** Every state the component can be in, first is the initial one. */
  states?: readonly string[];
  /** Names of other components the config refers to, with the field that names them. */
  references(config: z.output<S>): { field: string; name: string; role: Role | 'callable' }[];
  /** What the config needs from a component it names (a broker capability, a declared queue), checked at load. */
  requires?(config: z.output<S>): { field: string; of: string; need: string }[];
  /** Why this component cannot give `need` to another, in a sentence; undefined when it can. */
  lacks?(config: z.output<S>, need: string): string | undefined;
  create(config: z.output<S>, ctx: ComponentContext, resolve: Resolver): Component;
}

/** Keeps each kind's config type tied to its schema while the registry holds them all. */
export function defineKind<S extends z.ZodType>(kind: ComponentKind<S>): ComponentKind<S> {
  return kind;
}
