import type { Failure, RetryPolicy, RetrySettings } from './contract.js';

/**
 * Your retry policy. The simulator calls this function once per run with the settings from
 * scenario.yaml, and then asks the object it returns after every failed attempt (see
 * contract.ts).
 *
 * As it stands it compiles and runs, but it never retries: one failure in five reaches the
 * shoppers. Fill in the TODOs, then run `patterns check`.
 */
export default function createRetry(settings: RetrySettings): RetryPolicy {
  return {
    shouldRetry(attempt: number, failure: Failure): boolean {
      // TODO: retry the failures listed in `settings.retryOn`, as long as attempts are left
      // (`settings.maxAttempts` in all, the first included).
      return false;
    },

    nextDelay(retry: number, random: () => number): number {
      // TODO: exponential backoff — `settings.delay`, then `multiplier` times longer at each
      // retry, never more than `settings.maxDelay` — with full jitter: a random wait between
      // 0 and that delay, so callers that failed together do not come back together.
      return 0;
    },
  };
}
