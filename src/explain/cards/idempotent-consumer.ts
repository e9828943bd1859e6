import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Brokers deliver at least once: after a crash, a lost ack or a producer’s retry, the same message comes again. A consumer that charges a card or ships a parcel does it twice.',
  how:
    'Give every message an id and keep an inbox: the ids whose effect is done, in the consumer’s own database, written in the same transaction as the effect (a unique key on the id). A message whose id is already there is acked without doing anything. Duplicates still arrive — they just have one effect.',
  diagram: `
   delivery (id 42) ──▶ id 42 in inbox? ──yes──▶ ack, do nothing
                              │ no
                              ▼
                 ┌── one transaction ──────────────┐
                 │ do the effect; INSERT inbox(42) │ ──▶ ack
                 └─────────────────────────────────┘`,
  knobs: [
    { knob: 'inbox', trade: 'one more write per message, against duplicate effects' },
    { knob: 'ackDelay', trade: 'the longer between effect and ack, the more duplicates a crash produces — harmless with an inbox' },
  ],
  use: ['any consumer of an at-least-once broker whose effect must not happen twice', 'behind a transactional outbox'],
  avoid: ['naturally idempotent effects (setting a value, deleting by id): no inbox needed'],
  mistakes: [
    'checking the inbox and writing it in separate transactions (two deliveries race through)',
    'an effect in another system the inbox cannot share a transaction with: pass the id on as an idempotency key instead',
    'deduplicating on content rather than on the message id',
  ],
  related: ['transactional-outbox', 'work-queue', 'retry'],
});
