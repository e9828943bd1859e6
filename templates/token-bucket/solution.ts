import type { Take, TokenBucket, TokenBucketSettings } from './contract.js';

/**
 * The reference solution: the decisions of the built-in token bucket
 * (src/patterns/token-bucket.ts), through the learner's interface. The author gate checks that
 * it passes the scenario and matches the built-in step for step.
 */
export default function createBucket(settings: TokenBucketSettings): TokenBucket {
  return new RefillingBucket(settings);
}

class RefillingBucket implements TokenBucket {
  private tokens: number;
  /** When the tokens were last counted. */
  private last = 0;

  constructor(private readonly settings: TokenBucketSettings) {
    this.tokens = settings.capacity;
  }

  tryTake(now: number): Take {
    // No timer drips the tokens in: they are counted when a call comes, for the time since.
    if (now > this.last) {
      this.tokens = Math.min(this.settings.capacity, this.tokens + ((now - this.last) * this.settings.rate) / 1000);
      this.last = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return { retryAfter: ((1 - this.tokens) * 1000) / this.settings.rate };
  }
}
