import { z } from 'zod';
import { formatDuration } from '../core/units.js';
import { windowKnobs, windowParams, type WindowParams } from './fixed-window.js';
import { defineLimiterKind, limiterShape, type Bucket, type Decision } from './rate-limit.js';

/**
 * Two counters per key, this window's and the previous one's, weighted as if the previous
 * window's calls had been spread evenly: estimate = previous × (share of it still inside the
 * sliding window) + current. A call is admitted when the estimate with it stays within the
 * limit. Memory of a fixed window, most of the smoothness of a log.
 */
export class SlidingWindowCounter implements Bucket {
  private index = -Infinity;
  private previous = 0;
  private current = 0;

  constructor(private readonly p: WindowParams) {}

  take(now: number): Decision {
    this.roll(now);
    const { limit, window } = this.p;
    if (this.estimate(now) + 1 <= limit) {
      this.current++;
      return { admit: true, delay: 0 };
    }
    // When would the estimate leave room for one more, if nothing else arrived?
    const start = this.index * window;
    if (this.current + 1 <= limit) {
      const fraction = 1 - (limit - 1 - this.current) / this.previous;
      return { admit: false, retryAfter: Math.max(0, start + window * fraction - now) };
    }
    const fraction = Math.max(0, 1 - (limit - 1) / this.current);
    return { admit: false, retryAfter: start + window + window * fraction - now };
  }

  describe(now: number): string {
    this.roll(now);
    const e = this.estimate(now);
    return `~${Number(e.toFixed(1))}/${this.p.limit} in the last ${formatDuration(this.p.window)}`;
  }

  /** The weighted count of calls in the window ending now. */
  estimate(now: number): number {
    const elapsed = (now - this.index * this.p.window) / this.p.window;
    return this.previous * (1 - elapsed) + this.current;
  }

  private roll(now: number): void {
    const index = Math.floor(now / this.p.window);
    if (index === this.index) return;
    this.previous = index === this.index + 1 ? this.current : 0;
    this.current = 0;
    this.index = index;
  }
}

export const slidingWindowCounterKind = defineLimiterKind({
  kind: 'sliding-window-counter',
  summary: 'at most N calls per sliding window, estimated from this window and the last',
  schema: z.object(limiterShape('sliding-window-counter', windowParams)).strict(),
  knobs: windowKnobs,
  params: (c): WindowParams => ({ limit: c.limit, window: c.window }),
  bucket: (p: WindowParams) => new SlidingWindowCounter(p),
});
