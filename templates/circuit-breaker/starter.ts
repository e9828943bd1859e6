import type { Breaker, BreakerSettings, BreakerState, Permit } from './contract.js';

/**
 * Your circuit breaker. The simulator calls this function once per run with the settings
 * from scenario.yaml, and then calls the object it returns (see contract.ts).
 *
 * As it stands it compiles and runs, but it never opens: every checkout waits a whole second
 * for a payment service that is down. Fill in the TODOs, then run `patterns check`.
 */
export default function createBreaker(settings: BreakerSettings): Breaker {
  return new MyBreaker(settings);
}

class MyBreaker implements Breaker {
  state: BreakerState = 'CLOSED';
  // TODO: what must the breaker remember between calls? (failures in a row, when it may
  // probe again, how many probes are out...)

  constructor(private readonly settings: BreakerSettings) {}

  tryAcquire(now: number): Permit | false {
    // TODO: CLOSED lets every call through. OPEN refuses calls until `openFor` has passed
    // since it opened; then it becomes HALF_OPEN and lets up to `probes` calls through.
    return true;
  }

  onSuccess(now: number, durationMs: number, permit: Permit): void {
    // TODO: in CLOSED a success ends a run of failures; in HALF_OPEN, enough successful
    // probes close the breaker.
  }

  onFailure(now: number, durationMs: number, permit: Permit): void {
    // TODO: in CLOSED, `failureThreshold` failures in a row open the breaker; in HALF_OPEN
    // one failed probe opens it again.
  }
}
