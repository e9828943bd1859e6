import { z } from 'zod';
import { count, rate } from '../scenario/fields.js';
import { defineLimiterKind, limiterShape, type Bucket, type Decision } from './rate-limit.js';

export interface TokenBucketParams {
  /** Tokens added per second: the sustained rate. */
  rate: number;
  /** Most tokens the bucket holds: the largest burst. */
  capacity: number;
}

/**
 * A bucket of tokens refilled at `rate` up to `capacity`; each call takes one. A key that has
 * been quiet may burst up to `capacity` at once, and sustains `rate` after that.
 */
export class TokenBucket implements Bucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly p: TokenBucketParams,
    now: number,
  ) {
    this.tokens = p.capacity;
    this.last = now;
  }

  take(now: number): Decision {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { admit: true, delay: 0 };
    }
    return { admit: false, retryAfter: ((1 - this.tokens) * 1000) / this.p.rate };
  }

  describe(now: number): string {
    this.refill(now);
    return `${Number(this.tokens.toFixed(1))}/${this.p.capacity} tokens`;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.p.capacity, this.tokens + ((now - this.last) * this.p.rate) / 1000);
      this.last = now;
    }
  }
}

const params = {
  rate: rate({ min: 0.001, max: 1_000_000 }),
  capacity: count({ min: 1, max: 1_000_000 }),
};

export const tokenBucketKind = defineLimiterKind({
  kind: 'token-bucket',
  summary: 'tokens refill at a rate up to a capacity; a call takes one, so bursts up to the capacity pass',
  schema: z.object(limiterShape('token-bucket', params)).strict(),
  knobs: {
    rate: { description: 'tokens added per second (the sustained rate, per key)', type: 'rate', min: '0.001/s', max: '1000000/s' },
    capacity: { description: 'tokens the bucket holds (the largest burst)', type: 'int', min: 1, max: 1_000_000 },
  },
  params: (c): TokenBucketParams => ({ rate: c.rate, capacity: c.capacity }),
  bucket: (p: TokenBucketParams, now: number) => new TokenBucket(p, now),
});
