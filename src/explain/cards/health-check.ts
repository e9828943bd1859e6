import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'An instance can be dead, stuck, overloaded or slow while the balancer keeps sending it a share of the traffic. Without probing, the first sign is failed user requests.',
  how:
    'A checker probes every instance on a schedule, with a timeout. A liveness check asks "is the process there" (a trivial endpoint); a readiness check asks "can it take more now" (not starting, not stopping, not saturated); a deep check sends a real request through the instance\'s own dependencies. Several failures in a row mark an instance unhealthy and several passes mark it healthy again, so one lost probe changes nothing. The balancer sends traffic only to healthy instances.',
  diagram: `
              unhealthyAfter failures in a row
   ┌─────────┐ ──────────────────────────────▶ ┌───────────┐
   │ HEALTHY │                                 │ UNHEALTHY │
   └─────────┘ ◀────────────────────────────── └───────────┘
              healthyAfter passes in a row
   probe every 'every', failing after 'timeout' with no answer`,
  knobs: [
    { knob: 'check (liveness | readiness | deep)', trade: 'deeper checks catch a slow or broken request path and cost real work on every instance' },
    { knob: 'every / timeout', trade: 'checking often detects sooner and adds load; a short timeout calls slow instances dead' },
    { knob: 'unhealthyAfter / healthyAfter', trade: 'higher thresholds flap less and react later' },
  ],
  use: ['behind every load balancer and orchestrator', 'to keep a starting or draining instance out of rotation'],
  avoid: [
    'deep checks that fan out to shared dependencies from every instance: a slow database then marks the whole fleet unhealthy at once',
  ],
  mistakes: [
    'a liveness check that looks healthy while every real request is slow — pair it with outlier ejection or a deep check',
    'restarting instances on a failed readiness check (readiness takes traffic away; liveness restarts)',
    'probes so frequent that they are a measurable share of the load',
  ],
  related: ['load-balancer', 'service-discovery'],
});
