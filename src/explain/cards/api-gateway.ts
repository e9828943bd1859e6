import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Clients should not know every backend, repeat authentication against each of them, or make six calls to draw one page. And a page built from six backends should not fail because the least important one is down.',
  how:
    'One entry point takes every call. It picks a route by path, refuses callers without valid credentials (401) or without permission for the route (403) before any backend sees them, applies the route\'s policies (rate limits, breakers), and either forwards to one backend or fans out to several and merges the answers. Parts are required or optional: an optional part that fails or times out is left out and the answer is marked degraded instead of failing.',
  diagram: `
   call ──▶ route by path ──▶ auth ─✗─▶ 401 / 403
                                │ ok
                                ▼
                         route policies (limiter, …)
                                │
                 ┌──────────────┼──────────────┐
              profile*     recommendations     cart        (* required)
                 └──────────────┼──────────────┘
                              merge: all ok → full
                                     optional missing → degraded
                                     required missing → failed`,
  knobs: [
    { knob: 'partialFailure (degrade | fail)', trade: 'degrading keeps the page up without its optional parts; failing is simpler and honest about missing data' },
    { knob: 'per-part timeouts (via)', trade: 'a short timeout on an optional part bounds the whole answer\'s latency by it' },
    { knob: 'route via (a rate limiter)', trade: 'limits at the edge protect every backend behind it from one noisy client' },
  ],
  use: ['many clients (web, mobile, partners) in front of many backends', 'pages assembled from several services'],
  avoid: ['putting business logic in the gateway: it becomes the monolith everyone must change'],
  mistakes: [
    'no timeout per part, so the slowest backend sets the latency of every page',
    'marking every part required, so the page is as fragile as its weakest backend',
    'checking credentials after the call has reached a backend',
  ],
  related: ['fallback', 'timeout', 'circuit-breaker'],
});
