import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'An order needs stock reserved, a card charged and a parcel shipped, each by a service with its own database. No transaction spans them: if the charge fails after the stock is reserved, the stock stays reserved for an order that will never ship.',
  how:
    'A saga splits the transaction into local steps, each with a compensation that undoes it (release the stock, refund the card). An orchestrator keeps a log of every order’s state and sends each participant a command, one step at a time, waiting for its reply. A step that fails is answered by compensating the steps done, latest first. A step that does not reply is asked again — the same command, so participants must be idempotent — and after the last retry it is compensated too, since it may have happened after all. The steps’ effects are visible while the saga runs: there is no isolation.',
  diagram: `
   PENDING ─reserve─▶ RESERVED ─charge─▶ CHARGED ─ship─▶ SHIPPED
      │                  │ charge failed
      │                  ▼
      │            COMPENSATING ─release stock─▶ CANCELLED
      └─ no reply after retries: undo it too (it may have run)`,
  knobs: [
    { knob: 'stepTimeout', trade: 'short: slow steps are retried (more duplicates) or given up; long: a dead participant holds the saga up' },
    { knob: 'retries', trade: 'more: fewer sagas cancelled by a hiccup, more repeats the participants must absorb' },
    { knob: 'compensate', trade: 'off shows what it is for: reservations left behind for orders that failed' },
  ],
  use: ['a business transaction across services that each own their data', 'long-running flows that need a place to see where every order stands'],
  avoid: ['when the steps can live in one database: use its transaction', 'steps that cannot be undone (an email sent): put them last, after everything that can fail'],
  mistakes: [
    'compensations that are not idempotent: a redelivered "release" adds stock back twice',
    'forgetting the step that timed out: it may happen later and leave a reservation for a cancelled order (record the compensation, refuse the late step)',
    'keeping the saga log in memory: a crashed orchestrator forgets the orders halfway through',
    'treating intermediate states as final: readers can see stock reserved for an order that is then cancelled',
  ],
  related: ['saga-choreography', 'idempotent-consumer', 'transactional-outbox', 'retry'],
});
