import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Real clients are bursty: a page load fires ten calls, then nothing. A limit per window either refuses the burst or has to be set so high that it protects nothing. What you want is a sustained rate with room for short bursts.',
  how:
    'Each key has a bucket of up to `capacity` tokens, refilled at `rate` per second. A call takes a token or is refused with a Retry-After of the time until the next one. A key that has been quiet may burst up to `capacity`; after that it gets `rate`. A global bucket (no key) caps everyone together; classes give tiers their own rate and capacity.',
  diagram: `
        rate r tokens/s
            │
            ▼
        ┌───────┐  capacity C
        │●●●●●  │
        └───┬───┘
            ▼ one token per call
   none left → 429, Retry-After (1 − tokens) / r
   over any span T: admitted ≤ C + r × T`,
  knobs: [
    { knob: 'rate', trade: 'the sustained rate a key gets' },
    { knob: 'capacity', trade: 'bigger forgives bigger bursts, and lets a quiet key hit the service harder at once' },
    { knob: 'key / classes', trade: 'per user keeps one user from starving the rest; tiers buy more rate and burst' },
  ],
  use: ['per-user and per-tier API limits', 'a global limit in front of a service with a known capacity, with a per-user limit before it'],
  avoid: ['smoothing output for a dependency that cannot take any burst: a leaky bucket does that'],
  mistakes: [
    'a global limit alone: one heavy user takes all the tokens, and everyone else gets 429',
    'a capacity larger than the downstream can absorb at once',
    'clients ignoring Retry-After and retrying immediately',
  ],
  related: ['leaky-bucket', 'fixed-window', 'load-shedding', 'retry'],
});
