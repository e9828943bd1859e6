import type { LeakyBucket, LeakyBucketSettings, Take } from './contract.js';

/**
 * The reference solution: the decisions of the built-in leaky bucket
 * (src/patterns/leaky-bucket.ts), through the learner's interface. The author gate checks that
 * it passes the scenario and matches the built-in step for step.
 */
export default function createBucket(settings: LeakyBucketSettings): LeakyBucket {
  return new MeteredQueue(settings);
}

class MeteredQueue implements LeakyBucket {
  private readonly interval: number;
  /** The earliest time the next call may leave. */
  private next = 0;
  /** When each call still waiting leaves, in order. */
  private waiting: number[] = [];

  constructor(private readonly settings: LeakyBucketSettings) {
    this.interval = 1000 / settings.rate;
  }

  tryTake(now: number): Take {
    // Calls whose turn has come are gone: nothing else drains the queue.
    while (this.waiting.length > 0 && this.waiting[0]! <= now) this.waiting.shift();
    const leave = Math.max(now, this.next);
    if (leave > now && this.waiting.length >= this.settings.queue) {
      // Room comes when the first waiting call leaves (or, with no queue at all, when the next may).
      const room = this.settings.queue === 0 ? this.next : this.waiting[0]!;
      return { retryAfter: room - now };
    }
    this.next = leave + this.interval;
    if (leave > now) this.waiting.push(leave);
    return { wait: leave - now };
  }
}
