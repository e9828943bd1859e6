import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'A message that can never be processed — malformed, too big, hitting a bug — fails, goes back to the queue, and is delivered again, forever. It burns the consumer and, when it is back at the head each time, blocks everything queued behind it.',
  how:
    'Count the attempts. After N deliveries (the broker counts them, as RabbitMQ quorum queues do, or the consumer rejects once the delivery count reaches N) the message is moved to a dead-letter queue instead of being retried. The rest flows; someone inspects the dead letters, fixes the cause, and replays them.',
  diagram: `
   producer ──▶ [ orders ] ──▶ consumer ──fails──┐
                    ▲                            │
                    └──── attempts < N: nack ────┤
                                                 │ attempts = N: reject
                                                 ▼
                             [ orders-dlq ] ──▶ inspect, fix, replay`,
  knobs: [
    { knob: 'deadLetter.after', trade: 'few attempts give up on transient failures too; many attempts let a poison message block longer' },
    { knob: 'nackDelay', trade: 'waiting before a retry gives a transient problem time to pass, and holds the consumer meanwhile' },
  ],
  use: ['any queue whose consumers can fail on a message', 'keeping evidence of what failed instead of dropping it'],
  avoid: ['treating the dead-letter queue as a bin nobody reads: it is a to-do list', 'dead-lettering on the first transient error'],
  mistakes: [
    'no dead-letter queue at all: one bad message stalls a queue',
    'rejecting without a dead-letter queue: the message is silently dropped',
    'replaying dead letters before fixing the cause, straight back into the loop',
  ],
  related: ['work-queue', 'retry'],
});
