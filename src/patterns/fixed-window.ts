import { z } from 'zod';
import { count, duration } from '../scenario/fields.js';
import { defineLimiterKind, limiterShape, type Bucket, type Decision } from './rate-limit.js';

export interface WindowParams {
  /** Calls admitted per window. */
  limit: number;
  window: number;
}

/**
 * At most `limit` calls per window, windows aligned on the clock (0–1s, 1–2s, ...): one
 * counter per key, reset when a new window starts. Cheap, and lets through up to twice the
 * limit across a window boundary.
 */
export class FixedWindow implements Bucket {
  private index = -Infinity;
  private count = 0;

  constructor(private readonly p: WindowParams) {}

  take(now: number): Decision {
    this.roll(now);
    if (this.count < this.p.limit) {
      this.count++;
      return { admit: true, delay: 0 };
    }
    return { admit: false, retryAfter: (this.index + 1) * this.p.window - now };
  }

  describe(now: number): string {
    this.roll(now);
    return `${this.count}/${this.p.limit} in this window`;
  }

  private roll(now: number): void {
    const index = Math.floor(now / this.p.window);
    if (index !== this.index) {
      this.index = index;
      this.count = 0;
    }
  }
}

export const windowParams = {
  limit: count({ min: 1, max: 1_000_000 }),
  window: duration({ min: 1, max: 86_400_000 }),
};

export const windowKnobs = {
  limit: { description: 'calls admitted per window (per key)', type: 'int', min: 1, max: 1_000_000 },
  window: { description: 'the span the limit counts over', type: 'duration', min: '1ms', max: '24h' },
} as const;

export const fixedWindowKind = defineLimiterKind({
  kind: 'fixed-window',
  summary: 'at most N calls per clock-aligned window, per key or for everyone',
  schema: z.object(limiterShape('fixed-window', windowParams)).strict(),
  knobs: windowKnobs,
  params: (c): WindowParams => ({ limit: c.limit, window: c.window }),
  bucket: (p: WindowParams) => new FixedWindow(p),
});
