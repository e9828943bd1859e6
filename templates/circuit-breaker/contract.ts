/**
 * What `patterns check` calls. You implement `Breaker` in starter.ts; the simulator puts it
 * in the call chain exactly where the built-in circuit breaker sits (checkout → breaker →
 * timeout → payment), asks it before every call, and tells it how each call it let through
 * ended. After every call into your code it reads `state`: each change shows up in the trace
 * as a transition, just as the built-in's do.
 *
 * Time is a number of milliseconds handed to you as `now`. The one invariant applies to your
 * code too: no Date.now, no new Date(), no Math.random, no timers. The check stops your code
 * if it tries, because a simulated minute passes in a few milliseconds of real time.
 */

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/** The breaker's settings, from scenario.yaml (components.breaker). Times are milliseconds. */
export interface BreakerSettings {
  /** Failures in a row that open the breaker. */
  readonly failureThreshold: number;
  /** How long to refuse calls once open, before letting a probe through. */
  readonly openFor: number;
  /** Calls let through while HALF_OPEN; all of them must succeed for the breaker to close. */
  readonly probes: number;
}

/**
 * What `tryAcquire` hands out to a call it lets through: `true`, or a number of your own
 * (say, which state the breaker was in when the call went out). It comes back with the
 * call's outcome.
 */
export type Permit = true | number;

export interface Breaker {
  /** The current state. The breaker starts CLOSED. */
  readonly state: BreakerState;
  /** A call wants to go through at `now`. Return a permit to let it, `false` to refuse it. */
  tryAcquire(now: number): Permit | false;
  /** A call you let through succeeded at `now`, after `durationMs`. */
  onSuccess(now: number, durationMs: number, permit: Permit): void;
  /** A call you let through failed (an error, a timeout, payment unreachable) at `now`, after `durationMs`. */
  onFailure(now: number, durationMs: number, permit: Permit): void;
  /** Optional: a call you let through was abandoned, so its outcome will never come. */
  onIgnored?(now: number, permit: Permit): void;
}
