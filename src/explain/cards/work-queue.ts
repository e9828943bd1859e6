import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Work arrives in bursts far above what the workers can do at once. Calling them directly turns a burst into timeouts and refusals, and the workers thrash at the edge of their capacity.',
  how:
    'Producers put jobs on a queue; a pool of consumers takes them, each message going to exactly one consumer. A consumer holds at most `prefetch` unacked jobs, acks each when done, and what it leaves unacked (a crash, a nack) comes back for another consumer. The queue absorbs the burst: producers go at their pace, consumers at theirs, and the price is time spent waiting in the queue.',
  diagram: `
   burst ──▶ [ queue ▇▇▇▇▇▇▇▇ ] ──┬─▶ consumer 1 ─┐
                                 ├─▶ consumer 2 ─┼─▶ database (steady)
                                 └─▶ consumer 3 ─┘
   unacked when a consumer dies ──▶ back to the queue`,
  knobs: [
    { knob: 'instances', trade: 'more consumers drain the queue sooner and put more load on what they call' },
    { knob: 'prefetch', trade: 'a large prefetch keeps consumers busy but hoards work (and priorities stop mattering); 1 shares it fairly' },
    { knob: 'ackDelay', trade: 'the longer between the effect and the ack, the more work is done twice after a crash' },
  ],
  use: ['background jobs, e-mails, image processing: work that may wait a little', 'protecting a fragile backend from bursts (load levelling)'],
  avoid: ['requests whose caller waits for the answer: a queue hides overload as latency', 'work that must happen in a strict order (one queue with many consumers reorders)'],
  mistakes: [
    'no bound on the queue, so a long overload becomes hours of latency and then an out-of-memory',
    'acking before the work is done (at-most-once without meaning to)',
    'non-idempotent work: every crash before an ack repeats an effect',
  ],
  related: ['dead-letter-queue', 'idempotent-consumer', 'priority-queue'],
});
