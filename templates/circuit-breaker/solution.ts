import type { Breaker, BreakerSettings, BreakerState, Permit } from './contract.js';

/**
 * The reference solution: the decisions of the built-in breaker with `strategy: consecutive`
 * and `halfOpen: lazy` (src/patterns/circuit-breaker.ts), through the learner's interface.
 * The author gate checks that it passes the scenario and matches the built-in step for step.
 */
export default function createBreaker(settings: BreakerSettings): Breaker {
  return new ConsecutiveBreaker(settings);
}

class ConsecutiveBreaker implements Breaker {
  state: BreakerState = 'CLOSED';
  /** Grows at every change of state. A permit carries the one its call went out in, so a call
   * admitted before a change cannot sway the state after it. */
  private generation = 0;
  private failuresInARow = 0;
  private openUntil = 0;
  private probesOut = 0;
  private probesSucceeded = 0;

  constructor(private readonly settings: BreakerSettings) {}

  tryAcquire(now: number): Permit | false {
    if (this.state === 'OPEN') {
      if (now < this.openUntil) return false;
      // Lazily: the first call after the wait is the probe. No timer needed.
      this.moveTo('HALF_OPEN');
      this.probesOut = 0;
      this.probesSucceeded = 0;
    }
    if (this.state === 'HALF_OPEN') {
      if (this.probesOut >= this.settings.probes) return false;
      this.probesOut++;
    }
    return this.generation;
  }

  onSuccess(_now: number, _durationMs: number, permit: Permit): void {
    if (permit !== this.generation) return;
    if (this.state === 'CLOSED') {
      this.failuresInARow = 0;
    } else if (this.state === 'HALF_OPEN') {
      this.probesSucceeded++;
      if (this.probesSucceeded >= this.settings.probes) {
        this.failuresInARow = 0;
        this.moveTo('CLOSED');
      }
    }
  }

  onFailure(now: number, _durationMs: number, permit: Permit): void {
    if (permit !== this.generation) return;
    if (this.state === 'HALF_OPEN') return this.open(now);
    if (this.state === 'CLOSED') {
      this.failuresInARow++;
      if (this.failuresInARow >= this.settings.failureThreshold) this.open(now);
    }
  }

  onIgnored(_now: number, permit: Permit): void {
    // An abandoned probe gives its place back.
    if (permit === this.generation && this.state === 'HALF_OPEN') this.probesOut--;
  }

  private open(now: number): void {
    this.openUntil = now + this.settings.openFor;
    this.moveTo('OPEN');
  }

  private moveTo(state: BreakerState): void {
    this.state = state;
    this.generation++;
  }
}
