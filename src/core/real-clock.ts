import { performance } from 'node:perf_hooks';
import type { Clock, Timer } from './clock.js';

/**
 * Wall-clock time behind the Clock interface, for live runs and for code outside the
 * simulator. This file is the one place in src/ allowed to read real time.
 */
export class RealClock implements Clock {
  readonly kind = 'real' as const;
  private readonly origin: number;

  constructor(origin = performance.now()) {
    this.origin = origin;
  }

  now(): number {
    return performance.now() - this.origin;
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  }
}

/** Milliseconds of wall time, for measuring how long a run took (never for pattern logic). */
export function wallNow(): number {
  return performance.now();
}

/** Waits in real time; used by the run driver to pace a simulation for watching. */
export function wallSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets pending I/O and signals through during a long synchronous simulation. */
export function yieldToHost(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
