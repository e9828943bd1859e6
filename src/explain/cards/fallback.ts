import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'When a dependency fails, an error is not the only possible answer. Often a stale, partial or deferred answer serves the user better than an error page.',
  how:
    'Wrap the call; when it fails in one of the listed ways (timeout, rejected by an open breaker, unavailable), answer with the fallback instead: a cached value, a default, "your payment is pending". The caller gets an answer; the metrics should still count it as degraded.',
  diagram: `
   call ──▶ [ breaker ▶ timeout ▶ dependency ] ──ok──▶ answer
                        │
                      fails (on: timeout, rejected, …)
                        ▼
                    fallback answer (degraded)`,
  knobs: [
    { knob: 'on', trade: 'which failures get the degraded answer; the rest still surface as errors' },
    { knob: 'latency', trade: 'a fallback that itself takes time (a cache read) still adds to the wait' },
  ],
  use: ['reads that can be served stale', 'actions that can be accepted now and completed later'],
  avoid: ['when a wrong or stale answer is worse than no answer (balances, permissions)'],
  mistakes: [
    'a fallback that calls another fragile dependency, so it fails at the same moment',
    'counting fallbacks as successes and never noticing the degradation',
  ],
  related: ['circuit-breaker', 'timeout'],
});
