/**
 * What `patterns check` calls. You implement `RetryPolicy` in starter.ts; the simulator runs
 * the attempts and the timers where the built-in retry sits (storefront → retry → inventory)
 * and asks your code the two things a retry policy decides: try again? and after how long?
 *
 * Chance is handed to you as `random()`, uniform in [0, 1) and seeded by the run, so a seed
 * gives the same run every time. The one invariant applies to your code too: no Math.random,
 * no Date.now, no timers. The check stops your code if it tries.
 */

/** How an attempt failed. */
export type Failure =
  /** the service answered with an error */
  | 'error'
  /** a timeout gave up waiting */
  | 'timeout'
  /** the service could not be reached: down, or the connection was reset */
  | 'unavailable'
  /** the service refused the call because it is full */
  | 'overloaded'
  /** a policy refused the call before it left */
  | 'rejected';

/** The retry's settings, from scenario.yaml (components.retry). Times are milliseconds. */
export interface RetrySettings {
  /** Attempts in all, the first one included. */
  readonly maxAttempts: number;
  /** The first retry's delay, before jitter. */
  readonly delay: number;
  /** Each retry waits `multiplier` times longer than the one before, before jitter. */
  readonly multiplier: number;
  /** No wait is longer than this. */
  readonly maxDelay: number;
  /** The failures worth retrying. */
  readonly retryOn: readonly Failure[];
}

export interface RetryPolicy {
  /** Attempt number `attempt` (1 = the first try) failed with `failure`. Try again? */
  shouldRetry(attempt: number, failure: Failure): boolean;
  /** How many milliseconds to wait before retry number `retry` (1 = the first retry). */
  nextDelay(retry: number, random: () => number): number;
}
