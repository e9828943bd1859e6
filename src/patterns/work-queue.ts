import type { Connection, Subscription } from '../brokers/broker.js';
import type { JobHandler } from '../components/job.js';

/**
 * Work queue (competing consumers): many consumers read one queue, each message goes to
 * one of them, and a consumer holds at most `prefetch` unacked messages, so a slow one
 * is not handed more than it can chew. The queue absorbs bursts — producers go at their
 * pace, consumers at theirs — and whatever a consumer leaves unacked comes back.
 */
export function consumeQueue(connection: Connection, queue: string, prefetch: number, onJob: JobHandler): Subscription {
  return connection.consume(queue, { prefetch }, {
    delivery: (d) =>
      onJob({
        message: d.message,
        group: queue,
        deliveryCount: d.deliveryCount,
        autoAcked: false,
        complete: () => d.ack(),
        retry: () => d.nack(true),
        refuse: () => d.reject(),
      }),
  });
}
