/**
 * What `patterns check` calls. You implement `TokenBucket` in starter.ts; the simulator puts
 * it where the built-in token bucket sits (storefront → limiter → timeout → shop) and asks it
 * about every call. The limiter around your bucket is the built-in's: it answers refused calls
 * with a 429 carrying your Retry-After, and shows LIMITING while your bucket refuses.
 *
 * Time is a number of milliseconds handed to you as `now`. The one invariant applies to your
 * code too: no Date.now, no new Date(), no Math.random, no timers. The check stops your code
 * if it tries, because a simulated minute passes in a few milliseconds of real time.
 */

/** The bucket's settings, from scenario.yaml (components.limiter). */
export interface TokenBucketSettings {
  /** Tokens added per second: the rate the bucket sustains. */
  readonly rate: number;
  /** Most tokens the bucket holds: the largest burst. It starts full. */
  readonly capacity: number;
}

/**
 * The answer for one call: `true` lets it through, having taken a token; `{ retryAfter }`
 * refuses it, telling the caller in how many milliseconds a token will be there.
 */
export type Take = true | { retryAfter: number };

export interface TokenBucket {
  /** A call arrives at `now` (milliseconds since the run started, never going back). */
  tryTake(now: number): Take;
}
