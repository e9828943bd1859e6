import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Many failures are transient: a dropped packet, a restarting instance, a momentary overload. Failing the whole request for those wastes work that one more attempt would have saved.',
  how:
    'On a retryable failure, wait and try again, up to a number of attempts. The wait grows (constant, linear or exponential, capped) and is randomised (jitter) so that clients that failed together do not retry together. A retry budget caps retries to a share of recent calls, so retries cannot multiply load during a real outage.',
  diagram: `
   call ─▶ attempt 1 ─fail─▶ wait d₁ ─▶ attempt 2 ─fail─▶ wait d₂ ─▶ …
              │                            │
             ok ─▶ answer                 ok ─▶ answer
   d_n = min(maxDelay, delay × multiplier^(n-1)), then jittered:
     full: random(0, d)   equal: d/2 + random(0, d/2)
     decorrelated: random(delay, 3 × previous)`,
  knobs: [
    { knob: 'maxAttempts', trade: 'more attempts hide more failures and multiply load when the failure is not transient' },
    { knob: 'delay / multiplier / maxDelay', trade: 'longer waits give the dependency room and make the caller wait longer' },
    { knob: 'jitter', trade: 'without jitter retries arrive in synchronised waves; full jitter spreads them most' },
    { knob: 'budget', trade: 'a small budget protects the dependency in an outage at the price of some recoverable failures' },
  ],
  use: [
    'idempotent operations (reads, or writes with an idempotency key)',
    'failures that are likely transient: timeouts, connection resets, 503s',
  ],
  avoid: [
    'non-idempotent writes without an idempotency key: a retry after a timeout may do the work twice',
    'errors that will not change: validation failures, 4xx',
    'at every layer of a deep call chain: retries multiply (3 layers × 3 attempts = 27 calls)',
  ],
  mistakes: [
    'retrying immediately, with no backoff and no jitter — a retry storm',
    'no per-attempt timeout, so one hung attempt eats the whole budget of time',
    'a retry outside a circuit breaker that keeps hammering it; put the breaker outside the retry',
    'counting retries as success in dashboards and never seeing the amplification',
  ],
  related: ['timeout', 'circuit-breaker'],
});
