import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'A trip needs a flight, a hotel and a car, booked by three services with their own databases. No transaction spans them, and no one wants a central coordinator that every change to the flow has to go through.',
  how:
    'Each service listens for the event that precedes its step and publishes its own outcome: "trip requested" makes the flight service book and publish "flight booked", which makes the hotel service book, and so on. When a step fails it publishes that; the services that did their step hear it and undo it (cancel the flight, the hotel). The order service only listens, so it knows what it has heard. Nobody waits on a step, so nobody notices one that never answers — durable subscriptions and idempotent handlers carry the load a coordinator’s timeouts would.',
  diagram: `
   trips ─requested─▶ flight ─booked─▶ hotel ─booked─▶ car
                        ▲                ▲              │ failed
                        └── cancel ──────┴── "car failed" (topic)
   trips hears: PENDING → FLIGHT → HOTEL → COMPENSATING → CANCELLED`,
  knobs: [
    { knob: 'coordination', trade: 'choreography: no single point to change or fail, and no single place that sees the flow; orchestration: the reverse' },
    { knob: 'compensate', trade: 'off shows what it is for: bookings kept for trips that failed' },
  ],
  use: ['a few steps owned by independent teams', 'flows that grow by adding listeners rather than editing a coordinator'],
  avoid: ['many steps or branching flows: the logic is spread over every service and hard to follow', 'when someone must notice a stuck flow: add timeouts, or orchestrate'],
  mistakes: [
    'non-durable subscriptions: a service that is down misses the event and the saga stops halfway',
    'handlers that are not idempotent: at-least-once delivery repeats bookings and cancellations',
    'cyclic event chains nobody can see whole (document the flow; it lives nowhere in the code)',
  ],
  related: ['saga-orchestration', 'pub-sub', 'idempotent-consumer'],
});
