import type { Connection, Subscription } from '../brokers/broker.js';
import { subscriptionGroup } from '../brokers/groups.js';
import type { JobHandler } from '../components/job.js';

/**
 * Publish/subscribe: every subscription to a topic gets its own copy of every message, and
 * publishers do not know who listens. A plain subscription only hears what is published
 * while it is connected (at most once: a subscriber that is down misses events for good);
 * a durable one is a queue the broker keeps for it, so it catches up when it is back — and
 * then, like any queue, it acks, and gets again what it had not acked.
 */
export function subscribeTopic(
  connection: Connection,
  topic: string,
  options: { name: string; durable: boolean; prefetch: number },
  onJob: JobHandler,
): Subscription {
  const group = subscriptionGroup(topic, options.name);
  return connection.subscribe(topic, options, {
    delivery: (d) =>
      onJob({
        message: d.message,
        group,
        deliveryCount: d.deliveryCount,
        autoAcked: !options.durable,
        complete: () => d.ack(),
        retry: () => d.nack(true),
        refuse: () => d.reject(),
      }),
  });
}
