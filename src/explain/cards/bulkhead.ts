import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Calls to every dependency draw on the same pool: threads, connections, memory. When one dependency turns slow, its calls hold their slots for longer and longer, until the pool is empty and calls to healthy dependencies wait behind them. One bad neighbour takes the whole service down.',
  how:
    'Give each dependency its own compartment: a semaphore of maxConcurrent slots and a short queue. A call takes a slot or waits (at most queueTimeout) for one; when the queue is full too it is refused at once. A slow dependency can then exhaust only its own slots; the others keep theirs.',
  diagram: `
   calls to payments ──▶ [■■■■□□□□□□] 4/10 busy ──▶ payments
   calls to analytics ─▶ [■■■■■] 5/5 busy
                          queue [▪▪▪] 3/3 ──▶ full: refuse at once
   ACCEPTING ──all slots busy──▶ QUEUEING ──queue full──▶ REJECTING
       ▲                                                     │
       └──────────── a quiet second, nothing refused ────────┘`,
  knobs: [
    { knob: 'maxConcurrent', trade: 'more slots absorb bursts, and let a slow dependency tie up more of what it shares' },
    { knob: 'queue', trade: 'a queue smooths bursts, and adds waiting time; a long queue hides overload behind latency' },
    { knob: 'queueTimeout', trade: 'short waits fail fast; long waits turn into timeouts upstream anyway' },
  ],
  use: [
    'a service that calls several dependencies of different importance or reliability',
    'sizing slots by Little\'s law: rate × latency, plus headroom for bursts',
  ],
  avoid: [
    'one bulkhead for everything: that is just a smaller shared pool',
    'slots far above what the dependency can serve: the bulkhead then never bites',
  ],
  mistakes: [
    'no timeout inside the bulkhead, so a hung call holds its slot for ever',
    'an unbounded queue, which turns a full bulkhead into unbounded latency',
    'not watching rejections: they are the signal that a compartment is too small or its dependency too slow',
  ],
  related: ['timeout', 'load-shedding', 'circuit-breaker'],
});
