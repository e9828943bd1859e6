import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import { failureKinds, type ComponentContext, type FailureKind, type Handler, type Outcome, type Policy } from '../core/component.js';
import type { Counter } from '../core/metrics.js';
import { duration } from '../scenario/fields.js';

/**
 * Answers with a degraded result (a cached value, a default, "try later") when the call
 * fails in one of the listed ways. The caller gets an answer; the summary still counts it
 * as a fallback, not a success.
 */
export class Fallback implements Policy {
  readonly kind = 'fallback';
  readonly name: string;
  private readonly on: Set<FailureKind>;
  private readonly latency: number;
  private readonly ctx: Pick<ComponentContext, 'clock'>;
  private readonly degraded: Outcome = Object.freeze({ ok: true, fallback: true });
  private readonly m: { calls: Counter; used: Counter };

  constructor(name: string, on: readonly FailureKind[], latency: number, ctx: Pick<ComponentContext, 'clock' | 'metrics'>) {
    this.name = name;
    this.on = new Set(on);
    this.latency = latency;
    this.ctx = ctx;
    this.m = { calls: ctx.metrics.counter('calls'), used: ctx.metrics.counter('used') };
  }

  state(): undefined {
    return undefined;
  }

  columns() {
    return { used: this.m.used.value };
  }

  wrap(next: Handler): Handler {
    return (call, done) => {
      this.m.calls.inc();
      let cancelled = false;
      const cancel = next(call, (outcome) => {
        if (outcome.ok || !this.on.has(outcome.error)) return done(outcome);
        this.m.used.inc();
        if (this.latency === 0) return done(this.degraded);
        this.ctx.clock.setTimer(this.latency, () => {
          if (!cancelled) done(this.degraded);
        });
      });
      return () => {
        cancelled = true;
        cancel();
      };
    };
  }
}

export const fallbackKind = defineKind({
  kind: 'fallback',
  role: 'policy',
  summary: 'answers with a degraded result when the call fails',
  schema: z
    .object({
      kind: z.literal('fallback'),
      description: z.string().optional(),
      on: z.array(z.enum(failureKinds)).default([...failureKinds]),
      latency: duration({ max: 60_000 }).default(0),
    })
    .strict(),
  knobs: {
    latency: { description: 'time to produce the fallback answer', type: 'duration', min: '0ms', max: '60s' },
  },
  metrics: { counters: ['calls', 'used'], ratios: { fallbackRate: ['used', 'calls'] } },
  references: () => [],
  create: (config, ctx) => new Fallback(ctx.name, config.on, config.latency, ctx),
});
