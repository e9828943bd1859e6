import { z } from 'zod';
import type { Call, Callee, Cancel, ComponentContext, Done, Outcome } from '../core/component.js';
import type { Counter, Gauge, Histogram } from '../core/metrics.js';
import { formatPercent } from '../core/units.js';
import { count, ratio } from '../scenario/fields.js';
import { defineKind } from './kind.js';
import { describeLatency, latencySchema, sampleLatency, type LatencyDist } from './latency.js';

/** What faults do to a service while they last. */
export interface ServiceCondition {
  /** fail: refuses calls and resets open ones; hang: never answers; stop: a planned stop that finishes the calls it has and refuses new ones. */
  down?: 'fail' | 'hang' | 'stop';
  errorRate?: number;
  latencyFactor?: number;
  latencyAdd?: number;
}

export interface ServiceConfig {
  latency: LatencyDist;
  errorRate: number;
  concurrency?: number | undefined;
  queue: number;
  /**
   * sequential: draws come from one stream, in arrival order. per-call: each call's latency
   * and error are drawn from its id and arrival time, so copies of one call sent down several
   * chains (a load with `targets`) meet the same fate.
   */
  draws?: 'sequential' | 'per-call' | undefined;
  /** Each successful call is a side effect (a charge): count them per call id to catch duplicates. */
  effects?: boolean | undefined;
}

/** What a shallow health endpoint can see: the process's condition, not its request path. */
export interface ServiceHealth {
  state: string;
  /** Calls to it never answer (a hang). */
  hung: boolean;
  /** Calls are waiting for a free slot. */
  saturated: boolean;
}

export type ServiceWatcher = (state: string, cause: string) => void;

interface Work {
  call: Call;
  done: Done | null;
  arrivedAt: number;
}

const UNAVAILABLE: Outcome = Object.freeze({ ok: false, error: 'unavailable' });
const OVERLOADED: Outcome = Object.freeze({ ok: false, error: 'overloaded' });
const ERROR: Outcome = Object.freeze({ ok: false, error: 'error' });
const SUCCESS: Outcome = Object.freeze({ ok: true });

/**
 * A simulated dependency: draws a latency per call from a distribution, fails a share of
 * calls, serves at most `concurrency` at once and queues the rest, so overload shows up as
 * latency before it shows up as refusals. Faults change its condition while they last.
 */
export class Service implements Callee {
  readonly kind = 'service';
  readonly name: string;
  private readonly config: ServiceConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace'>;
  private readonly conditions: ServiceCondition[] = [];
  private effective: Required<Omit<ServiceCondition, 'down'>> & { down: ServiceCondition['down'] };
  private current = 'UP';
  private active = new Set<Work>();
  private waiting: Work[] = [];
  private waitingHead = 0;
  private hung = new Set<Work>();
  private watchers: ServiceWatcher[] = [];
  /** When effects are counted: the call ids that have had theirs, and the counters. */
  private readonly effects: { ids: Set<number>; all: Counter; unique: Counter; duplicates: Counter } | undefined;
  private readonly m: {
    calls: Counter;
    ok: Counter;
    errors: Counter;
    unavailable: Counter;
    overloaded: Counter;
    finished: Counter;
    latency: Histogram;
    inFlight: Gauge;
    queued: Gauge;
  };

  constructor(name: string, config: ServiceConfig, ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>) {
    this.name = name;
    this.config = config;
    this.ctx = ctx;
    this.effective = { down: undefined, errorRate: config.errorRate, latencyFactor: 1, latencyAdd: 0 };
    const m = ctx.metrics;
    this.m = {
      calls: m.counter('calls'),
      ok: m.counter('ok'),
      errors: m.counter('errors'),
      unavailable: m.counter('unavailable'),
      overloaded: m.counter('overloaded'),
      finished: m.counter('finished'),
      latency: m.histogram('latency'),
      inFlight: m.gauge('inFlight'),
      queued: m.gauge('queued'),
    };
    this.effects = config.effects
      ? { ids: new Set(), all: m.counter('effects'), unique: m.counter('uniqueEffects'), duplicates: m.counter('duplicateEffects') }
      : undefined;
  }

  state(): string {
    return this.current;
  }

  columns() {
    const c = this.effective;
    const cols: Record<string, string | number> = {
      'in flight': this.active.size + this.hung.size,
      queued: this.waiting.length - this.waitingHead,
    };
    if (c.errorRate > 0) cols['error rate'] = formatPercent(c.errorRate);
    if (c.latencyFactor !== 1) cols['latency'] = `×${c.latencyFactor}`;
    if (this.effects) {
      cols['effects'] = this.effects.all.value;
      cols['duplicates'] = this.effects.duplicates.value;
    }
    return cols;
  }

  describe(): string {
    const limit = this.config.concurrency ? `, ${this.config.concurrency} at a time` : '';
    return `latency ${describeLatency(this.config.latency)}, errors ${formatPercent(this.config.errorRate)}${limit}`;
  }

  readonly handle = (call: Call, done: Done): Cancel => {
    this.m.calls.inc();
    const work: Work = { call, done, arrivedAt: this.ctx.clock.now() };
    const down = this.effective.down;
    if (down === 'fail' || down === 'stop') {
      this.finish(work, UNAVAILABLE);
      return noop;
    }
    if (down === 'hang') {
      this.hung.add(work);
      return () => (work.done = null);
    }
    const limit = this.config.concurrency ?? Infinity;
    if (this.active.size < limit) {
      this.start(work);
    } else if (this.waiting.length - this.waitingHead < this.config.queue) {
      this.waiting.push(work);
      this.m.queued.set(this.waiting.length - this.waitingHead);
    } else {
      this.finish(work, OVERLOADED);
      return noop;
    }
    return () => (work.done = null);
  };

  /** What a shallow health check (liveness, readiness) sees. */
  health(): ServiceHealth {
    return { state: this.current, hung: this.effective.down === 'hang', saturated: this.waiting.length - this.waitingHead > 0 };
  }

  /** Tells `watcher` of every state change until the returned function is called. */
  watch(watcher: ServiceWatcher): () => void {
    this.watchers.push(watcher);
    return () => (this.watchers = this.watchers.filter((w) => w !== watcher));
  }

  /** Applies a fault's effect until the returned function is called. */
  impose(condition: ServiceCondition, cause: string): () => void {
    this.conditions.push(condition);
    this.recompute(`${cause} started`);
    return () => {
      const i = this.conditions.indexOf(condition);
      if (i >= 0) this.conditions.splice(i, 1);
      this.recompute(`${cause} ended`);
    };
  }

  private start(work: Work): void {
    this.active.add(work);
    this.m.inFlight.set(this.active.size);
    const c = this.effective;
    const random = this.config.draws === 'per-call' ? this.ctx.random.fork(`${work.call.id}@${work.arrivedAt}`) : this.ctx.random;
    const latency = sampleLatency(this.config.latency, random) * c.latencyFactor + c.latencyAdd;
    const failed = random.chance(c.errorRate);
    this.ctx.clock.setTimer(latency, () => {
      if (!this.active.delete(work)) return;
      this.m.inFlight.set(this.active.size);
      this.finish(work, failed ? ERROR : SUCCESS);
      this.startNext();
    });
  }

  private startNext(): void {
    const limit = this.config.concurrency ?? Infinity;
    while (this.active.size < limit && this.waitingHead < this.waiting.length) {
      const next = this.waiting[this.waitingHead]!;
      this.waiting[this.waitingHead++] = undefined as never;
      this.start(next);
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
    this.m.queued.set(this.waiting.length - this.waitingHead);
  }

  private finish(work: Work, outcome: Outcome): void {
    const m = this.m;
    m.finished.inc();
    if (outcome.ok && this.effects) this.countEffect(this.effects, work.call.id);
    if (outcome.ok) m.ok.inc();
    else if (outcome.error === 'error') m.errors.inc();
    else if (outcome.error === 'overloaded') m.overloaded.inc();
    else m.unavailable.inc();
    m.latency.observe(this.ctx.clock.now() - work.arrivedAt);
    const done = work.done;
    work.done = null;
    if (done) done(outcome);
  }

  /** A successful call had its effect (a card charged); the same call id again is a duplicate effect. */
  private countEffect(effects: NonNullable<Service['effects']>, id: number): void {
    effects.all.inc();
    if (effects.ids.has(id)) {
      effects.duplicates.inc();
    } else {
      effects.ids.add(id);
      effects.unique.inc();
    }
  }

  private recompute(cause: string): void {
    const base = this.config.errorRate;
    let down: ServiceCondition['down'];
    let keep = 1 - base;
    let factor = 1;
    let add = 0;
    for (const c of this.conditions) {
      if (c.down !== undefined && (down === undefined || severity[c.down] > severity[down])) down = c.down;
      if (c.errorRate !== undefined) keep *= 1 - c.errorRate;
      if (c.latencyFactor !== undefined) factor *= c.latencyFactor;
      if (c.latencyAdd !== undefined) add += c.latencyAdd;
    }
    const wasDown = this.effective.down;
    this.effective = { down, errorRate: 1 - keep, latencyFactor: factor, latencyAdd: add };
    if (down === 'fail' && wasDown !== 'fail') this.dropAll();
    if (down === 'hang' && (wasDown === undefined || wasDown === 'stop')) this.hangAll();
    if ((down === undefined || down === 'stop') && wasDown === 'hang') this.releaseHung();
    const next = down === 'stop' ? 'STOPPED' : down ? 'DOWN' : factor !== 1 || add > 0 ? 'SLOW' : 1 - keep > base + 1e-9 ? 'FLAKY' : 'UP';
    if (next !== this.current) {
      const from = this.current;
      this.current = next;
      this.ctx.trace.transition(from, next, cause);
      for (const watcher of this.watchers) watcher(next, cause);
    }
  }

  /** A crash resets every open connection: queued and in-flight calls fail at once. */
  private dropAll(): void {
    const victims = [...this.active, ...this.waiting.slice(this.waitingHead), ...this.hung];
    this.active.clear();
    this.waiting = [];
    this.waitingHead = 0;
    this.hung.clear();
    this.m.inFlight.set(0);
    this.m.queued.set(0);
    for (const work of victims) this.finish(work, UNAVAILABLE);
  }

  /** A hang (a network black hole, a stuck process) leaves every open call waiting. */
  private hangAll(): void {
    for (const work of this.active) this.hung.add(work);
    for (let i = this.waitingHead; i < this.waiting.length; i++) this.hung.add(this.waiting[i]!);
    this.active.clear();
    this.waiting = [];
    this.waitingHead = 0;
    this.m.inFlight.set(0);
    this.m.queued.set(0);
  }

  /** Connections that hung through an outage are reset when it ends. */
  private releaseHung(): void {
    const victims = [...this.hung];
    this.hung.clear();
    for (const work of victims) this.finish(work, UNAVAILABLE);
  }
}

const noop = () => {};
/** When faults overlap, the harsher one decides. */
const severity = { stop: 1, hang: 2, fail: 3 } as const;

export const serviceKind = defineKind({
  kind: 'service',
  role: 'service',
  summary: 'a simulated dependency with a latency distribution, an error rate and limited concurrency',
  schema: z
    .object({
      kind: z.literal('service'),
      description: z.string().optional(),
      latency: latencySchema.prefault('20ms'),
      errorRate: ratio().default(0),
      concurrency: count({ min: 1, max: 100_000 }).optional(),
      queue: count({ min: 0, max: 1_000_000 }).default(1000),
      draws: z.enum(['sequential', 'per-call']).default('sequential'),
      effects: z.boolean().default(false),
    })
    .strict(),
  knobs: {
    errorRate: { description: 'share of calls that fail even when healthy', type: 'ratio', min: 0, max: 1 },
    latency: { description: 'time to serve one call (e.g. 40ms)', type: 'duration', min: '0ms', max: '1h' },
    concurrency: { description: 'calls served at once; the rest queue', type: 'int', min: 1, max: 100_000 },
    queue: { description: 'calls that may wait when all slots are busy', type: 'int', min: 0, max: 1_000_000 },
  },
  metrics: {
    counters: ['calls', 'ok', 'errors', 'unavailable', 'overloaded', 'finished', 'effects', 'uniqueEffects', 'duplicateEffects'],
    histograms: ['latency'],
    gauges: ['inFlight', 'queued'],
    ratios: { errorRate: ['errors', 'finished'], successRate: ['ok', 'finished'], effectsPerRequest: ['effects', 'uniqueEffects', 'factor'] },
  },
  states: ['UP', 'SLOW', 'FLAKY', 'DOWN', 'STOPPED'],
  references: () => [],
  create: (config, ctx) =>
    new Service(
      ctx.name,
      {
        latency: config.latency,
        errorRate: config.errorRate,
        concurrency: config.concurrency,
        queue: config.queue,
        draws: config.draws,
        effects: config.effects,
      },
      ctx,
    ),
});
