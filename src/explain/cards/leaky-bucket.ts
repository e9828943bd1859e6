import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Some dependencies cannot take bursts at all: a legacy system, a partner API with a strict rate, a device. A limit that admits bursts passes them straight through.',
  how:
    'Put calls in a queue that drains at a fixed rate: one call leaves every 1/rate, whatever the arrivals. A burst becomes waiting time instead of load; a call that finds the queue full is dropped (429, retry after the next departure). Output is perfectly smooth; the price is latency.',
  diagram: `
   bursty arrivals ▪▪▪▪▪   ▪▪▪▪▪▪▪▪
                       ▼
                 ┌──────────┐  queue (overflow → 429)
                 │ ▪▪▪▪▪▪   │
                 └────┬─────┘
                      ▼ one every 1/rate
   smooth output  ▪ ▪ ▪ ▪ ▪ ▪ ▪ ▪ ▪ ▪`,
  knobs: [
    { knob: 'rate', trade: 'the steady output rate' },
    { knob: 'queue', trade: 'a longer queue drops less and makes callers wait longer (up to queue / rate)' },
  ],
  use: ['shaping traffic to a dependency with a strict rate', 'network traffic shaping'],
  avoid: ['interactive calls where waiting is worse than a quick refusal'],
  mistakes: ['a queue longer than callers are willing to wait: they time out while their call is still queued'],
  related: ['token-bucket', 'bulkhead', 'load-shedding'],
});
