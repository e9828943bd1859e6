import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import { noCancel, type Call, type ComponentContext, type Handler, type Outcome, type Policy } from '../core/component.js';
import type { Counter, Gauge, Histogram } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { count, duration, factor } from '../scenario/fields.js';
import { SettledState } from './settled-state.js';

export interface SheddingConfig {
  /** What says "too much": work outstanding at the dependency, or how long calls have been taking. */
  by: 'queue' | 'latency';
  /** by queue: calls outstanding at which best-effort calls are shed. */
  maxQueue?: number | undefined;
  /** by latency: the standing latency (see standingLatency) at which best-effort calls are shed. */
  targetLatency?: number | undefined;
  /** Calls whose `tag` is one of `critical` are critical; the rest are best-effort. None: all best-effort. */
  priority?: { tag: string; critical: readonly string[] } | undefined;
  /** Critical calls are shed only once the signal passes this multiple of the limit. */
  criticalHeadroom: number;
}

export type SheddingState = 'ACCEPTING' | 'SHEDDING' | 'SHEDDING_ALL';

/** The interval over which the fastest call is taken (CoDel uses 100 ms). */
const INTERVAL = 100;

/**
 * Admission control in front of a dependency: when it is overloaded — by the work outstanding
 * at it, or by how slow recent calls were — refuse new calls at once with `overloaded`,
 * best-effort ones first, so the calls that are admitted are served in time. It stands for
 * the server's own admission: it counts a call as outstanding until the dependency has
 * finished it, even one whose caller has stopped waiting.
 */
export class LoadShedder implements Policy {
  readonly kind = 'load-shedding';
  readonly name: string;
  private outstanding = 0;
  /** Start times of outstanding calls, oldest first (a Map keeps insertion order). */
  private readonly since = new Map<object, number>();
  private interval = -1;
  /** The fastest call finished in the current interval, and in the one before. */
  private fastest = Infinity;
  private fastestBefore = Infinity;
  private readonly state_: SettledState<SheddingState>;
  private readonly critical: Set<string>;
  private readonly m: { calls: Counter; admitted: Counter; shed: Counter; shedCritical: Counter; inFlight: Gauge; latency: Histogram };

  constructor(
    name: string,
    private readonly cfg: SheddingConfig,
    private readonly ctx: Pick<ComponentContext, 'clock' | 'trace' | 'metrics'>,
  ) {
    this.name = name;
    this.critical = new Set(cfg.priority?.critical ?? []);
    this.state_ = new SettledState<SheddingState>(['ACCEPTING', 'SHEDDING', 'SHEDDING_ALL'], 1000, ctx, (from) =>
      from === 'SHEDDING_ALL' ? 'no critical call shed' : 'nothing shed',
    );
    const m = ctx.metrics;
    this.m = {
      calls: m.counter('calls'),
      admitted: m.counter('admitted'),
      shed: m.counter('shed'),
      shedCritical: m.counter('shedCritical'),
      inFlight: m.gauge('inFlight'),
      latency: m.histogram('latency'),
    };
  }

  state(): SheddingState {
    return this.state_.current;
  }

  columns() {
    const cols: Record<string, string | number> = {};
    if (this.cfg.by === 'queue') cols['outstanding'] = `${this.outstanding}/${this.cfg.maxQueue}`;
    else cols['latency'] = `${formatDuration(Math.round(this.standingLatency()))}/${formatDuration(this.cfg.targetLatency!)}`;
    cols['shed'] = this.m.shed.value;
    if (this.cfg.priority) cols['critical shed'] = this.m.shedCritical.value;
    return cols;
  }

  /** How loaded the dependency is, as a multiple of the limit: 1 = at the limit. */
  pressure(): number {
    if (this.cfg.by === 'queue') return this.outstanding / this.cfg.maxQueue!;
    return this.standingLatency() / this.cfg.targetLatency!;
  }

  isCritical(call: Pick<Call, 'tags'>): boolean {
    const p = this.cfg.priority;
    return p !== undefined && this.critical.has(call.tags?.[p.tag] ?? '');
  }

  wrap(next: Handler): Handler {
    const clock = this.ctx.clock;
    return (call, done) => {
      this.m.calls.inc();
      const critical = this.isCritical(call);
      const pressure = this.pressure();
      const limit = critical ? this.cfg.criticalHeadroom : 1;
      if (pressure >= limit) {
        this.m.shed.inc();
        if (critical) this.m.shedCritical.inc();
        const level = critical ? 'SHEDDING_ALL' : 'SHEDDING';
        this.state_.observe(level, () => `${this.describeSignal()}: ${critical ? 'critical calls too' : 'best-effort calls'} refused`);
        done(this.refusal(critical));
        return noCancel;
      }
      this.m.admitted.inc();
      this.outstanding++;
      this.m.inFlight.set(this.outstanding);
      const started = clock.now();
      const token = {};
      if (this.cfg.by === 'latency') this.since.set(token, started);
      let waiting = true;
      // Downstream is not cancelled: the dependency goes on with the call, and the shedder
      // goes on counting it until it is done.
      next(call, (outcome) => {
        this.outstanding--;
        this.m.inFlight.set(this.outstanding);
        this.since.delete(token);
        const took = clock.now() - started;
        this.m.latency.observe(took);
        this.roll(clock.now());
        if (took < this.fastest) this.fastest = took;
        if (waiting) {
          waiting = false;
          done(outcome);
        }
      });
      return () => {
        waiting = false;
      };
    };
  }

  /**
   * The latency of the fastest call finished in the last full interval. A slow call now and
   * then does not move it; when even the fastest call took longer than the target, a queue is
   * standing (the insight behind CoDel, Nichols and Jacobson 2012). When nothing finished, the
   * age of the oldest call still out: a dependency that answers nothing has the latency of
   * its wait.
   */
  private standingLatency(): number {
    const now = this.ctx.clock.now();
    this.roll(now);
    if (Number.isFinite(this.fastestBefore)) return this.fastestBefore;
    const oldest = this.since.values().next();
    return oldest.done ? 0 : now - oldest.value;
  }

  private roll(now: number): void {
    const index = Math.floor(now / INTERVAL);
    if (index === this.interval) return;
    this.fastestBefore = index === this.interval + 1 ? this.fastest : Infinity;
    this.fastest = Infinity;
    this.interval = index;
  }

  private describeSignal(): string {
    if (this.cfg.by === 'queue') return `${this.outstanding} outstanding ≥ ${this.cfg.maxQueue}`;
    return `latency ${formatDuration(Math.round(this.standingLatency()))} ≥ ${formatDuration(this.cfg.targetLatency!)}`;
  }

  private refusal(critical: boolean): Outcome {
    return { ok: false, error: 'overloaded', by: this.name, detail: `shed (${critical ? 'critical' : 'best-effort'}): ${this.describeSignal()}` };
  }
}

export const loadSheddingKind = defineKind({
  kind: 'load-shedding',
  role: 'policy',
  summary: 'refuses new calls while the dependency is overloaded, best-effort ones first',
  schema: z
    .object({
      kind: z.literal('load-shedding'),
      description: z.string().optional(),
      by: z.enum(['queue', 'latency']).default('queue'),
      maxQueue: count({ min: 1, max: 1_000_000 }).optional(),
      targetLatency: duration({ min: 1, max: 3_600_000 }).optional(),
      priority: z
        .object({ tag: z.string().min(1).default('priority'), critical: z.array(z.string()).min(1).default(['critical']) })
        .strict()
        .optional(),
      criticalHeadroom: factor({ min: 1, max: 100 }).default(2),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      if (cfg.by === 'queue' && cfg.maxQueue === undefined) {
        ctx.addIssue({ code: 'custom', path: ['maxQueue'], message: 'by: queue needs maxQueue (the outstanding calls at which to shed)' });
      }
      if (cfg.by === 'latency' && cfg.targetLatency === undefined) {
        ctx.addIssue({ code: 'custom', path: ['targetLatency'], message: 'by: latency needs targetLatency (the latency at which to shed)' });
      }
    }),
  knobs: {
    by: { description: 'queue: outstanding calls; latency: recent mean latency', type: 'enum', values: ['queue', 'latency'] },
    maxQueue: { description: 'outstanding calls at which best-effort calls are shed', type: 'int', min: 1, max: 1_000_000 },
    targetLatency: { description: 'recent mean latency at which best-effort calls are shed', type: 'duration', min: '1ms', max: '1h' },
    criticalHeadroom: { description: 'critical calls are shed only past this multiple of the limit', type: 'number', min: 1, max: 100 },
  },
  metrics: {
    counters: ['calls', 'admitted', 'shed', 'shedCritical'],
    histograms: ['latency'],
    gauges: ['inFlight'],
    ratios: { shedRate: ['shed', 'calls'] },
  },
  states: ['ACCEPTING', 'SHEDDING', 'SHEDDING_ALL'],
  references: () => [],
  create: (config, ctx) =>
    new LoadShedder(
      ctx.name,
      { by: config.by, maxQueue: config.maxQueue, targetLatency: config.targetLatency, priority: config.priority, criticalHeadroom: config.criticalHeadroom },
      ctx,
    ),
});
