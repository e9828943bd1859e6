import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'A service writes its database and then publishes an event. The two are separate systems: a crash between them, or a broker that is down, leaves the data changed and the event never sent — other services never hear of an order that exists.',
  how:
    'Write the event as a row in an outbox table in the same local transaction as the business change: both happen or neither. A relay reads unsent rows, publishes them, and marks them sent once the broker confirms. If the relay dies between the confirm and the mark, it publishes those rows again after a restart: duplicates, never loss — so consumers must be idempotent.',
  diagram: `
   ┌──────────── one transaction ────────────┐
   │ INSERT order … ; INSERT outbox(event) … │
   └─────────────────────────────────────────┘
                      │ relay (every 100ms): unsent rows
                      ▼
                   publish ──confirm──▶ mark sent
                      (crash here = published twice)`,
  knobs: [
    { knob: 'outbox.every', trade: 'a short interval publishes sooner and polls the database more' },
    { knob: 'outbox.batch', trade: 'bigger batches are cheaper per event and widen the window for duplicates' },
  ],
  use: ['any service that changes its data and must tell others about it', 'when the broker may be down while the service should keep accepting work'],
  avoid: ['when an event may be lost (metrics, hints): a plain publish is simpler'],
  mistakes: [
    'publishing inside the database transaction (the broker call can fail or hang while the transaction is open)',
    'consumers that are not idempotent: the outbox guarantees at-least-once, not exactly-once',
    'an outbox table that is never cleaned up',
  ],
  related: ['idempotent-consumer', 'retry'],
});
