import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import type { Timer } from '../core/clock.js';
import type { Cancel, ComponentContext, Handler, Outcome, Policy } from '../core/component.js';
import type { Counter, Gauge } from '../core/metrics.js';
import { formatDuration, formatPercent } from '../core/units.js';
import { count, duration, factor, ratio } from '../scenario/fields.js';
import { RetryBudget, type RetryBudgetConfig } from './retry.js';
import { SettledState } from './settled-state.js';

export interface HedgingConfig {
  /** Send a hedge after this fixed delay... */
  delay?: number | undefined;
  /** ...or after this quantile (0..1) of recently observed attempt latencies. */
  percentile?: number | undefined;
  /** Recent attempt latencies the percentile is taken over. */
  samples: number;
  /** Before this many latencies are known, a percentile-based hedger does not hedge. */
  minSamples: number;
  /** Extra attempts per call at most. */
  maxHedges: number;
  /** Optional: hedges at most this share of recent calls, so hedging cannot double the load. */
  budget?: RetryBudgetConfig | undefined;
}

export type HedgingState = 'LEARNING' | 'HEDGING' | 'THROTTLED';

/**
 * Hedged requests ("The Tail at Scale", Dean and Barroso, 2013): when a call has not answered
 * after a delay, send the same call again and take whichever answers first; the loser is
 * cancelled. A slow attempt is usually bad luck, not a slow request, so the hedge is usually
 * fast: the tail shrinks for a few percent more load.
 */
export class Hedging implements Policy {
  readonly kind = 'hedging';
  readonly name: string;
  private readonly recent: Float64Array;
  private filled = 0;
  private nextSlot = 0;
  private sinceCompute = 0;
  private currentDelay: number;
  private learning: boolean;
  private readonly budget: RetryBudget | undefined;
  private readonly throttle: SettledState<'HEDGING' | 'THROTTLED'>;
  private readonly m: { calls: Counter; attempts: Counter; hedges: Counter; hedgeWins: Counter; cancelled: Counter; budgetDenied: Counter; delay: Gauge };

  constructor(
    name: string,
    private readonly cfg: HedgingConfig,
    private readonly ctx: Pick<ComponentContext, 'clock' | 'trace' | 'metrics'>,
  ) {
    this.name = name;
    this.recent = new Float64Array(cfg.samples);
    this.learning = cfg.percentile !== undefined;
    this.currentDelay = cfg.delay ?? Infinity;
    this.budget = cfg.budget ? new RetryBudget(cfg.budget) : undefined;
    this.throttle = new SettledState(['HEDGING', 'THROTTLED'], 1000, ctx, () => 'no hedge denied');
    const m = ctx.metrics;
    this.m = {
      calls: m.counter('calls'),
      attempts: m.counter('attempts'),
      hedges: m.counter('hedges'),
      hedgeWins: m.counter('hedgeWins'),
      cancelled: m.counter('cancelled'),
      budgetDenied: m.counter('budgetDenied'),
      delay: m.gauge('delay'),
    };
    if (Number.isFinite(this.currentDelay)) this.m.delay.set(this.currentDelay);
  }

  state(): HedgingState {
    return this.learning ? 'LEARNING' : this.throttle.current;
  }

  /** The delay before the next hedge, in ms; Infinity while learning. */
  get delay(): number {
    return this.learning ? Infinity : this.currentDelay;
  }

  columns() {
    const cols: Record<string, string | number> = {};
    if (this.learning) cols['learning'] = `${this.filled}/${this.cfg.minSamples} latencies`;
    else cols['delay'] = this.cfg.percentile !== undefined ? `${formatDuration(this.currentDelay)} (p${pct(this.cfg.percentile)})` : formatDuration(this.currentDelay);
    cols['hedges'] = this.m.hedges.value;
    cols['won'] = this.m.hedgeWins.value;
    const calls = this.m.calls.value;
    if (calls > 0) cols['extra load'] = formatPercent(this.m.hedges.value / calls);
    if (this.budget) cols['budget'] = this.budget.describe(this.ctx.clock.now(), 'hedges');
    return cols;
  }

  report() {
    const calls = this.m.calls.value;
    const hedges = this.m.hedges.value;
    return {
      hedges,
      'extra load': calls > 0 ? formatPercent(hedges / calls) : '—',
      'hedges won': hedges > 0 ? formatPercent(this.m.hedgeWins.value / hedges) : '—',
      'final delay': Number.isFinite(this.delay) ? formatDuration(this.delay) : '—',
    };
  }

  wrap(next: Handler): Handler {
    const { clock, trace } = this.ctx;
    const m = this.m;
    return (call, done) => {
      m.calls.inc();
      this.budget?.recordCall(clock.now());
      const attempts: { cancel: Cancel; startedAt: number; live: boolean }[] = [];
      let live = 0;
      let finished = false;
      let timer: Timer | undefined;

      const finish = (outcome: Outcome, winner: number) => {
        finished = true;
        timer?.cancel();
        const now = clock.now();
        if (winner > 0 && outcome.ok) m.hedgeWins.inc();
        for (const a of attempts) {
          if (!a.live) continue;
          // The loser is cancelled; it was at least this slow, which keeps the percentile honest.
          a.live = false;
          m.cancelled.inc();
          this.observe(now - a.startedAt);
          a.cancel();
        }
        done(outcome);
      };

      const launch = () => {
        timer = undefined;
        const index = attempts.length;
        const attempt = { cancel: (() => {}) as Cancel, startedAt: clock.now(), live: true };
        attempts.push(attempt);
        live++;
        m.attempts.inc();
        attempt.cancel = next(call, (outcome) => {
          if (!attempt.live || finished) return;
          attempt.live = false;
          live--;
          this.observe(clock.now() - attempt.startedAt);
          // The first success wins; a failure wins only when nothing else is still out.
          if (outcome.ok || live === 0) finish(outcome, index);
        });
        if (!finished && attempts.length <= this.cfg.maxHedges) schedule();
      };

      const schedule = () => {
        const wait = this.delay;
        if (!Number.isFinite(wait)) return;
        timer = clock.setTimer(wait, () => {
          timer = undefined;
          if (finished || live === 0) return;
          if (this.budget && !this.budget.tryWithdraw(clock.now())) {
            m.budgetDenied.inc();
            this.throttle.observe('THROTTLED', () => `hedge budget spent: ${this.budget!.describe(clock.now(), 'hedges')}`);
            return;
          }
          m.hedges.inc();
          if (trace.enabled) trace.event('hedge', { call: call.id, hedge: attempts.length, afterMs: clock.now() - attempts[0]!.startedAt });
          launch();
        });
      };

      launch();
      return () => {
        if (finished) return;
        finished = true;
        timer?.cancel();
        for (const a of attempts) {
          if (!a.live) continue;
          a.live = false;
          a.cancel();
        }
      };
    };
  }

  /** Records an attempt's latency and, every so often, recomputes the percentile delay. */
  private observe(latency: number): void {
    const p = this.cfg.percentile;
    if (p === undefined) return;
    this.recent[this.nextSlot] = latency;
    this.nextSlot = (this.nextSlot + 1) % this.recent.length;
    if (this.filled < this.recent.length) this.filled++;
    this.sinceCompute++;
    if (this.filled < this.cfg.minSamples) return;
    if (!this.learning && this.sinceCompute < Math.max(1, Math.floor(this.recent.length / 20))) return;
    this.sinceCompute = 0;
    const sorted = this.recent.slice(0, this.filled).sort();
    this.currentDelay = sorted[Math.min(this.filled - 1, Math.max(0, Math.ceil(p * this.filled) - 1))]!;
    this.m.delay.set(this.currentDelay);
    if (this.learning) {
      this.learning = false;
      this.ctx.trace.transition('LEARNING', 'HEDGING', `p${pct(p)} of ${this.filled} latencies is ${formatDuration(this.currentDelay)}; hedging after that`);
    }
  }
}

function pct(p: number): string {
  return String(Number((p * 100).toFixed(1)));
}

export const hedgingKind = defineKind({
  kind: 'hedging',
  role: 'policy',
  summary: 'sends the same call again if it is slow, takes the first answer and cancels the other',
  schema: z
    .object({
      kind: z.literal('hedging'),
      description: z.string().optional(),
      delay: duration({ min: 0, max: 3_600_000 }).optional(),
      percentile: ratio().optional(),
      samples: count({ min: 10, max: 100_000 }).default(1000),
      minSamples: count({ min: 1, max: 100_000 }).default(50),
      maxHedges: count({ min: 1, max: 10 }).default(1),
      budget: z
        .object({
          ratio: ratio().default(0.1),
          minPerSecond: factor({ min: 0, max: 100_000 }).default(1),
          window: duration({ min: 1000, max: 3_600_000 }).default(10_000),
        })
        .strict()
        .optional(),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      if ((cfg.delay === undefined) === (cfg.percentile === undefined)) {
        ctx.addIssue({ code: 'custom', path: cfg.delay === undefined ? [] : ['percentile'], message: 'give either delay (a fixed wait, e.g. 50ms) or percentile (e.g. 95%), not both' });
      }
      if (cfg.minSamples > cfg.samples) ctx.addIssue({ code: 'custom', path: ['minSamples'], message: `minSamples (${cfg.minSamples}) cannot exceed samples (${cfg.samples})` });
    }),
  knobs: {
    delay: { description: 'fixed wait before a hedge', type: 'duration', min: '0ms', max: '1h' },
    percentile: { description: 'hedge after this percentile of recent latencies', type: 'ratio', min: 0, max: 1 },
    maxHedges: { description: 'extra attempts per call at most', type: 'int', min: 1, max: 10 },
  },
  metrics: {
    counters: ['calls', 'attempts', 'hedges', 'hedgeWins', 'cancelled', 'budgetDenied'],
    gauges: ['delay'],
    ratios: { hedgeRate: ['hedges', 'calls'], attemptsPerCall: ['attempts', 'calls', 'factor'], hedgeWinRate: ['hedgeWins', 'hedges'] },
  },
  states: ['HEDGING', 'LEARNING', 'THROTTLED'],
  references: () => [],
  create: (config, ctx) =>
    new Hedging(
      ctx.name,
      { delay: config.delay, percentile: config.percentile, samples: config.samples, minSamples: config.minSamples, maxHedges: config.maxHedges, budget: config.budget },
      ctx,
    ),
});
