import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import type { ComponentContext, Handler, Outcome, Policy } from '../core/component.js';
import type { Counter } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { duration } from '../scenario/fields.js';

/**
 * Stops waiting after `after`. The dependency keeps working on the abandoned call — a
 * timeout frees the caller, not the callee — which is why timeouts alone do not relieve an
 * overloaded service.
 */
export class Timeout implements Policy {
  readonly kind = 'timeout';
  readonly name: string;
  private readonly after: number;
  private readonly ctx: Pick<ComponentContext, 'clock'>;
  private readonly timedOut: Outcome;
  private readonly m: { calls: Counter; timeouts: Counter };

  constructor(name: string, after: number, ctx: Pick<ComponentContext, 'clock' | 'metrics'>) {
    this.name = name;
    this.after = after;
    this.ctx = ctx;
    this.timedOut = Object.freeze({ ok: false, error: 'timeout', by: name, detail: `no answer within ${formatDuration(after)}` });
    this.m = { calls: ctx.metrics.counter('calls'), timeouts: ctx.metrics.counter('timeouts') };
  }

  state(): undefined {
    return undefined;
  }

  columns() {
    return { after: formatDuration(this.after), timeouts: this.m.timeouts.value };
  }

  wrap(next: Handler): Handler {
    const clock = this.ctx.clock;
    const m = this.m;
    const timedOut = this.timedOut;
    return (call, done) => {
      m.calls.inc();
      let settled = false;
      const timer = clock.setTimer(this.after, () => {
        if (settled) return;
        settled = true;
        m.timeouts.inc();
        cancel();
        done(timedOut);
      });
      const cancel = next(call, (outcome) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        done(outcome);
      });
      return () => {
        if (settled) return;
        settled = true;
        timer.cancel();
        cancel();
      };
    };
  }
}

export const timeoutKind = defineKind({
  kind: 'timeout',
  role: 'policy',
  summary: 'gives up waiting after a fixed time',
  schema: z
    .object({
      kind: z.literal('timeout'),
      description: z.string().optional(),
      after: duration({ min: 1, max: 3_600_000 }),
    })
    .strict(),
  knobs: {
    after: { description: 'how long to wait for an answer', type: 'duration', min: '1ms', max: '1h' },
  },
  metrics: { counters: ['calls', 'timeouts'], ratios: { timeoutRate: ['timeouts', 'calls'] } },
  references: () => [],
  create: (config, ctx) => new Timeout(ctx.name, config.after, ctx),
});
