import { z } from 'zod';
import { linkWithLatency, wrapAll } from '../components/client.js';
import { defineKind, type Resolver } from '../components/kind.js';
import { failureKinds, memberTrace, type Call, type Callee, type Cancel, type ComponentContext, type ComponentTrace, type Done, type Handler, type Outcome } from '../core/component.js';
import type { Counter } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { componentName, count, duration, ratio } from '../scenario/fields.js';
import { algorithms, Picker, type Algorithm } from './balancing.js';
import { aggregate, isInstanceView, type InstanceView } from './instance-view.js';
import { OutlierEjection, type EjectionConfig } from './outlier-ejection.js';

export const balancerStates = ['BALANCED', 'DEGRADED', 'EMPTY'] as const;
export type BalancerState = (typeof balancerStates)[number];

export interface Instance {
  name: string;
  /** The instance's handler with the balancer's per-call policies and link around it. */
  call: Handler;
}

interface Member extends Instance {
  available: boolean;
  outstanding: number;
  sent: number;
  /** Why it is out of rotation, when it is: ejected, or the monitor that does not admit it. */
  out: string | undefined;
  trace: ComponentTrace;
}

/**
 * A client-side load balancer: callable like a service, it sends each call to one of
 * several instances — round robin, at random, to the least busy, or the less busy of two
 * picked at random — skipping the instances its monitors (health checks, a registry) do not
 * admit and those its outlier ejection has taken out after repeated failures.
 */
export class LoadBalancer implements Callee {
  readonly kind = 'load-balancer';
  readonly name: string;
  private readonly members: Member[];
  private readonly picker: Picker;
  private readonly views: readonly InstanceView[];
  private readonly ejection: OutlierEjection | undefined;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'trace'>;
  private readonly none: Outcome;
  private current: BalancerState = 'BALANCED';
  private readonly m: { calls: Counter; ok: Counter; failed: Counter; noInstance: Counter; ejections: Counter };

  constructor(
    name: string,
    cfg: { algorithm: Algorithm; ejection?: EjectionConfig | undefined },
    instances: readonly Instance[],
    views: readonly InstanceView[],
    ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>,
  ) {
    this.name = name;
    this.ctx = ctx;
    this.views = views;
    this.picker = new Picker(cfg.algorithm, ctx.random);
    this.none = Object.freeze({ ok: false, error: 'unavailable', by: name, detail: 'no instance in rotation' });
    this.members = instances.map((i) => ({ ...i, available: true, outstanding: 0, sent: 0, out: undefined, trace: memberTrace(ctx.trace, i.name) }));
    this.ejection = cfg.ejection
      ? new OutlierEjection(cfg.ejection, this.members.length, ctx.clock, (index, from, to, cause) => {
          const member = this.members[index]!;
          if (to === 'EJECTED') this.m.ejections.inc();
          member.trace.transition(from, to, cause);
          this.refresh(`${member.name} ${to === 'EJECTED' ? 'ejected' : 'back'}: ${cause}`);
        })
      : undefined;
    const m = ctx.metrics;
    this.m = { calls: m.counter('calls'), ok: m.counter('ok'), failed: m.counter('failed'), noInstance: m.counter('noInstance'), ejections: m.counter('ejections') };
    for (const view of views) view.watch((_instance, cause) => this.refresh(cause));
    this.refresh('start');
  }

  state(): BalancerState {
    return this.current;
  }

  columns() {
    const inRotation = this.members.filter((m) => m.available).length;
    const cols: Record<string, string | number> = { pick: this.picker.algorithm, 'in rotation': `${inRotation}/${this.members.length}` };
    const out = this.members.flatMap((m, i) => (m.available ? [] : [`${m.name} ${m.out === EJECTED ? `ejected ${formatDuration(this.ejection!.remaining(i))}` : `per ${m.out}`}`]));
    if (out.length > 0) cols['out'] = out.join(', ');
    cols['sent'] = this.members.map((m) => m.sent).join('/');
    cols['busy'] = this.members.map((m) => m.outstanding).join('/');
    return cols;
  }

  readonly handle = (call: Call, done: Done): Cancel => {
    const m = this.m;
    m.calls.inc();
    const index = this.picker.pick(this.members);
    if (index < 0) {
      m.noInstance.inc();
      done(this.none);
      return noop;
    }
    const member = this.members[index]!;
    member.sent++;
    member.outstanding++;
    let settled = false;
    const cancel = member.call(call, (outcome) => {
      if (settled) return;
      settled = true;
      member.outstanding--;
      if (outcome.ok) m.ok.inc();
      else m.failed.inc();
      this.ejection?.record(index, outcome);
      done(outcome);
    });
    return () => {
      if (settled) return;
      settled = true;
      member.outstanding--;
      cancel();
    };
  };

  /** Recomputes who is in rotation after any of its sources changed its mind. */
  private refresh(cause: string): void {
    for (let i = 0; i < this.members.length; i++) {
      const member = this.members[i]!;
      member.out = this.ejection?.isEjected(i) ? EJECTED : this.views.find((v) => !v.admits(member.name))?.name;
      member.available = member.out === undefined;
    }
    const inRotation = this.members.filter((m) => m.available).length;
    const next = aggregate(inRotation, this.members.length, balancerStates);
    if (next !== this.current) {
      const from = this.current;
      this.current = next;
      this.ctx.trace.transition(from, next, `${cause} (${inRotation}/${this.members.length} in rotation)`);
    }
  }
}

const noop = () => {};
/** Not a valid component name, so it cannot be mistaken for a monitor's. */
const EJECTED = '(ejected)';

const ejectionSchema = z
  .object({
    consecutiveFailures: count({ min: 1, max: 1000 }).default(5),
    baseEjection: duration({ min: 1, max: 3_600_000 }).default(30_000),
    maxEjection: duration({ min: 1, max: 86_400_000 }).default(300_000),
    maxEjected: ratio().default(0.5),
    ejectOn: z.array(z.enum(failureKinds)).default(['error', 'timeout', 'unavailable', 'overloaded']),
  })
  .strict();

export const loadBalancerKind = defineKind({
  kind: 'load-balancer',
  role: 'router',
  summary: 'spreads calls over instances (round robin, random, least outstanding, power of two choices), skipping unhealthy and ejected ones',
  schema: z
    .object({
      kind: z.literal('load-balancer'),
      description: z.string().optional(),
      instances: z.union([z.array(componentName).min(1), componentName]),
      algorithm: z.enum(algorithms).default('round-robin'),
      health: componentName.optional(),
      via: z.array(componentName).default([]),
      link: duration({ max: 60_000 }).default(0),
      outlierEjection: ejectionSchema.optional(),
    })
    .strict(),
  knobs: {
    algorithm: { description: 'round-robin, random, least-outstanding or p2c (power of two choices)', type: 'enum', values: [...algorithms] },
    link: { description: 'one-way network delay to each instance', type: 'duration', min: '0ms', max: '60s' },
  },
  metrics: {
    counters: ['calls', 'ok', 'failed', 'noInstance', 'ejections'],
    ratios: { failureRate: ['failed', 'calls'], noInstanceRate: ['noInstance', 'calls'] },
  },
  states: balancerStates,
  references: (config) => [
    ...(typeof config.instances === 'string'
      ? [{ field: 'instances', name: config.instances, role: 'monitor' as const }]
      : config.instances.map((name, i) => ({ field: `instances.${i}`, name, role: 'service' as const }))),
    ...(config.health ? [{ field: 'health', name: config.health, role: 'monitor' as const }] : []),
    ...config.via.map((name, i) => ({ field: `via.${i}`, name, role: 'policy' as const })),
  ],
  create: (config, ctx, resolve) => {
    const registry = typeof config.instances === 'string' ? monitor(resolve, config.instances) : undefined;
    const names = registry ? registry.instances : (config.instances as string[]);
    const policies = config.via.map((p) => resolve.policy(p));
    const instances = names.map((name) => ({ name, call: wrapAll(policies, linkWithLatency(ctx.clock, config.link, resolve.handler(name))) }));
    const views = [registry, config.health ? monitor(resolve, config.health) : undefined].filter((v): v is InstanceView => v !== undefined);
    const e = config.outlierEjection;
    const ejection = e && { consecutiveFailures: e.consecutiveFailures, baseEjection: e.baseEjection, maxEjection: e.maxEjection, maxEjectedShare: e.maxEjected, ejectOn: e.ejectOn };
    return new LoadBalancer(ctx.name, { algorithm: config.algorithm, ejection }, instances, views, ctx);
  },
});

function monitor(resolve: Resolver, name: string): InstanceView {
  const c = resolve.component(name);
  if (!isInstanceView(c)) throw new Error(`internal: ${name} keeps no view of instances`);
  return c;
}
