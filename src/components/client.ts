import { z } from 'zod';
import type { Callee, Call, Cancel, ComponentContext, Done, Handler, Policy } from '../core/component.js';
import type { Clock } from '../core/clock.js';
import type { Counter, Gauge, Histogram } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { componentName, duration } from '../scenario/fields.js';
import { defineKind } from './kind.js';

/** One-way network delay between a caller and its dependency, both ways. */
export function linkWithLatency(clock: Pick<Clock, 'setTimer'>, latency: number, target: Handler): Handler {
  if (latency <= 0) return target;
  return (call, done) => {
    let cancelled = false;
    let cancelTarget: Cancel | undefined;
    const outbound = clock.setTimer(latency, () => {
      cancelTarget = target(call, (outcome) => {
        clock.setTimer(latency, () => {
          if (!cancelled) done(outcome);
        });
      });
    });
    return () => {
      cancelled = true;
      outbound.cancel();
      cancelTarget?.();
    };
  };
}

/** Wraps a handler in policies, outermost first: `[a, b]` gives a(b(handler)). */
export function wrapAll(policies: readonly Policy[], handler: Handler): Handler {
  let h = handler;
  for (let i = policies.length - 1; i >= 0; i--) h = policies[i]!.wrap(h);
  return h;
}

/**
 * A caller of one dependency through a chain of policies, outermost first:
 * `via: [fallback, breaker, retry, timeout]` means the fallback sees what the breaker lets
 * out, the breaker sees one outcome per call after retries, and each attempt has its own
 * timeout. It measures what its own callers experience.
 */
export class Client implements Callee {
  readonly kind = 'client';
  readonly name: string;
  readonly chain: string[];
  private readonly clock: Pick<Clock, 'now'>;
  private readonly inner: Handler;
  private readonly m: {
    calls: Counter;
    ok: Counter;
    failed: Counter;
    rejected: Counter;
    fallback: Counter;
    answered: Counter;
    finished: Counter;
    latency: Histogram;
    inFlight: Gauge;
  };
  private inFlight = 0;

  constructor(name: string, target: { name: string; handle: Handler }, policies: Policy[], latency: number, ctx: Pick<ComponentContext, 'clock' | 'metrics'>) {
    this.name = name;
    this.clock = ctx.clock;
    this.chain = [...policies.map((p) => p.name), target.name];
    let handler = linkWithLatency(ctx.clock, latency, target.handle);
    for (let i = policies.length - 1; i >= 0; i--) handler = policies[i]!.wrap(handler);
    this.inner = handler;
    const m = ctx.metrics;
    this.m = {
      calls: m.counter('calls'),
      ok: m.counter('ok'),
      failed: m.counter('failed'),
      rejected: m.counter('rejected'),
      fallback: m.counter('fallback'),
      answered: m.counter('answered'),
      finished: m.counter('finished'),
      latency: m.histogram('latency'),
      inFlight: m.gauge('inFlight'),
    };
  }

  state(): undefined {
    return undefined;
  }

  columns() {
    const m = this.m;
    const cols: Record<string, string | number> = { ok: m.ok.value, failed: m.failed.value, rejected: m.rejected.value };
    if (m.fallback.value > 0) cols['fallback'] = m.fallback.value;
    const p99 = m.latency.total.quantile(0.99);
    if (Number.isFinite(p99)) cols['p99'] = formatDuration(p99);
    return cols;
  }

  readonly handle = (call: Call, done: Done): Cancel => {
    const m = this.m;
    m.calls.inc();
    this.inFlight++;
    m.inFlight.set(this.inFlight);
    const started = this.clock.now();
    return this.inner(call, (outcome) => {
      this.inFlight--;
      m.inFlight.set(this.inFlight);
      m.latency.observe(this.clock.now() - started);
      m.finished.inc();
      if (outcome.ok) {
        m.answered.inc();
        if (outcome.fallback) m.fallback.inc();
        else m.ok.inc();
      } else if (outcome.error === 'rejected') {
        m.rejected.inc();
      } else {
        m.failed.inc();
      }
      done(outcome);
    });
  };
}

export const clientKind = defineKind({
  kind: 'client',
  role: 'client',
  summary: 'calls a dependency through a chain of policies and measures what its callers see',
  schema: z
    .object({
      kind: z.literal('client'),
      description: z.string().optional(),
      calls: componentName,
      via: z.array(componentName).default([]),
      link: duration({ max: 60_000 }).default(0),
    })
    .strict(),
  knobs: {
    link: { description: 'one-way network delay to the dependency', type: 'duration', min: '0ms', max: '60s' },
  },
  metrics: {
    counters: ['calls', 'ok', 'failed', 'rejected', 'fallback', 'answered', 'finished'],
    histograms: ['latency'],
    gauges: ['inFlight'],
    ratios: {
      successRate: ['ok', 'finished'],
      failureRate: ['failed', 'finished'],
      rejectionRate: ['rejected', 'finished'],
      answeredRate: ['answered', 'finished'],
    },
  },
  references: (config) => [
    { field: 'calls', name: config.calls, role: 'callable' },
    ...config.via.map((name, i) => ({ field: `via.${i}`, name, role: 'policy' as const })),
  ],
  create: (config, ctx, resolve) =>
    new Client(ctx.name, { name: config.calls, handle: resolve.handler(config.calls) }, config.via.map((p) => resolve.policy(p)), config.link, ctx),
});

export type ClientKindConfig = z.output<typeof clientKind.schema>;
