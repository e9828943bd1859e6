import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'A client that times out cannot tell whether its request failed or only its answer was lost. If it retries a charge whose first attempt did go through, the card is charged twice. Double clicks and at-least-once delivery send the same request twice without any timeout at all.',
  how:
    'The client attaches a key to each logical request and keeps it across retries. The server looks the key up before doing the work: unknown keys are executed and their answer stored; a key whose answer is stored gets that answer again without a second execution; a key still being executed either makes the duplicate wait for the first answer or refuses it with 409. Stored answers expire after a TTL longer than any client keeps retrying.',
  diagram: `
   request(key) ─▶ lookup ─ unknown ─▶ IN_FLIGHT ─execute─▶ STORED
                     │                    ▲    │             │ ttl
                     │ in flight:         │    │ failed,     ▼
                     ├─ wait ─────────────┘    │ not stored  EXPIRED
                     ├─ or 409 conflict        ▼
                     │                      RELEASED (a retry executes)
                     └─ stored: replay the answer, execute nothing`,
  knobs: [
    { knob: 'ttl', trade: 'longer covers later retries and costs storage; shorter than the retry horizon lets a late duplicate execute again' },
    { knob: 'inFlight (wait | reject)', trade: 'waiting gives the duplicate the real answer and holds a connection; 409 frees it at once but the client must retry the 409' },
    { knob: 'storeFailures', trade: 'replaying an error is faithful to the first answer; forgetting it lets a retry succeed after a transient failure' },
  ],
  use: [
    'any non-idempotent write that clients retry: payments, orders, transfers, emails',
    'consumers of at-least-once queues (the message id is the key)',
  ],
  avoid: [
    'operations that are naturally idempotent (PUT of a whole resource, DELETE): a key adds storage for nothing',
  ],
  mistakes: [
    'generating a new key per attempt, so every retry looks like a new request',
    'storing the key after the effect instead of before: two concurrent duplicates both execute',
    'a TTL shorter than the longest retry schedule',
    'using the same key for a request with a different body instead of refusing it (422)',
  ],
  related: ['retry', 'timeout'],
});
