import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import { failureKinds, type Call, type ComponentContext, type FailureKind, type Handler, type Outcome, type Policy } from '../core/component.js';
import type { Timer } from '../core/clock.js';
import type { Counter } from '../core/metrics.js';
import { SlidingCounter } from '../core/sliding-counter.js';
import { count, duration, factor, ratio } from '../scenario/fields.js';
import { Backoff, type BackoffConfig } from './backoff.js';

export interface RetryBudgetConfig {
  /** Retries allowed as a share of calls over the span. */
  ratio: number;
  /** Retries always allowed per second, so a quiet client can still retry. */
  minPerSecond: number;
  window: number;
}

export interface RetryConfig extends BackoffConfig {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  retryOn: readonly FailureKind[];
  budget?: RetryBudgetConfig | undefined;
}

/**
 * A retry budget in the manner of Finagle's and Envoy's: retries may be at most `ratio` of
 * recent calls (plus a small floor), so retries cannot multiply load during an outage.
 */
export class RetryBudget {
  private calls: SlidingCounter;
  private retries: SlidingCounter;

  constructor(private readonly cfg: RetryBudgetConfig) {
    const buckets = Math.max(1, Math.min(100, Math.round(cfg.window / 1000)));
    this.calls = new SlidingCounter(cfg.window, buckets);
    this.retries = new SlidingCounter(cfg.window, buckets);
  }

  recordCall(now: number): void {
    this.calls.add(now);
  }

  /** Takes one retry from the budget if there is one left. */
  tryWithdraw(now: number): boolean {
    const allowed = this.cfg.ratio * this.calls.total(now) + (this.cfg.minPerSecond * this.cfg.window) / 1000;
    if (this.retries.total(now) + 1 > allowed) return false;
    this.retries.add(now);
    return true;
  }

  /** "12/30 retries": spent and allowed over the window (`noun` for other users: hedges). */
  describe(now: number, noun = 'retries'): string {
    const allowed = this.cfg.ratio * this.calls.total(now) + (this.cfg.minPerSecond * this.cfg.window) / 1000;
    return `${this.retries.total(now)}/${Math.floor(allowed)} ${noun}`;
  }
}

/** After failed attempt number `attempt`: the delay before the next one, or undefined to give up with `outcome`. */
export type RetryDecision = (attempt: number, outcome: Extract<Outcome, { ok: false }>) => number | undefined;

/**
 * What every retry policy does whatever it decides: counts the attempts, waits on the clock,
 * stops on cancel, and traces each retry as a `retry` event. `decisions` is called once per
 * call, so a policy can keep per-call state (a decorrelated backoff); what it returns says
 * whether and when to try again.
 */
export function retrying(
  next: Handler,
  ctx: Pick<ComponentContext, 'clock' | 'trace'>,
  m: { calls?: Counter | undefined; attempts?: Counter | undefined; retries?: Counter | undefined; recovered?: Counter | undefined },
  decisions: (call: Call) => RetryDecision,
): Handler {
  const { clock, trace } = ctx;
  return (call, done) => {
    m.calls?.inc();
    const decide = decisions(call);
    let attempt = 0;
    let stopped = false;
    let timer: Timer | undefined;
    let cancelAttempt = () => {};
    const tryOnce = () => {
      timer = undefined;
      attempt++;
      m.attempts?.inc();
      cancelAttempt = next(call, (outcome) => {
        if (stopped) return;
        if (outcome.ok) {
          if (attempt > 1) m.recovered?.inc();
          return done(outcome);
        }
        const delay = decide(attempt, outcome);
        if (delay === undefined) return done(outcome);
        m.retries?.inc();
        if (trace.enabled) {
          trace.event('retry', { call: call.id, attempt: attempt + 1, delayMs: round(delay), after: outcome.error });
        }
        timer = clock.setTimer(delay, tryOnce);
      });
    };
    tryOnce();
    return () => {
      stopped = true;
      timer?.cancel();
      cancelAttempt();
    };
  };
}

/** Retries failed calls after a backoff delay, up to a number of attempts and an optional budget. */
export class Retry implements Policy {
  readonly kind = 'retry';
  readonly name: string;
  private readonly cfg: RetryConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace'>;
  private readonly retryable: Set<FailureKind>;
  private readonly budget: RetryBudget | undefined;
  private throttled = false;
  /** Who last refused an attempt (an open breaker, a limiter), for the live table. */
  private lastRefuser: string | undefined;
  private readonly m: { calls: Counter; attempts: Counter; retries: Counter; exhausted: Counter; budgetDenied: Counter; recovered: Counter; refused: Counter };

  constructor(name: string, cfg: RetryConfig, ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.retryable = new Set(cfg.retryOn);
    this.budget = cfg.budget ? new RetryBudget(cfg.budget) : undefined;
    const m = ctx.metrics;
    this.m = {
      calls: m.counter('calls'),
      attempts: m.counter('attempts'),
      retries: m.counter('retries'),
      exhausted: m.counter('exhausted'),
      budgetDenied: m.counter('budgetDenied'),
      recovered: m.counter('recovered'),
      refused: m.counter('refused'),
    };
  }

  /** Only a retry with a budget has states: it is throttled while the budget is spent. */
  state(): string | undefined {
    if (!this.budget) return undefined;
    return this.throttled ? 'THROTTLED' : 'OK';
  }

  columns() {
    const cols: Record<string, string | number> = {
      attempts: this.m.attempts.value,
      retries: this.m.retries.value,
      'gave up': this.m.exhausted.value,
    };
    if (this.budget) cols['budget'] = this.budget.describe(this.ctx.clock.now());
    if (this.m.refused.value > 0) cols['refused'] = `${this.m.refused.value} (last by ${this.lastRefuser ?? 'a policy'})`;
    return cols;
  }

  wrap(next: Handler): Handler {
    const { clock, random } = this.ctx;
    const m = this.m;
    return retrying(next, this.ctx, m, (call) => {
      this.budget?.recordCall(clock.now());
      const backoff = new Backoff(this.cfg, random);
      return (attempt, outcome) => {
        if (outcome.error === 'rejected') this.noteRefusal(call.id, attempt, outcome.by);
        if (!this.retryable.has(outcome.error)) return undefined;
        if (attempt >= this.cfg.maxAttempts) {
          m.exhausted.inc();
          return undefined;
        }
        if (this.budget && !this.budget.tryWithdraw(clock.now())) {
          m.budgetDenied.inc();
          this.setThrottled(true, `budget spent: ${this.budget.describe(clock.now())}`);
          return undefined;
        }
        if (this.throttled) this.setThrottled(false, 'budget has room again');
        // A refuser that says when to come back (429/503 Retry-After) is not asked sooner.
        return Math.max(backoff.next(attempt), outcome.retryAfterMs ?? 0);
      };
    });
  }

  /** An attempt refused before it left (an open breaker, a limiter): not retried unless `retryOn` says so. */
  private noteRefusal(call: number, attempt: number, by: string | undefined): void {
    this.m.refused.inc();
    this.lastRefuser = by;
    if (this.ctx.trace.enabled) this.ctx.trace.event('refused', by ? { call, attempt, by } : { call, attempt });
  }

  private setThrottled(value: boolean, cause: string): void {
    if (value === this.throttled) return;
    this.throttled = value;
    this.ctx.trace.transition(value ? 'OK' : 'THROTTLED', value ? 'THROTTLED' : 'OK', cause);
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export const retryKind = defineKind({
  kind: 'retry',
  role: 'policy',
  summary: 'tries a failed call again after a growing, jittered delay',
  schema: z
    .object({
      kind: z.literal('retry'),
      description: z.string().optional(),
      maxAttempts: count({ min: 1, max: 100 }).default(3),
      backoff: z.enum(['constant', 'linear', 'exponential']).default('exponential'),
      delay: duration({ min: 0, max: 3_600_000 }).default(100),
      maxDelay: duration({ min: 0, max: 86_400_000 }).default(10_000),
      multiplier: factor({ min: 1, max: 100 }).default(2),
      jitter: z.enum(['none', 'full', 'equal', 'decorrelated']).default('full'),
      retryOn: z.array(z.enum(failureKinds)).default(['error', 'timeout', 'unavailable', 'overloaded']),
      budget: z
        .object({
          ratio: ratio().default(0.2),
          minPerSecond: factor({ min: 0, max: 100_000 }).default(1),
          window: duration({ min: 1000, max: 3_600_000 }).default(10_000),
        })
        .strict()
        .optional(),
    })
    .strict(),
  knobs: {
    maxAttempts: { description: 'attempts in all, the first included', type: 'int', min: 1, max: 100 },
    backoff: { description: 'how the delay grows', type: 'enum', values: ['constant', 'linear', 'exponential'] },
    delay: { description: 'delay before the first retry', type: 'duration', min: '0ms', max: '1h' },
    maxDelay: { description: 'no delay is longer than this', type: 'duration', min: '0ms', max: '24h' },
    multiplier: { description: 'growth per retry (exponential)', type: 'number', min: 1, max: 100 },
    jitter: { description: 'randomness that spreads retries apart', type: 'enum', values: ['none', 'full', 'equal', 'decorrelated'] },
  },
  metrics: {
    counters: ['calls', 'attempts', 'retries', 'exhausted', 'budgetDenied', 'recovered', 'refused'],
    ratios: { attemptsPerCall: ['attempts', 'calls', 'factor'] },
  },
  states: ['OK', 'THROTTLED'],
  references: () => [],
  create: (config, ctx) => new Retry(ctx.name, config, ctx),
});
