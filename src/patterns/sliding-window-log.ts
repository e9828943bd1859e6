import { z } from 'zod';
import { formatDuration } from '../core/units.js';
import { windowKnobs, windowParams, type WindowParams } from './fixed-window.js';
import { defineLimiterKind, limiterShape, type Bucket, type Decision } from './rate-limit.js';

/**
 * At most `limit` calls in any window ending now: it keeps the time of every admitted call
 * still inside the window. Exact, at the cost of memory for `limit` timestamps per key.
 */
export class SlidingWindowLog implements Bucket {
  private readonly log: number[] = [];
  private head = 0;

  constructor(private readonly p: WindowParams) {}

  take(now: number): Decision {
    this.evict(now);
    if (this.log.length - this.head < this.p.limit) {
      this.log.push(now);
      return { admit: true, delay: 0 };
    }
    return { admit: false, retryAfter: this.log[this.head]! + this.p.window - now };
  }

  describe(now: number): string {
    this.evict(now);
    return `${this.log.length - this.head}/${this.p.limit} in the last ${formatDuration(this.p.window)}`;
  }

  /** The window is (now − window, now]: a call exactly one window old has left it. */
  private evict(now: number): void {
    const edge = now - this.p.window;
    while (this.head < this.log.length && this.log[this.head]! <= edge) this.head++;
    if (this.head > 64 && this.head * 2 > this.log.length) {
      this.log.splice(0, this.head);
      this.head = 0;
    }
  }
}

export const slidingWindowLogKind = defineLimiterKind({
  kind: 'sliding-window-log',
  summary: 'at most N calls in any window ending now, from a log of admission times',
  schema: z.object(limiterShape('sliding-window-log', windowParams)).strict(),
  knobs: windowKnobs,
  params: (c): WindowParams => ({ limit: c.limit, window: c.window }),
  bucket: (p: WindowParams) => new SlidingWindowLog(p),
});
