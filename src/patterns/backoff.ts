import type { Random } from '../core/random.js';

export type BackoffKind = 'constant' | 'linear' | 'exponential';
export type JitterKind = 'none' | 'full' | 'equal' | 'decorrelated';

export interface BackoffConfig {
  backoff: BackoffKind;
  /** The first retry's delay before jitter. */
  delay: number;
  /** No delay exceeds this. */
  maxDelay: number;
  /** Growth per retry for exponential backoff. */
  multiplier: number;
  jitter: JitterKind;
}

/**
 * Delays between attempts, after "Exponential Backoff And Jitter" (Marc Brooker, AWS
 * Architecture Blog, 2015). One instance per call: decorrelated jitter remembers the
 * previous delay.
 */
export class Backoff {
  private previous: number;

  constructor(
    private readonly cfg: BackoffConfig,
    private readonly random: Pick<Random, 'uniform'>,
  ) {
    this.previous = cfg.delay;
  }

  /** The delay before retry number `retry` (1 = the first retry). */
  next(retry: number): number {
    const { delay, maxDelay, jitter } = this.cfg;
    const base = Math.min(maxDelay, this.base(retry));
    switch (jitter) {
      case 'none':
        return base;
      case 'full':
        return this.random.uniform(0, base);
      case 'equal':
        return base / 2 + this.random.uniform(0, base / 2);
      case 'decorrelated': {
        const next = Math.min(maxDelay, this.random.uniform(delay, Math.max(delay, this.previous * 3)));
        this.previous = next;
        return next;
      }
    }
  }

  private base(retry: number): number {
    const { backoff, delay, multiplier } = this.cfg;
    switch (backoff) {
      case 'constant':
        return delay;
      case 'linear':
        return delay * retry;
      case 'exponential':
        return delay * Math.pow(multiplier, retry - 1);
    }
  }
}
