import type { Failure, RetryPolicy, RetrySettings } from './contract.js';

/**
 * The reference solution: the decisions of the built-in retry with `backoff: exponential` and
 * `jitter: full` (src/patterns/retry.ts and backoff.ts), through the learner's interface. The
 * author gate checks that it passes the scenario and matches the built-in retry for retry.
 */
export default function createRetry(settings: RetrySettings): RetryPolicy {
  return {
    shouldRetry(attempt: number, failure: Failure): boolean {
      return attempt < settings.maxAttempts && settings.retryOn.includes(failure);
    },

    nextDelay(retry: number, random: () => number): number {
      // Cap first, then jitter ("Exponential Backoff And Jitter", Marc Brooker, 2015).
      const capped = Math.min(settings.maxDelay, settings.delay * Math.pow(settings.multiplier, retry - 1));
      return random() * capped;
    },
  };
}
