import type { Delivery, DeliveryListener, Message, Subscription, SubscribeOptions } from '../broker.js';
import { subscriptionGroup } from '../groups.js';
import type { BrokerHost, ClientLink } from './host.js';
import { MemoryQueue } from './queue.js';

interface LiveSubscriber {
  readonly group: string;
  readonly link: ClientLink;
  readonly listener: DeliveryListener;
}

/** Acked on the way out: nothing to ack, nothing comes back. */
class FireAndForget implements Delivery {
  readonly deliveryCount = 1;
  constructor(
    readonly message: Message,
    readonly source: string,
  ) {}
  ack(): void {}
  nack(): void {}
  reject(): void {}
}

/**
 * Fan-out. A non-durable subscription gets a copy only while it is connected (at most
 * once: nothing is kept, nothing is acked); a durable one is a queue of its own bound to
 * the topic from its first subscribe on, so it keeps messages while its subscriber is away.
 */
export class MemoryTopic {
  private live = new Set<LiveSubscriber>();
  private readonly durable = new Map<string, MemoryQueue>();
  /** Copies on their way to live subscribers (the broker's own latency). */
  private readonly sending = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly host: BrokerHost,
  ) {}

  /** Publishes; returns the groups that got a copy. */
  publish(message: Message): string[] {
    const groups: string[] = [];
    for (const [group, queue] of this.durable) {
      queue.enqueue(message);
      groups.push(group);
    }
    for (const sub of this.live) {
      groups.push(sub.group);
      this.sending.set(message.id, (this.sending.get(message.id) ?? 0) + 1);
      this.host.clock.setTimer(this.host.latencyMs, () => {
        const left = (this.sending.get(message.id) ?? 1) - 1;
        if (left > 0) this.sending.set(message.id, left);
        else this.sending.delete(message.id);
        if (!this.live.has(sub) || !sub.link.open) {
          this.host.emit({ type: 'dropped', id: message.id, group: sub.group, reason: 'subscriber left' });
          return;
        }
        this.host.emit({ type: 'delivered', id: message.id, group: sub.group, count: 1 });
        sub.listener.delivery(new FireAndForget(message, this.name));
        this.host.emit({ type: 'acked', id: message.id, group: sub.group });
      });
    }
    return groups;
  }

  subscribe(link: ClientLink, options: SubscribeOptions, listener: DeliveryListener): Subscription {
    const group = subscriptionGroup(this.name, options.name);
    if (options.durable) {
      let queue = this.durable.get(group);
      if (!queue) {
        queue = new MemoryQueue(group, {}, this.host);
        this.durable.set(group, queue);
      }
      return queue.consume(link, options.prefetch, listener);
    }
    const sub: LiveSubscriber = { group, link, listener };
    this.live.add(sub);
    return { cancel: () => this.live.delete(sub) };
  }

  connectionClosed(link: ClientLink): void {
    for (const sub of [...this.live]) if (sub.link === link) this.live.delete(sub);
    for (const queue of this.durable.values()) queue.connectionClosed(link);
  }

  durableQueues(): IterableIterator<MemoryQueue> {
    return this.durable.values();
  }

  /** Ids the topic still holds, with the group each copy is for. */
  *holding(): IterableIterator<{ id: string; group?: string }> {
    for (const [group, queue] of this.durable) for (const id of queue.holding()) yield { id, group };
    for (const id of this.sending.keys()) yield { id };
  }
}
