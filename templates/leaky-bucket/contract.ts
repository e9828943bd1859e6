/**
 * What `patterns check` calls. You implement `LeakyBucket` in starter.ts; the simulator puts
 * it where the built-in leaky bucket sits (storefront → limiter → timeout → inventory) and
 * asks it about every call. The limiter around your bucket is the built-in's: it holds each
 * call for the wait you give it and then sends it on, answers a dropped call with a 429
 * carrying your Retry-After, and shows LIMITING while your bucket drops calls.
 *
 * Time is a number of milliseconds handed to you as `now`. The one invariant applies to your
 * code too: no Date.now, no new Date(), no Math.random, no timers. The check stops your code
 * if it tries, because a simulated minute passes in a few milliseconds of real time.
 */

/** The bucket's settings, from scenario.yaml (components.limiter). */
export interface LeakyBucketSettings {
  /** Calls let out per second, evenly spaced: one every 1000 / rate milliseconds. */
  readonly rate: number;
  /** Calls that may wait their turn; a call that finds this many waiting is dropped. */
  readonly queue: number;
}

/**
 * The answer for one call: `{ wait }` lets it through after `wait` milliseconds (0: at once;
 * more: it waits in the queue for its turn); `{ retryAfter }` drops it, telling the caller in
 * how many milliseconds there will be room in the queue.
 */
export type Take = { wait: number } | { retryAfter: number };

export interface LeakyBucket {
  /** A call arrives at `now` (milliseconds since the run started, never going back). */
  tryTake(now: number): Take;
}
