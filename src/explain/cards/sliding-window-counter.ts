import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'A fixed window bursts at its edges; a log is exact but costs memory per call. Most limits want something in between: smooth enough, and two numbers per key.',
  how:
    'Keep this window\'s count and the previous window\'s. Estimate the calls in the sliding window ending now as previous × (share of the previous window still inside it) + current, as if last window\'s calls had been spread evenly. Admit while the estimate with the new call stays within the limit.',
  diagram: `
   previous window: 8 calls     current window: 3 calls
   ├────────────────────────┼──────────────┤ now (40% in)
              ├──── sliding window ────────┤
   estimate = 8 × 60% + 3 = 7.8  → admit while ≤ limit − 1`,
  knobs: [
    { knob: 'limit', trade: 'the estimated calls per sliding window' },
    { knob: 'window', trade: 'the span it smooths over' },
  ],
  use: ['large-scale per-key limits (API gateways, CDNs) where memory per key matters'],
  avoid: ['limits that must never be exceeded even briefly: the estimate assumes evenly spread calls'],
  mistakes: ['reading it as exact: bursts at the end of the previous window are under-counted'],
  related: ['fixed-window', 'sliding-window-log', 'token-bucket'],
});
