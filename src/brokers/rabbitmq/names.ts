/**
 * How the Broker interface's names and queue options become RabbitMQ objects. Every queue
 * and exchange lives under the run prefix; the mapping is pure so it can be tested alone.
 *
 * - a queue is a **quorum** queue (it counts deliveries in `x-delivery-count` and can
 *   dead-letter after `x-delivery-limit`), unless it needs priorities: quorum queues have
 *   none before RabbitMQ 4, so a queue with `maxPriority` is a **classic** queue with
 *   `x-max-priority`, whose deliveries only say whether they were redelivered;
 * - a topic is a durable **fanout** exchange; a durable subscription is a quorum queue
 *   `<topic>@<name>` bound to it; a non-durable one an exclusive, auto-delete classic queue
 *   `<topic>@<name>.<random>` that dies with its connection;
 * - dead letters go through the default exchange (`x-dead-letter-exchange: ""`) with the
 *   dead-letter queue's name as routing key.
 */
import { randomBytes } from 'node:crypto';
import type { QueueOptions } from '../broker.js';
import { missingCapability } from '../capabilities.js';
import { subscriptionGroup } from '../groups.js';
import { brokerProfiles } from '../capabilities.js';

export type QueueType = 'quorum' | 'classic';

export interface QueuePlan {
  type: QueueType;
  arguments: Record<string, string | number>;
}

const caps = brokerProfiles.rabbitmq.capabilities;

/** The queue's type and arguments, or why RabbitMQ cannot honour the options. */
export function planQueue(prefix: string, name: string, options: QueueOptions): QueuePlan | { unsupported: string } {
  if (options.ackTimeoutMs !== undefined) return { unsupported: `ack-timeout: ${missingCapability(caps, 'ack-timeout')}` };
  const limit = options.deadLetter?.afterDeliveries;
  if (options.maxPriority !== undefined && limit !== undefined) {
    return {
      unsupported: `queue "${name}": priorities need a classic queue and a delivery limit a quorum queue; RabbitMQ 3 has no queue with both (split the queue, or count attempts in the consumer)`,
    };
  }
  const args: Record<string, string | number> = {};
  let type: QueueType = 'quorum';
  if (options.maxPriority !== undefined) {
    type = 'classic';
    args['x-max-priority'] = Math.min(255, Math.max(1, Math.floor(options.maxPriority)));
  } else {
    args['x-queue-type'] = 'quorum';
  }
  if (options.deadLetter) {
    args['x-dead-letter-exchange'] = '';
    args['x-dead-letter-routing-key'] = prefix + options.deadLetter.queue;
  }
  // A quorum queue's delivery count starts at 0 and a message is dead-lettered once it is
  // returned with a count above the limit: `afterDeliveries` deliveries is a limit one lower.
  if (limit !== undefined) args['x-delivery-limit'] = Math.max(0, limit - 1);
  if (options.messageTtlMs !== undefined) args['x-message-ttl'] = Math.max(0, Math.floor(options.messageTtlMs));
  return { type, arguments: args };
}

/** The queue behind a durable subscription: found again by its name. */
export function durableSubscriptionQueue(prefix: string, topic: string, name: string): string {
  return prefix + subscriptionGroup(topic, name);
}

/** The queue behind a non-durable subscription: its own, gone with its connection. */
export function transientSubscriptionQueue(prefix: string, topic: string, name: string): string {
  return `${prefix}${subscriptionGroup(topic, name)}.${randomBytes(4).toString('hex')}`;
}
