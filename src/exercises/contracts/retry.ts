import type { Columns, FailureKind, Handler, Policy } from '../../core/component.js';
import type { Counter } from '../../core/metrics.js';
import { retrying } from '../../patterns/retry.js';
import { formatDuration } from '../../core/units.js';
import type { LearnerCalls } from '../learner.js';
import { declaredCounters, describeAnswer, missingFunctions, type BuildArgs, type Contract } from './contract.js';

/** The learner's side of a retry policy: two decisions, no timers. */
export interface LearnerRetry {
  /** Attempt number `attempt` (1 = the first try) failed with `failure`: try again? */
  shouldRetry(attempt: number, failure: FailureKind): boolean;
  /** Milliseconds to wait before retry number `retry` (1 = the first retry); `random()` is uniform in [0, 1). */
  nextDelay(retry: number, random: () => number): number;
}

export const retryContract: Contract = {
  name: 'retry',
  hooks: ['shouldRetry', 'nextDelay'],
  shape: (learner) => missingFunctions(learner, 'your object', ['shouldRetry', 'nextDelay']),
  build: (learner, args) => new RetryStandIn(learner as LearnerRetry, args),
  describeEvent: (event) => {
    if (event.name !== 'retry' || !event.data) return undefined;
    const d = event.data as { call?: number; attempt?: number; delayMs?: number; after?: string };
    return `call ${d.call}: attempt ${d.attempt} in ${formatDuration(d.delayMs ?? 0)} (after ${d.after})`;
  },
};

/**
 * Takes the built-in Retry's place: the same mechanics (`retrying`: attempts, timers, the
 * `retry` events the two runs are compared by), with the learner's answers to what a retry
 * policy decides — whether to try again, and after how long.
 */
class RetryStandIn implements Policy {
  readonly kind: string;
  readonly name: string;
  private readonly retry: LearnerRetry;
  private readonly calls: LearnerCalls;
  private readonly args: BuildArgs;
  private readonly random: () => number;
  private readonly maxAttempts: number;
  private readonly retryOn: ReadonlySet<FailureKind>;
  private readonly m: Record<'calls' | 'attempts' | 'retries' | 'exhausted' | 'recovered', Counter | undefined>;

  constructor(retry: LearnerRetry, args: BuildArgs) {
    this.retry = retry;
    this.args = args;
    this.calls = args.calls;
    this.kind = args.kind.kind;
    this.name = args.ctx.name;
    const random = args.ctx.random;
    this.random = () => random.next();
    const cfg = args.spec.config as { maxAttempts?: number; retryOn?: readonly FailureKind[] };
    this.maxAttempts = cfg.maxAttempts ?? Infinity;
    this.retryOn = new Set(cfg.retryOn ?? []);
    this.m = declaredCounters(args.kind, args.ctx, ['calls', 'attempts', 'retries', 'exhausted', 'recovered']);
  }

  state(): undefined {
    return undefined;
  }

  columns(): Columns {
    return { attempts: this.m.attempts?.value ?? 0, retries: this.m.retries?.value ?? 0 };
  }

  wrap(next: Handler): Handler {
    const { clock } = this.args.ctx;
    const { retry, calls, m } = this;
    return retrying(next, this.args.ctx, m, () => (attempt, outcome) => {
      const now = clock.now();
      const again = calls.call('shouldRetry', now, () => retry.shouldRetry(attempt, outcome.error));
      if (typeof again !== 'boolean') {
        throw calls.invalid('shouldRetry', now, `shouldRetry returned ${describeAnswer(again)}; it answers true (try again) or false (give up)`);
      }
      if (!again) {
        if (this.retryOn.has(outcome.error) && attempt >= this.maxAttempts) m.exhausted?.inc();
        return undefined;
      }
      const delay = calls.call('nextDelay', now, () => retry.nextDelay(attempt, this.random));
      if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
        throw calls.invalid('nextDelay', now, `nextDelay(${attempt}) returned ${describeAnswer(delay)}; it answers a number of milliseconds, 0 or more`);
      }
      return delay;
    });
  }
}
