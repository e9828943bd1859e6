import { SlidingCounter } from '../core/sliding-counter.js';
import { formatDuration, formatPercent } from '../core/units.js';

/**
 * The three ways a circuit breaker decides that a dependency is failing. Each keeps the
 * recent outcomes its own way and answers one question: is there a reason to open now?
 */
export interface OutcomeWindow {
  /** Whether record/verdict use `now`; when not, callers may skip reading the clock. */
  readonly needsTime: boolean;
  record(now: number, failed: boolean, slow: boolean): void;
  /** Why the breaker should open, or undefined when it should stay closed. */
  verdict(now: number): string | undefined;
  reset(now: number): void;
  /** The internals, for the live table: "2/5 in a row", "40% of 10 calls". */
  describe(now: number): string;
}

export interface RateThresholds {
  failureRate: number;
  minimumCalls: number;
  /** Optional: open on slow calls too. */
  slowCallRate?: number | undefined;
  slowCallDuration?: number | undefined;
}

/** Opens after `threshold` failures in a row; one success starts the count again. */
export class ConsecutiveWindow implements OutcomeWindow {
  readonly needsTime = false;
  private failures = 0;
  constructor(private readonly threshold: number) {}

  record(_now: number, failed: boolean): void {
    this.failures = failed ? this.failures + 1 : 0;
  }

  verdict(): string | undefined {
    if (this.failures < this.threshold) return undefined;
    return `${this.failures} consecutive failures (threshold ${this.threshold})`;
  }

  reset(): void {
    this.failures = 0;
  }

  describe(): string {
    return `${this.failures}/${this.threshold} in a row`;
  }
}

function rateVerdict(
  t: RateThresholds,
  calls: number,
  failures: number,
  slow: number,
  over: string,
): string | undefined {
  if (calls === 0 || calls < t.minimumCalls) return undefined;
  const failureRate = failures / calls;
  if (failureRate >= t.failureRate) {
    return `failure rate ${formatPercent(failureRate, 0)} ≥ ${formatPercent(t.failureRate, 0)} over ${over}`;
  }
  if (t.slowCallRate !== undefined && t.slowCallDuration !== undefined) {
    const slowRate = slow / calls;
    if (slowRate >= t.slowCallRate) {
      return `slow-call rate ${formatPercent(slowRate, 0)} ≥ ${formatPercent(t.slowCallRate, 0)} over ${over} (slower than ${formatDuration(t.slowCallDuration)})`;
    }
  }
  return undefined;
}

/** The last `size` calls, in a ring; opens on the failure (or slow-call) rate once `minimumCalls` are in. */
export class CountWindow implements OutcomeWindow {
  readonly needsTime = false;
  private readonly outcomes: Uint8Array;
  private next = 0;
  private filled = 0;
  private failures = 0;
  private slow = 0;

  constructor(
    private readonly size: number,
    private readonly thresholds: RateThresholds,
  ) {
    this.outcomes = new Uint8Array(size);
  }

  record(_now: number, failed: boolean, slow: boolean): void {
    const bits = (failed ? 1 : 0) | (slow ? 2 : 0);
    if (this.filled === this.size) {
      const old = this.outcomes[this.next]!;
      if (old & 1) this.failures--;
      if (old & 2) this.slow--;
    } else {
      this.filled++;
    }
    this.outcomes[this.next] = bits;
    this.next = (this.next + 1) % this.size;
    if (failed) this.failures++;
    if (slow) this.slow++;
  }

  verdict(): string | undefined {
    return rateVerdict(this.thresholds, this.filled, this.failures, this.slow, `the last ${this.filled} calls`);
  }

  reset(): void {
    this.next = 0;
    this.filled = 0;
    this.failures = 0;
    this.slow = 0;
  }

  describe(): string {
    if (this.filled === 0) return 'no calls yet';
    return `${formatPercent(this.failures / this.filled, 0)} failed of ${this.filled}/${this.size}`;
  }
}

/**
 * Calls in the last `spanMs`, kept as `buckets` counters so memory does not grow with
 * traffic; a bucket leaves the window as a whole once it is older than the span.
 */
export class TimeWindow implements OutcomeWindow {
  readonly needsTime = true;
  private calls: SlidingCounter;
  private failures: SlidingCounter;
  private slow: SlidingCounter;

  constructor(
    private readonly spanMs: number,
    private readonly buckets: number,
    private readonly thresholds: RateThresholds,
  ) {
    this.calls = new SlidingCounter(spanMs, buckets);
    this.failures = new SlidingCounter(spanMs, buckets);
    this.slow = new SlidingCounter(spanMs, buckets);
  }

  record(now: number, failed: boolean, slow: boolean): void {
    this.calls.add(now);
    if (failed) this.failures.add(now);
    if (slow) this.slow.add(now);
  }

  verdict(now: number): string | undefined {
    const calls = this.calls.total(now);
    const over = `the last ${formatDuration(this.spanMs)} (${calls} calls)`;
    return rateVerdict(this.thresholds, calls, this.failures.total(now), this.slow.total(now), over);
  }

  reset(): void {
    this.calls = new SlidingCounter(this.spanMs, this.buckets);
    this.failures = new SlidingCounter(this.spanMs, this.buckets);
    this.slow = new SlidingCounter(this.spanMs, this.buckets);
  }

  describe(now: number): string {
    const calls = this.calls.total(now);
    if (calls === 0) return `no calls in ${formatDuration(this.spanMs)}`;
    return `${formatPercent(this.failures.total(now) / calls, 0)} failed of ${calls} in ${formatDuration(this.spanMs)}`;
  }
}
