import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Writes that wait for the database are as slow as the database, and a database taking one statement per write saturates long before it would taking batches.',
  how:
    'The cache takes the write, marks the key dirty and acknowledges at once. Every flush interval (or when the buffer is full) it writes the dirty keys to the database in one batch; several writes to one key between flushes become one row. Reads see the new value at once, from the cache. Until its batch is committed an acknowledged write exists only in the cache’s memory: if the cache dies, it is lost — the window is the flush interval.',
  diagram: `
   write ─▶ cache (DIRTY) ─▶ ack at once
                │ every flush interval, one batch
                ▼
             db commit ─▶ FRESH
   crash before the flush ─▶ LOST: acknowledged, never in the db`,
  knobs: [
    { knob: 'flush.every', trade: 'longer: bigger batches and fewer statements, and more writes lost on a crash' },
    { knob: 'flush.batch', trade: 'larger: fewer statements; a full buffer flushes early, which bounds the loss by count as well as time' },
  ],
  use: ['write-heavy counters and activity (views, likes, last-seen) where losing a few seconds is acceptable', 'absorbing write bursts the database could not take one by one'],
  avoid: ['payments, orders — anything where an acknowledged write must survive', 'a cache without replication or a persistent log for its dirty keys'],
  mistakes: [
    'acknowledging writes the user cares about before they are durable',
    'no monitoring of the dirty backlog: a slow database lets it grow, and the loss with it',
    'other readers of the database (reports, other services) see the writes late',
  ],
  related: ['write-through', 'transactional-outbox'],
});
