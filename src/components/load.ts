import { z } from 'zod';
import type { Component, ComponentContext, Handler } from '../core/component.js';
import type { Counter, Gauge } from '../core/metrics.js';
import { formatRate } from '../core/units.js';
import { componentName, count, duration, rate } from '../scenario/fields.js';
import { defineKind } from './kind.js';

export interface RateStep {
  /** When this step's rate applies. */
  at: number;
  rate: number;
  /** Reach `rate` linearly over this long, starting from the previous step's rate. */
  ramp: number;
}

export type LoadShape =
  | { loop: 'open'; steps: RateStep[]; arrivals: 'poisson' | 'uniform' }
  | { loop: 'closed'; concurrency: number; think: number };

/** The rate a profile asks for at time `t`. */
export function rateAt(steps: readonly RateStep[], t: number): number {
  let previous = 0;
  let current = 0;
  for (const step of steps) {
    if (step.at > t) break;
    if (step.ramp > 0 && t < step.at + step.ramp) {
      current = previous + ((step.rate - previous) * (t - step.at)) / step.ramp;
    } else {
      current = step.rate;
    }
    previous = step.rate;
  }
  return current;
}

/** When the profile next changes after `t` (so an idle generator knows when to look again). */
function nextChange(steps: readonly RateStep[], t: number): number {
  for (const step of steps) if (step.at > t) return step.at;
  return Infinity;
}

/**
 * Sends calls to a target: open loop (arrivals at a rate, whatever the answers — how
 * real user traffic behaves, and why overload snowballs) or closed loop (a fixed number of
 * callers that each wait for an answer, then think).
 */
export class LoadGenerator implements Component {
  readonly kind = 'load';
  readonly name: string;
  private readonly shape: LoadShape;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random'>;
  private readonly target: Handler;
  private readonly nextId: () => number;
  private readonly startAt: number;
  private readonly stopAt: number;
  private outstanding = 0;
  private readonly m: { sent: Counter; answered: Counter; inFlight: Gauge };

  constructor(
    name: string,
    shape: LoadShape,
    window: { start: number; stop: number },
    target: Handler,
    nextId: () => number,
    ctx: Pick<ComponentContext, 'clock' | 'random' | 'metrics'>,
  ) {
    this.name = name;
    this.shape = shape;
    this.ctx = ctx;
    this.target = target;
    this.nextId = nextId;
    this.startAt = window.start;
    this.stopAt = window.stop;
    this.m = { sent: ctx.metrics.counter('sent'), answered: ctx.metrics.counter('answered'), inFlight: ctx.metrics.gauge('inFlight') };
    const clock = ctx.clock;
    clock.setTimer(Math.max(0, this.startAt - clock.now()), () => this.begin());
  }

  state(): undefined {
    return undefined;
  }

  columns() {
    const cols: Record<string, string | number> = { sent: this.m.sent.value, 'in flight': this.outstanding };
    if (this.shape.loop === 'open') cols['rate'] = formatRate(rateAt(this.shape.steps, this.ctx.clock.now() - this.startAt));
    else cols['callers'] = this.shape.concurrency;
    return cols;
  }

  private begin(): void {
    if (this.shape.loop === 'open') this.scheduleArrival();
    else for (let i = 0; i < this.shape.concurrency; i++) this.callThenThink();
  }

  private scheduleArrival(): void {
    const shape = this.shape as Extract<LoadShape, { loop: 'open' }>;
    const clock = this.ctx.clock;
    const local = clock.now() - this.startAt;
    const r = rateAt(shape.steps, local);
    if (r <= 0) {
      const wake = nextChange(shape.steps, local);
      if (wake !== Infinity && this.startAt + wake < this.stopAt) clock.setTimer(this.startAt + wake - clock.now(), () => this.scheduleArrival());
      return;
    }
    const mean = 1000 / r;
    const gap = shape.arrivals === 'poisson' ? this.ctx.random.exponential(mean) : mean;
    if (clock.now() + gap >= this.stopAt) return;
    clock.setTimer(gap, () => {
      this.send();
      this.scheduleArrival();
    });
  }

  private callThenThink(): void {
    const clock = this.ctx.clock;
    if (clock.now() >= this.stopAt) return;
    this.send(() => {
      const think = (this.shape as Extract<LoadShape, { loop: 'closed' }>).think;
      if (think > 0) clock.setTimer(think, () => this.callThenThink());
      else this.callThenThink();
    });
  }

  private send(then?: () => void): void {
    const m = this.m;
    m.sent.inc();
    this.outstanding++;
    m.inFlight.set(this.outstanding);
    this.target({ id: this.nextId(), startedAt: this.ctx.clock.now() }, () => {
      this.outstanding--;
      m.inFlight.set(this.outstanding);
      m.answered.inc();
      then?.();
    });
  }
}

const step = z
  .object({ at: duration(), rate: rate(), ramp: duration().default(0) })
  .strict();

export const loadKind = defineKind({
  kind: 'load',
  role: 'load',
  summary: 'sends calls at a rate (open loop) or from a fixed number of callers (closed loop)',
  schema: z
    .object({
      kind: z.literal('load'),
      description: z.string().optional(),
      target: componentName,
      rate: rate().optional(),
      profile: z.array(step).min(1).optional(),
      arrivals: z.enum(['poisson', 'uniform']).default('poisson'),
      concurrency: count({ min: 1, max: 100_000 }).optional(),
      think: duration().default(0),
      start: duration().default(0),
      stop: duration().optional(),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      const given = [cfg.rate !== undefined && 'rate', cfg.profile !== undefined && 'profile', cfg.concurrency !== undefined && 'concurrency'].filter(Boolean);
      if (given.length !== 1) {
        ctx.addIssue({
          code: 'custom',
          path: given.length === 0 ? [] : [given[1] as string],
          message:
            given.length === 0
              ? 'say how much load: rate (e.g. 50/s), profile (steps over time) or concurrency (closed loop)'
              : `use one of rate, profile or concurrency, not ${given.join(' and ')}`,
        });
      }
      if (cfg.profile) {
        for (let i = 1; i < cfg.profile.length; i++) {
          if (cfg.profile[i]!.at < cfg.profile[i - 1]!.at) {
            ctx.addIssue({ code: 'custom', path: ['profile', i, 'at'], message: 'profile steps must be in time order' });
          }
        }
      }
    }),
  knobs: {
    rate: { description: 'calls per second (open loop)', type: 'rate', min: '0/s', max: '100000/s' },
    concurrency: { description: 'callers waiting on each other (closed loop)', type: 'int', min: 1, max: 100_000 },
    arrivals: { description: 'poisson (random gaps) or uniform (even gaps)', type: 'enum', values: ['poisson', 'uniform'] },
  },
  metrics: { counters: ['sent', 'answered'], gauges: ['inFlight'] },
  references: (config) => [{ field: 'target', name: config.target, role: 'callable' }],
  create: (config, ctx, resolve) => {
    const shape: LoadShape =
      config.concurrency !== undefined
        ? { loop: 'closed', concurrency: config.concurrency, think: config.think }
        : { loop: 'open', arrivals: config.arrivals, steps: config.profile ?? [{ at: 0, rate: config.rate ?? 0, ramp: 0 }] };
    return new LoadGenerator(ctx.name, shape, { start: config.start, stop: config.stop ?? resolve.duration }, resolve.handler(config.target), resolve.newCallId, ctx);
  },
});
