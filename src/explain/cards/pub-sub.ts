import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'One event matters to several services — an order placed must reach billing, e-mail and analytics — and the publisher should not have to know them, call them one by one, or wait for the slowest.',
  how:
    'The publisher sends to a topic; the broker gives every subscription its own copy. A plain subscription hears only what is published while it is connected: at most once, and a subscriber that is down misses those events for good. A durable subscription is a queue the broker keeps for it, so it catches up after a restart — and, being a queue, it acks, and gets again whatever it had not acked.',
  diagram: `
                     ┌──▶ [billing (durable)] ──▶ billing
   orders ──▶ topic ─┼──▶ [emails  (durable)] ──▶ emails (down: kept)
                     └──▶  analytics (plain)  ──▶ analytics (missed)`,
  knobs: [
    { knob: 'durable', trade: 'durable keeps every event for an absent subscriber, at the price of a backlog (and redeliveries) to work through' },
    { knob: 'prefetch', trade: 'how many unacked events a durable subscriber holds; more is faster, and more to redo after a crash' },
  ],
  use: ['events several independent services react to', 'decoupling a publisher from who listens and how many'],
  avoid: ['commands that exactly one service must carry out: that is a queue', 'when a subscriber needs events it was never subscribed for: use a log (a stream) it can replay'],
  mistakes: [
    'a plain subscription for events that must not be missed',
    'assuming every subscriber sees events at the same moment, or in the same order across topics',
    'durable subscriptions nobody reads any more, growing without bound',
  ],
  related: ['work-queue', 'idempotent-consumer', 'partitioned-stream'],
});
