import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import { failureKinds, noCancel, type ComponentContext, type FailureKind, type Handler, type Outcome, type Policy } from '../core/component.js';
import type { Timer } from '../core/clock.js';
import type { Counter } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { count, duration, factor, ratio } from '../scenario/fields.js';
import { ConsecutiveWindow, CountWindow, TimeWindow, type OutcomeWindow } from './breaker-windows.js';

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';
export const breakerStates = ['CLOSED', 'OPEN', 'HALF_OPEN'] as const satisfies readonly BreakerState[];

export type TripStrategy =
  | { strategy: 'consecutive'; failureThreshold: number }
  | { strategy: 'count-window'; window: number; failureRate: number; minimumCalls: number }
  | { strategy: 'time-window'; window: number; buckets: number; failureRate: number; minimumCalls: number };

export type BreakerConfig = TripStrategy & {
  /** How long to stay open before probing. */
  openFor: number;
  /** Optional: each re-open in a row waits `factor` times longer, up to `max`. */
  openBackoff?: { factor: number; max: number } | undefined;
  /** Calls admitted while half-open; their outcome decides. */
  probes: number;
  /** automatic: a timer moves OPEN → HALF_OPEN; lazy: the first call after the wait does. */
  halfOpen: 'automatic' | 'lazy';
  /** Which failures count against the dependency. */
  recordOn: readonly FailureKind[];
  slowCallDuration?: number | undefined;
  slowCallRate?: number | undefined;
};

export class BrokenCircuitError extends Error {
  constructor(readonly breaker: string) {
    super(`circuit ${breaker} is open`);
    this.name = 'BrokenCircuitError';
  }
}

const REJECTED_PERMIT = -1;

/**
 * A circuit breaker as a state machine: `tryAcquire()` asks for a permit, `record()` reports
 * how the call went. Permits carry the breaker's generation, so a call admitted before a
 * transition cannot sway the decision of the state that followed it.
 */
export class CircuitBreaker implements Policy {
  readonly kind = 'circuit-breaker';
  readonly name: string;
  private readonly cfg: BreakerConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'trace'>;
  private readonly window: OutcomeWindow;
  private readonly recordMask: Set<FailureKind>;
  private current: BreakerState = 'CLOSED';
  private generation = 0;
  private openUntil = 0;
  private opensInARow = 0;
  private halfOpenTimer: Timer | undefined;
  private probesAdmitted = 0;
  private probesDone = 0;
  private probeFailures = 0;
  private probeSlow = 0;
  private readonly m: { calls: Counter; finished: Counter; allowed: Counter; rejected: Counter; successes: Counter; failures: Counter; slow: Counter; opens: Counter };
  private readonly rejection: Outcome;

  constructor(name: string, cfg: BreakerConfig, ctx: Pick<ComponentContext, 'clock' | 'trace' | 'metrics'>) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.window = windowFor(cfg);
    this.recordMask = new Set(cfg.recordOn);
    this.rejection = Object.freeze({ ok: false, error: 'rejected', by: name, detail: 'circuit open' });
    const m = ctx.metrics;
    this.m = {
      calls: m.counter('calls'),
      finished: m.counter('finished'),
      allowed: m.counter('allowed'),
      rejected: m.counter('rejected'),
      successes: m.counter('successes'),
      failures: m.counter('failures'),
      slow: m.counter('slow'),
      opens: m.counter('opens'),
    };
  }

  state(): BreakerState {
    return this.current;
  }

  columns() {
    const now = this.ctx.clock.now();
    const cols: Record<string, string | number> = {};
    if (this.current === 'CLOSED') cols['window'] = this.window.describe(now);
    if (this.current === 'OPEN') {
      const left = this.openUntil - now;
      cols['half-open'] = left > 0 ? `in ${formatDuration(left)}` : 'on next call';
    }
    if (this.current === 'HALF_OPEN') cols['probes'] = `${this.probesAdmitted} sent, ${this.probesDone}/${this.cfg.probes} back`;
    cols['let through'] = this.m.allowed.value;
    cols['rejected'] = this.m.rejected.value;
    return cols;
  }

  /** A permit (≥ 0) when the call may go ahead, or -1 when the breaker refuses it. */
  tryAcquire(): number {
    this.m.calls.inc();
    return this.admit();
  }

  private admit(): number {
    switch (this.current) {
      case 'CLOSED':
        this.m.allowed.inc();
        return this.generation;
      case 'OPEN':
        if (this.cfg.halfOpen === 'lazy' && this.ctx.clock.now() >= this.openUntil) {
          this.toHalfOpen(`open for ${formatDuration(this.currentOpenFor())} elapsed; a call arrived`);
          return this.admit();
        }
        this.m.rejected.inc();
        return REJECTED_PERMIT;
      case 'HALF_OPEN':
        if (this.probesAdmitted >= this.cfg.probes) {
          this.m.rejected.inc();
          return REJECTED_PERMIT;
        }
        this.probesAdmitted++;
        this.m.allowed.inc();
        return this.generation;
    }
  }

  /** Reports a permitted call's result. `failed` is already filtered by `recordOn`. */
  record(permit: number, failed: boolean, durationMs: number, reason = 'failure'): void {
    const slow = this.cfg.slowCallDuration !== undefined && durationMs >= this.cfg.slowCallDuration;
    this.m.finished.inc();
    if (failed) this.m.failures.inc();
    else this.m.successes.inc();
    if (slow) this.m.slow.inc();
    if (permit !== this.generation) return;
    if (this.current === 'CLOSED') {
      // Reading a real clock costs more than the rest of the closed path: only when needed.
      const now = this.window.needsTime ? this.ctx.clock.now() : 0;
      // In the consecutive strategy a slow call counts as a failure: there is no rate to weigh it by.
      const countsAsFailure = failed || (slow && this.cfg.strategy === 'consecutive');
      this.window.record(now, countsAsFailure, slow);
      const why = this.window.verdict(now);
      if (why !== undefined) this.toOpen(why);
    } else if (this.current === 'HALF_OPEN') {
      this.probesDone++;
      if (failed) this.probeFailures++;
      if (slow) this.probeSlow++;
      this.decideHalfOpen(failed, reason);
    }
  }

  /** Gives back a permit whose call was abandoned or whose outcome should not count. */
  release(permit: number): void {
    if (permit === this.generation && this.current === 'HALF_OPEN') this.probesAdmitted--;
  }

  classify(outcome: Outcome): boolean | undefined {
    if (outcome.ok) return false;
    return this.recordMask.has(outcome.error) ? true : undefined;
  }

  wrap(next: Handler): Handler {
    const clock = this.ctx.clock;
    const rejection = this.rejection;
    return (call, done) => {
      const permit = this.tryAcquire();
      if (permit === REJECTED_PERMIT) {
        done(rejection);
        return noCancel;
      }
      const started = clock.now();
      let settled = false;
      const cancel = next(call, (outcome) => {
        if (settled) return;
        settled = true;
        const failed = this.classify(outcome);
        if (failed === undefined) this.release(permit);
        else this.record(permit, failed, clock.now() - started, outcome.ok ? 'success' : outcome.error);
        done(outcome);
      });
      return () => {
        if (settled) return;
        settled = true;
        this.release(permit);
        cancel();
      };
    };
  }

  /**
   * The same breaker around a promise-returning function, for use outside the simulator.
   * Not `async`: the outcome is recorded in handlers attached to fn()'s own promise, so the
   * breaker's state is up to date before the caller resumes, with no extra hop per call.
   */
  execute<T>(fn: () => Promise<T>): Promise<T> {
    const permit = this.tryAcquire();
    if (permit === REJECTED_PERMIT) return Promise.reject(new BrokenCircuitError(this.name));
    const timed = this.cfg.slowCallDuration !== undefined;
    const started = timed ? this.ctx.clock.now() : 0;
    let pending: Promise<T>;
    try {
      pending = fn();
    } catch (error) {
      this.record(permit, true, 0, 'error');
      return Promise.reject(error);
    }
    if (!timed) {
      // The hot path: handlers shared by every call of this generation, so no closures per call.
      const h = this.handlersFor(permit);
      return pending.then(h.ok as (v: T) => T, h.fail);
    }
    return pending.then(
      (value) => {
        this.record(permit, false, timed ? this.ctx.clock.now() - started : 0);
        return value;
      },
      (error: unknown) => {
        this.record(permit, true, timed ? this.ctx.clock.now() - started : 0, 'error');
        throw error;
      },
    );
  }

  private handlers: { permit: number; ok: (v: unknown) => unknown; fail: (e: unknown) => never } | undefined;

  private handlersFor(permit: number) {
    let h = this.handlers;
    if (h === undefined || h.permit !== permit) {
      h = {
        permit,
        ok: (value) => {
          this.record(permit, false, 0);
          return value;
        },
        fail: (error) => {
          this.record(permit, true, 0, 'error');
          throw error;
        },
      };
      this.handlers = h;
    }
    return h;
  }

  private decideHalfOpen(failed: boolean, reason: string): void {
    const probes = this.cfg.probes;
    if (this.cfg.strategy === 'consecutive') {
      if (failed) return this.toOpen(`probe ${this.probesDone}/${probes} failed (${reason})`);
      if (this.probesDone >= probes) this.toClosed(`${probes}/${probes} probes succeeded`);
      return;
    }
    if (this.probesDone < probes) return;
    const failureRate = this.probeFailures / probes;
    const slowRate = this.probeSlow / probes;
    const pct = (r: number) => `${Math.round(r * 100)}%`;
    if (failureRate >= this.cfg.failureRate) {
      return this.toOpen(`probes: ${this.probeFailures} of ${probes} failed (${pct(failureRate)} ≥ ${pct(this.cfg.failureRate)})`);
    }
    if (this.cfg.slowCallRate !== undefined && slowRate >= this.cfg.slowCallRate) {
      return this.toOpen(`probes: ${this.probeSlow} of ${probes} slow (${pct(slowRate)} ≥ ${pct(this.cfg.slowCallRate)})`);
    }
    const slowNote = this.cfg.slowCallRate !== undefined ? `, ${this.probeSlow} slow` : '';
    this.toClosed(`probes: ${this.probeFailures} of ${probes} failed${slowNote} (${pct(failureRate)} < ${pct(this.cfg.failureRate)})`);
  }

  private currentOpenFor(): number {
    const b = this.cfg.openBackoff;
    if (!b || this.opensInARow <= 1) return this.cfg.openFor;
    return Math.min(b.max, this.cfg.openFor * Math.pow(b.factor, this.opensInARow - 1));
  }

  private toOpen(cause: string): void {
    this.opensInARow++;
    const openFor = this.currentOpenFor();
    this.openUntil = this.ctx.clock.now() + openFor;
    this.move('OPEN', cause, { openForMs: openFor });
    this.m.opens.inc();
    if (this.cfg.halfOpen === 'automatic') {
      this.halfOpenTimer = this.ctx.clock.setTimer(openFor, () => {
        this.halfOpenTimer = undefined;
        this.toHalfOpen(`open for ${formatDuration(openFor)} elapsed`);
      });
    }
  }

  private toHalfOpen(cause: string): void {
    this.probesAdmitted = 0;
    this.probesDone = 0;
    this.probeFailures = 0;
    this.probeSlow = 0;
    this.move('HALF_OPEN', cause, { probes: this.cfg.probes });
  }

  private toClosed(cause: string): void {
    this.opensInARow = 0;
    this.window.reset(this.ctx.clock.now());
    this.move('CLOSED', cause);
  }

  private move(to: BreakerState, cause: string, data?: Record<string, number>): void {
    const from = this.current;
    this.current = to;
    this.generation++;
    this.halfOpenTimer?.cancel();
    this.halfOpenTimer = undefined;
    this.ctx.trace.transition(from, to, cause, data);
  }
}

function windowFor(cfg: BreakerConfig): OutcomeWindow {
  const slow = { slowCallRate: cfg.slowCallRate, slowCallDuration: cfg.slowCallDuration };
  switch (cfg.strategy) {
    case 'consecutive':
      return new ConsecutiveWindow(cfg.failureThreshold);
    case 'count-window':
      return new CountWindow(cfg.window, { failureRate: cfg.failureRate, minimumCalls: cfg.minimumCalls, ...slow });
    case 'time-window':
      return new TimeWindow(cfg.window, cfg.buckets, { failureRate: cfg.failureRate, minimumCalls: cfg.minimumCalls, ...slow });
  }
}

const common = {
  kind: z.literal('circuit-breaker'),
  description: z.string().optional(),
  openFor: duration({ min: 1, max: 3_600_000 }).default(5000),
  openBackoff: z
    .object({ factor: factor({ min: 1, max: 100 }), max: duration({ min: 1, max: 86_400_000 }) })
    .strict()
    .optional(),
  probes: count({ min: 1, max: 1000 }).default(1),
  halfOpen: z.enum(['automatic', 'lazy']).default('automatic'),
  recordOn: z.array(z.enum(failureKinds)).default(['error', 'timeout', 'unavailable', 'overloaded']),
  slowCallDuration: duration({ min: 1, max: 3_600_000 }).optional(),
};
const rates = {
  failureRate: ratio().default(0.5),
  minimumCalls: count({ min: 1, max: 1_000_000 }).default(10),
  slowCallRate: ratio().optional(),
};

export const circuitBreakerKind = defineKind({
  kind: 'circuit-breaker',
  role: 'policy',
  summary: 'stops calling a failing dependency for a while, then probes it',
  schema: z
    .discriminatedUnion('strategy', [
      z.object({ ...common, strategy: z.literal('consecutive'), failureThreshold: count({ min: 1, max: 100_000 }).default(5) }).strict(),
      z.object({ ...common, ...rates, strategy: z.literal('count-window'), window: count({ min: 1, max: 100_000 }).default(20) }).strict(),
      z
        .object({
          ...common,
          ...rates,
          strategy: z.literal('time-window'),
          window: duration({ min: 1, max: 3_600_000 }).default(10_000),
          buckets: count({ min: 1, max: 1000 }).default(10),
        })
        .strict(),
    ])
    .superRefine((cfg, ctx) => {
      if (cfg.strategy !== 'consecutive' && cfg.slowCallRate !== undefined && cfg.slowCallDuration === undefined) {
        ctx.addIssue({ code: 'custom', path: ['slowCallRate'], message: 'slowCallRate needs slowCallDuration (what counts as slow)' });
      }
    }),
  knobs: {
    strategy: { description: 'how failures are counted', type: 'enum', values: ['consecutive', 'count-window', 'time-window'] },
    failureThreshold: { description: 'failures in a row that open the breaker (consecutive)', type: 'int', min: 1, max: 100_000 },
    failureRate: { description: 'failure rate that opens the breaker (window strategies)', type: 'ratio', min: 0, max: 1 },
    minimumCalls: { description: 'calls needed in the window before the rate counts', type: 'int', min: 1, max: 1_000_000 },
    window: { description: 'calls (count-window) or time span (time-window) the rate is taken over', type: 'number' },
    openFor: { description: 'how long to fail fast before probing', type: 'duration', min: '1ms', max: '1h' },
    probes: { description: 'calls let through while half-open', type: 'int', min: 1, max: 1000 },
    halfOpen: { description: 'automatic: a timer half-opens; lazy: the next call does', type: 'enum', values: ['automatic', 'lazy'] },
    slowCallDuration: { description: 'calls slower than this count as slow', type: 'duration', min: '1ms', max: '1h' },
    slowCallRate: { description: 'slow-call rate that opens the breaker', type: 'ratio', min: 0, max: 1 },
  },
  metrics: {
    counters: ['calls', 'allowed', 'rejected', 'successes', 'failures', 'finished', 'slow', 'opens'],
    ratios: { rejectionRate: ['rejected', 'calls'], failureRate: ['failures', 'finished'] },
  },
  states: breakerStates,
  references: () => [],
  create: (config, ctx) => new CircuitBreaker(ctx.name, config as BreakerConfig, ctx),
});
