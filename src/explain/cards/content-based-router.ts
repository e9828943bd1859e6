import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Different kinds of message need different handlers — domestic and international orders, refunds — but they all arrive on one channel. Consumers that each handle one kind pick up the others, bounce them back, and the messages ping-pong until the right consumer happens to get them.',
  how:
    'A router reads the channel and sends each message on to the queue its content names (a header such as `type`), with a default queue for anything unknown. Each consumer reads only its own queue. The router acks the original only once the forwarded copy is confirmed, so a crash duplicates rather than loses.',
  diagram: `
                            ┌─ domestic ──────▶ [domestic] ──▶ team A
   [incoming] ──▶ router ───┼─ international ─▶ [intl]     ──▶ team B
     (by type)              └─ anything else ─▶ [unrouted] ──▶ a person`,
  knobs: [
    { knob: 'routes', trade: 'every route is a queue to run and watch; too many fragment the consumers' },
    { knob: 'prefetch', trade: 'how much the router holds at once; it is on every message’s path' },
  ],
  use: ['one inbound channel, several kinds of work with their own consumers', 'keeping producers ignorant of who handles what'],
  avoid: ['when the broker can route for you (RabbitMQ headers or topic exchanges, bindings): no extra hop'],
  mistakes: [
    'no default route: unknown messages are rejected or lost',
    'routing logic that calls other services, making the router slow and fragile',
    'acking before the forwarded copy is confirmed',
  ],
  related: ['work-queue', 'pub-sub'],
});
