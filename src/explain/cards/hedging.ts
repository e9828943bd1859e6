import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'At scale the slowest 1% of calls sets the experience: a page that makes a hundred calls waits for the slowest. Those slow calls are mostly bad luck — a GC pause, a busy disk, a cold cache on one replica — not slow requests.',
  how:
    'If a call has not answered after a delay (fixed, or a percentile such as p95 of recent latencies), send the same call again; take whichever answers first and cancel the other. Because the second attempt is independent bad luck, it is usually fast, so the tail shrinks; only the calls already slower than the delay are sent twice, so the extra load is small.',
  diagram: `
   t=0      attempt 1 ─────────────────────────── (slow) ✗ cancelled
   t=p95                 attempt 2 ─────▶ answer ✓
   LEARNING ──minSamples latencies──▶ HEDGING ⇄ THROTTLED (budget spent)`,
  knobs: [
    { knob: 'delay / percentile', trade: 'earlier hedges cut more of the tail and add more load (hedging at p95 costs about 5%)' },
    { knob: 'maxHedges', trade: 'more hedges help only with very heavy tails, and multiply load when the dependency is truly slow' },
    { knob: 'budget', trade: 'caps the extra load when everything is slow, which is exactly when hedging would hurt' },
  ],
  use: ['idempotent reads against replicated services with heavy-tailed latency'],
  avoid: ['non-idempotent writes', 'a dependency that is slow because it is overloaded: hedges add to the overload'],
  mistakes: [
    'not cancelling the loser, so every hedge doubles the work',
    'a percentile taken only over winners: the tail disappears from the samples and the delay drifts down',
    'no budget: when the dependency slows down as a whole, every call is hedged',
  ],
  related: ['timeout', 'retry', 'load-shedding'],
});
