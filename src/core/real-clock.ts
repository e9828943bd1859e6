import { performance } from 'node:perf_hooks';
import type { Scheduler, Timer } from './clock.js';

/**
 * Wall-clock time behind the Clock interface, for live runs and for code outside the
 * simulator. This file is the one place in src/ allowed to read real time.
 */
export class RealClock implements Scheduler {
  readonly kind = 'real' as const;
  private readonly origin: number;

  constructor(origin = performance.now()) {
    this.origin = origin;
  }

  now(): number {
    return performance.now() - this.origin;
  }

  private readonly pending = new Set<NodeJS.Timeout>();
  private halted = false;

  setTimer(delayMs: number, fn: () => void): Timer {
    if (this.halted) return { cancel() {} };
    const handle = setTimeout(() => {
      this.pending.delete(handle);
      fn();
    }, Math.max(0, delayMs));
    this.pending.add(handle);
    return {
      cancel: () => {
        clearTimeout(handle);
        this.pending.delete(handle);
      },
    };
  }

  /**
   * Stops time for everything scheduled on this clock: pending timers are dropped and new
   * ones never fire. A live run calls it when it ends, so components (loads, pollers) stop
   * with it instead of running on against a broker being cleaned up.
   */
  halt(): void {
    this.halted = true;
    for (const handle of this.pending) clearTimeout(handle);
    this.pending.clear();
  }

  at(time: number, fn: () => void): Timer {
    return this.setTimer(time - this.now(), fn);
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
