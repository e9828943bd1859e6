import { z } from 'zod';
import type { ComponentContext, Handler, Outcome, Policy } from '../core/component.js';
import type { Counter } from '../core/metrics.js';
import { formatDuration, formatPercent } from '../core/units.js';
import { duration, ratio } from '../scenario/fields.js';
import { defineKind } from './kind.js';

/**
 * Sends a share of calls twice, the second copy `after` the first, with the same call id:
 * a double click, an impatient resubmit, an at-least-once delivery. Not a pattern but the
 * traffic that makes idempotency necessary. The caller gets the first successful answer,
 * or the last failure when neither copy succeeds.
 */
export class Duplicate implements Policy {
  readonly kind = 'duplicate';
  readonly name: string;
  private readonly share: number;
  private readonly after: number;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random'>;
  private readonly m: { calls: Counter; duplicated: Counter };

  constructor(name: string, cfg: { share: number; after: number }, ctx: Pick<ComponentContext, 'clock' | 'random' | 'metrics'>) {
    this.name = name;
    this.share = cfg.share;
    this.after = cfg.after;
    this.ctx = ctx;
    this.m = { calls: ctx.metrics.counter('calls'), duplicated: ctx.metrics.counter('duplicated') };
  }

  state(): undefined {
    return undefined;
  }

  columns() {
    return { share: formatPercent(this.share), after: formatDuration(this.after), duplicated: this.m.duplicated.value };
  }

  wrap(next: Handler): Handler {
    return (call, done) => {
      this.m.calls.inc();
      if (!this.ctx.random.chance(this.share)) return next(call, done);
      this.m.duplicated.inc();
      let pending = 2;
      let answered = false;
      const settle = (outcome: Outcome) => {
        pending--;
        if (answered || (!outcome.ok && pending > 0)) return;
        answered = true;
        done(outcome);
      };
      const cancels = [next(call, settle)];
      const second = this.ctx.clock.setTimer(this.after, () => cancels.push(next(call, settle)));
      return () => {
        answered = true;
        second.cancel();
        for (const cancel of cancels) cancel();
      };
    };
  }
}

export const duplicateKind = defineKind({
  kind: 'duplicate',
  role: 'policy',
  summary: 'sends a share of calls twice with the same id (a double click, an at-least-once delivery)',
  schema: z
    .object({
      kind: z.literal('duplicate'),
      description: z.string().optional(),
      share: ratio(),
      after: duration({ max: 3_600_000 }).default(0),
    })
    .strict(),
  knobs: {
    share: { description: 'share of calls sent twice', type: 'ratio', min: 0, max: 1 },
    after: { description: 'delay before the second copy', type: 'duration', min: '0ms', max: '1h' },
  },
  metrics: { counters: ['calls', 'duplicated'], ratios: { duplicateRate: ['duplicated', 'calls'] } },
  references: () => [],
  create: (config, ctx) => new Duplicate(ctx.name, config, ctx),
});
