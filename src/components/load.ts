import { z } from 'zod';
import type { Component, ComponentContext, Handler } from '../core/component.js';
import type { Counter, Gauge } from '../core/metrics.js';
import type { Random } from '../core/random.js';
import { formatRate, parseRatio } from '../core/units.js';
import { componentName, count, duration, factor, rate } from '../scenario/fields.js';
import { defineKind } from './kind.js';

export interface RateStep {
  /** When this step's rate applies. */
  at: number;
  rate: number;
  /** Reach `rate` linearly over this long, starting from the previous step's rate. */
  ramp: number;
}

/** A class of requests in the mix: its share, its tags, and optionally a key drawn per call. */
export interface RequestClass {
  weight: number;
  tags: Record<string, string>;
  key?: { name: string; count: number; zipf: number; prefix: string } | undefined;
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
  private readonly mix: KeyedMix | undefined;
  private outstanding = 0;
  private readonly m: { sent: Counter; answered: Counter; inFlight: Gauge };

  constructor(
    name: string,
    shape: LoadShape,
    window: { start: number; stop: number },
    target: Handler,
    nextId: () => number,
    ctx: Pick<ComponentContext, 'clock' | 'random' | 'metrics'>,
    mix: readonly RequestClass[] = [],
  ) {
    this.mix = mix.length > 0 ? new KeyedMix(mix) : undefined;
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
    const call = this.mix
      ? { id: this.nextId(), startedAt: this.ctx.clock.now(), tags: this.mix.draw(this.ctx.random) }
      : { id: this.nextId(), startedAt: this.ctx.clock.now() };
    this.target(call, () => {
      this.outstanding--;
      m.inFlight.set(this.outstanding);
      m.answered.inc();
      then?.();
    });
  }
}

/**
 * Sends each call to every target — the same id, the same tags — and answers once all have
 * answered: several variants of a system side by side, fed exactly the same traffic.
 */
export function fanOut(targets: readonly Handler[]): Handler {
  if (targets.length === 1) return targets[0]!;
  return (call, done) => {
    let waiting = targets.length;
    const cancels = targets.map((target) =>
      target(call, (outcome) => {
        if (--waiting === 0) done(outcome);
      }),
    );
    return () => {
      for (const cancel of cancels) cancel();
    };
  };
}

/**
 * Draws a request class by weight, then a key within it: uniform over `count` keys, or
 * Zipf-skewed (a few hot keys) when `zipf` > 0.
 */
export class KeyedMix {
  private readonly cumulative: number[];
  private readonly keyWeights: (number[] | undefined)[];

  constructor(private readonly classes: readonly RequestClass[]) {
    const total = classes.reduce((s, c) => s + c.weight, 0);
    let acc = 0;
    this.cumulative = classes.map((c) => (acc += c.weight / total));
    this.keyWeights = classes.map((c) => {
      if (!c.key || c.key.zipf <= 0) return undefined;
      let sum = 0;
      const cdf = Array.from({ length: c.key.count }, (_, i) => (sum += 1 / Math.pow(i + 1, c.key!.zipf)));
      return cdf.map((x) => x / sum);
    });
  }

  draw(random: Pick<Random, 'next' | 'int'>): Readonly<Record<string, string>> {
    const u = random.next();
    let i = this.cumulative.findIndex((c) => u < c);
    if (i < 0) i = this.classes.length - 1;
    const cls = this.classes[i]!;
    if (!cls.key) return cls.tags;
    const cdf = this.keyWeights[i];
    let k: number;
    if (cdf) {
      k = firstAbove(cdf, random.next());
    } else {
      k = random.int(cls.key.count);
    }
    return this.tagsFor(i, cls, k);
  }

  /** Tag objects are shared per (class, key): calls only read them, and hot keys repeat. */
  private readonly tagCache = new Map<number, Readonly<Record<string, string>>>();

  private tagsFor(i: number, cls: RequestClass, k: number): Readonly<Record<string, string>> {
    const id = k * this.classes.length + i;
    let tags = this.tagCache.get(id);
    if (tags === undefined) {
      tags = Object.freeze({ ...cls.tags, [cls.key!.name]: `${cls.key!.prefix}${k + 1}` });
      if (this.tagCache.size < 100_000) this.tagCache.set(id, tags);
    }
    return tags;
  }
}

/** The first index whose cumulative weight is above `v` (the last if none): a binary search. */
function firstAbove(cdf: readonly number[], v: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v < cdf[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const requestClass = z
  .object({
    weight: z.union([z.number().positive(), z.string()]).default(1),
    tags: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
    key: z
      .object({
        name: z.string().default('user'),
        count: count({ min: 1, max: 10_000_000 }),
        zipf: factor({ min: 0, max: 5 }).default(0),
        prefix: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .transform((c, ctx): RequestClass => {
    const weight = typeof c.weight === 'number' ? c.weight : parseRatio(c.weight);
    if (weight === undefined || !(weight > 0)) {
      ctx.addIssue({ code: 'custom', path: ['weight'], message: `expected a positive weight like 3 or 25%, got ${JSON.stringify(c.weight)}` });
      return z.NEVER;
    }
    const key = c.key ? { name: c.key.name, count: c.key.count, zipf: c.key.zipf, prefix: c.key.prefix ?? `${c.key.name}-` } : undefined;
    return { weight, tags: c.tags, key };
  });

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
      target: componentName.optional(),
      targets: z.array(componentName).min(1).optional(),
      rate: rate().optional(),
      profile: z.array(step).min(1).optional(),
      arrivals: z.enum(['poisson', 'uniform']).default('poisson'),
      concurrency: count({ min: 1, max: 100_000 }).optional(),
      think: duration().default(0),
      start: duration().default(0),
      stop: duration().optional(),
      mix: z.array(requestClass).min(1).optional(),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      if ((cfg.target === undefined) === (cfg.targets === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: cfg.target === undefined ? [] : ['targets'],
          message: 'say where calls go: target (one client or service) or targets (several, each receiving every call), not both',
        });
      }
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
  references: (config) =>
    config.targets
      ? config.targets.map((name, i) => ({ field: `targets.${i}`, name, role: 'callable' as const }))
      : [{ field: 'target', name: config.target!, role: 'callable' as const }],
  create: (config, ctx, resolve) => {
    const shape: LoadShape =
      config.concurrency !== undefined
        ? { loop: 'closed', concurrency: config.concurrency, think: config.think }
        : { loop: 'open', arrivals: config.arrivals, steps: config.profile ?? [{ at: 0, rate: config.rate ?? 0, ramp: 0 }] };
    return new LoadGenerator(
      ctx.name,
      shape,
      { start: config.start, stop: config.stop ?? resolve.duration },
      fanOut((config.targets ?? [config.target!]).map((name) => resolve.handler(name))),
      resolve.newCallId,
      ctx,
      config.mix ?? [],
    );
  },
});
