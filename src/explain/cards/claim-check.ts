import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Some messages are large — a scanned document, a video frame, a big report — and brokers have size limits (Kafka 1 MB by default) and slow down when they carry megabytes. Large messages are refused or clog the pipe.',
  how:
    'The producer stores the payload in a blob store and sends a small message carrying a reference (the claim check). The consumer fetches the payload with it. The broker only ever sees small messages; the blob store takes the weight — and becomes a second system on the path: while it is down, large messages can be neither sent nor read.',
  diagram: `
   producer ──put payload──▶ blob store ◀──get payload── consumer
       │                                                    ▲
       └──── message { claim-check: blob/42 } ──▶ broker ───┘`,
  knobs: [
    { knob: 'claimCheck.over', trade: 'a low threshold sends more through the store (extra calls, extra latency); a high one lets big messages hit the broker' },
    { knob: 'nackDelay', trade: 'how long a consumer waits before retrying a payload the store could not give' },
  ],
  use: ['payloads near or over the broker’s limit', 'the same large payload read by many consumers'],
  avoid: ['small messages: the extra round trip costs more than it saves'],
  mistakes: [
    'deleting the blob before every consumer has read it (or never deleting it)',
    'treating a store outage as a message failure and dead-lettering good messages',
    'forgetting the store’s own access control: the reference is now a key to the data',
  ],
  related: ['work-queue', 'retry'],
});
