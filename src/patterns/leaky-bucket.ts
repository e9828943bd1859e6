import { z } from 'zod';
import { count, rate } from '../scenario/fields.js';
import { defineLimiterKind, limiterShape, type Bucket, type Decision } from './rate-limit.js';

export interface LeakyBucketParams {
  /** Calls let out per second, evenly spaced. */
  rate: number;
  /** Calls that may wait their turn; more are dropped. */
  queue: number;
}

/**
 * A queue drained at a fixed rate: calls leave one every 1/rate, in order, whatever the
 * arrivals; a call that finds the queue full is dropped. Output is smooth; bursts become
 * waiting time instead of load.
 */
export class LeakyBucket implements Bucket {
  private readonly interval: number;
  /** The earliest time the next call may leave. */
  private next = -Infinity;
  /** Departure times of calls still waiting, in order. */
  private readonly waiting: number[] = [];
  private head = 0;

  constructor(private readonly p: LeakyBucketParams) {
    this.interval = 1000 / p.rate;
  }

  take(now: number): Decision {
    this.drain(now);
    const depart = Math.max(now, this.next);
    if (depart > now && this.waiting.length - this.head >= this.p.queue) {
      // Room comes when the oldest waiting call leaves (or, with no queue, when the next may).
      const room = this.p.queue === 0 ? this.next : this.waiting[this.head]!;
      return { admit: false, retryAfter: room - now };
    }
    this.next = depart + this.interval;
    if (depart > now) this.waiting.push(depart);
    return { admit: true, delay: depart - now };
  }

  queued(now: number): number {
    this.drain(now);
    return this.waiting.length - this.head;
  }

  describe(now: number): string {
    return `${this.queued(now)}/${this.p.queue} queued`;
  }

  private drain(now: number): void {
    while (this.head < this.waiting.length && this.waiting[this.head]! <= now) this.head++;
    if (this.head > 64 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }
}

const params = {
  rate: rate({ min: 0.001, max: 1_000_000 }),
  queue: count({ min: 0, max: 1_000_000 }),
};

export const leakyBucketKind = defineLimiterKind({
  kind: 'leaky-bucket',
  summary: 'a queue drained at a fixed rate; calls wait their turn, overflow is dropped',
  schema: z.object(limiterShape('leaky-bucket', params)).strict(),
  knobs: {
    rate: { description: 'calls let out per second (per key)', type: 'rate', min: '0.001/s', max: '1000000/s' },
    queue: { description: 'calls that may wait their turn; more are dropped', type: 'int', min: 0, max: 1_000_000 },
  },
  params: (c): LeakyBucketParams => ({ rate: c.rate, queue: c.queue }),
  bucket: (p: LeakyBucketParams) => new LeakyBucket(p),
});
