import { MessageLedger } from '../brokers/ledger.js';
import type { Resolver } from '../components/kind.js';
import { kindOf } from '../components/registry.js';
import { traceFor, type Callee, type Component, type ComponentContext, type Handler, type Policy } from '../core/component.js';
import type { Clock } from '../core/clock.js';
import type { Metrics } from '../core/metrics.js';
import type { Random } from '../core/random.js';
import type { Trace } from '../core/trace.js';
import type { ComponentSpec } from '../scenario/model.js';

export interface Topology {
  components: Map<string, Component>;
  /** In declaration order, for tables. */
  order: string[];
}

const buildOrder = { broker: 0, service: 0, policy: 1, monitor: 1, router: 2, client: 2, load: 3, worker: 3 } as const;

/**
 * Builds a component instead of its kind's factory, by component name: how an exercise puts
 * the learner's code in place of a built-in (src/exercises).
 */
export type ComponentOverride = (spec: ComponentSpec, ctx: ComponentContext, resolve: Resolver) => Component;

/**
 * Builds the components of a scenario and wires them: services and policies first, then
 * clients (which wrap their dependency in their policies), then load generators. Clients
 * may call clients, so they are built in dependency order.
 */
export function buildTopology(
  specs: readonly ComponentSpec[],
  run: {
    clock: Clock;
    random: Random;
    trace: Trace;
    metrics: Metrics;
    duration: number;
    overrides?: ReadonlyMap<string, ComponentOverride> | undefined;
    messages?: MessageLedger;
  },
): Topology {
  const components = new Map<string, Component>();
  let callIds = 0;
  const resolver: Resolver = {
    duration: run.duration,
    newCallId: () => ++callIds,
    callee: (name) => asCallee(components.get(name), name),
    policy: (name) => {
      const c = components.get(name);
      if (!c || !('wrap' in c)) throw new Error(`internal: ${name} is not a built policy`);
      return c as Policy;
    },
    handler: (name): Handler => asCallee(components.get(name), name).handle,
    component: (name) => {
      const c = components.get(name);
      if (!c) throw new Error(`internal: ${name} is not built yet`);
      return c;
    },
    messages: run.messages ?? new MessageLedger(run.clock),
  };
  const pending = [...specs].sort((a, b) => roleRank(a) - roleRank(b));
  const built = new Set<string>();
  while (pending.length > 0) {
    const index = pending.findIndex((spec) => dependencies(spec).every((d) => built.has(d)));
    if (index < 0) throw new Error(`internal: cannot order components ${pending.map((p) => p.name).join(', ')}`);
    const spec = pending.splice(index, 1)[0]!;
    const kind = kindOf(spec.kind)!;
    const ctx = {
      name: spec.name,
      clock: run.clock,
      random: run.random.fork(spec.name),
      trace: traceFor(run.trace, run.clock, spec.name),
      metrics: run.metrics.scope(spec.name),
    };
    const override = run.overrides?.get(spec.name);
    components.set(spec.name, override ? override(spec, ctx, resolver) : kind.create(spec.config as never, ctx, resolver));
    built.add(spec.name);
  }
  return { components, order: specs.map((s) => s.name) };
}

function roleRank(spec: ComponentSpec): number {
  return buildOrder[kindOf(spec.kind)!.role];
}

function dependencies(spec: ComponentSpec): string[] {
  return kindOf(spec.kind)!
    .references(spec.config as never)
    .map((r) => r.name);
}

function asCallee(c: Component | undefined, name: string): Callee {
  if (!c || !('handle' in c)) throw new Error(`internal: ${name} is not a built service or client`);
  return c as Callee;
}
