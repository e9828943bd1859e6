import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Urgent work (a password reset, a paid order) lands behind thousands of bulk jobs (newsletters, re-indexing) and waits as long as they do.',
  how:
    'The queue keeps ready messages by priority and always hands out the highest one first, FIFO within a priority. Urgent jobs overtake the backlog. The price is starvation: while urgent work keeps coming, bulk work waits, and only its latency shows it.',
  diagram: `
   urgent (9) ──┐    ┌──────────────────────┐
                ├──▶ │ 9: ▇▇                │ ──▶ 9s first
   bulk   (1) ──┘    │ 1: ▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇ │ ──▶ then 1s (if ever)
                     └──────────────────────┘`,
  knobs: [
    { knob: 'queues.*.maxPriority', trade: 'more levels allow finer ordering and cost the broker more; a handful is plenty' },
    { knob: 'prefetch', trade: 'priorities only reorder what is still in the queue: a large prefetch has already taken bulk work' },
  ],
  use: ['a few classes of work sharing one pool of consumers', 'short urgent bursts over a steady bulk load'],
  avoid: ['when urgent work alone can fill the consumers: bulk work then never runs (give it its own queue and consumers)', 'Kafka and Redis streams: a log is read in order; use a topic per priority'],
  mistakes: [
    'a large prefetch that makes priorities meaningless',
    'no alert on the age of the oldest bulk job, so starvation goes unnoticed',
    'dozens of priority levels nobody can reason about',
  ],
  related: ['work-queue', 'dead-letter-queue'],
});
