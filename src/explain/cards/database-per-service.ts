import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Orders needs customers’ addresses. Reading them from the customer service on every order (or from its tables) ties the two together: when customers is down or slow, orders is too, and neither can change its schema alone.',
  how:
    'Each service owns its data and no one else touches it. The owner publishes an event for every change; a service that needs some of that data keeps its own copy, shaped for its use, updated from the events. It reads its copy locally, so the owner’s outage does not stop it. The copy is behind the owner by the events in flight: the staleness window, which grows when events are delayed and shrinks back once they arrive.',
  diagram: `
   customers (owner) ─commit─▶ "address changed" ─▶ topic
                                                      │ durable
   orders ─read─▶ its copy of customers ◀── apply ────┘
   customers down: orders reads its copy (stale by what is in flight)`,
  knobs: [
    { knob: 'throughput', trade: 'how fast the copy takes in changes: a slow one widens the staleness window' },
    { knob: 'lagging', trade: 'how far behind the copy may fall before it counts as LAGGING' },
  ],
  use: ['services owned by different teams that must deploy, scale and fail independently', 'data another service reads far more often than it changes'],
  avoid: ['data that must be exactly current where it is used (a balance to debit): ask its owner', 'a small system where one shared database is simpler'],
  mistakes: [
    'reading another service’s tables "just this once" (the coupling is back)',
    'copies fed by events that can be lost (publish through an outbox, subscribe durably)',
    'not knowing how stale a copy may be, and so never deciding whether that is acceptable',
  ],
  related: ['cqrs', 'transactional-outbox', 'pub-sub'],
});
