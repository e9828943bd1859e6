/**
 * Topics for non-durable subscriptions: Redis pub/sub on the connection's subscriber client
 * (a client in subscribe mode can do nothing else). At most once: a copy goes to whoever
 * is subscribed when Redis publishes it, and nothing is kept or acked.
 */
import type { Redis } from 'ioredis';
import type { Delivery, DeliveryListener, Message, Subscription } from '../broker.js';
import { Script, describe } from './client.js';
import { decodeMessage } from './keys.js';

/**
 * Publishes to the channel (non-durable subscribers) and appends to the stream of every
 * durable subscription of the topic, atomically; -1 when the topic was never declared.
 * KEYS: topology hash, the topic's subscription set. ARGV: topology field, stream key
 * base, channel, payload.
 */
export const PUBLISH = new Script(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return -1 end
for _, sub in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  redis.call('XADD', ARGV[2] .. sub, '*', 'm', ARGV[4])
end
return redis.call('PUBLISH', ARGV[3], ARGV[4])
`);

class LiveDelivery implements Delivery {
  readonly deliveryCount = 1;
  constructor(
    readonly message: Message,
    readonly source: string,
  ) {}
  ack(): void {}
  nack(): void {}
  reject(): void {}
}

interface LiveSubscription {
  readonly topic: string;
  readonly listener: DeliveryListener;
}

export class LiveTopics {
  private readonly channels = new Map<string, Set<LiveSubscription>>();
  private closed = false;

  constructor(
    private readonly sub: Redis,
    private readonly lost: (reason: string) => void,
  ) {
    sub.on('message', (channel: string, payload: string) => this.heard(channel, payload));
  }

  subscribe(channel: string, topic: string, listener: DeliveryListener): Subscription {
    const live: LiveSubscription = { topic, listener };
    let set = this.channels.get(channel);
    if (!set) {
      set = new Set();
      this.channels.set(channel, set);
      this.sub.subscribe(channel).catch((e: unknown) => this.lost(`subscribing to "${topic}" failed: ${describe(e)}`));
    }
    set.add(live);
    return {
      cancel: () => {
        const s = this.channels.get(channel);
        if (!s?.delete(live) || s.size > 0) return;
        this.channels.delete(channel);
        if (!this.closed) this.sub.unsubscribe(channel).catch(() => {});
      },
    };
  }

  close(): void {
    this.closed = true;
    this.channels.clear();
  }

  private heard(channel: string, payload: string): void {
    const subs = this.channels.get(channel);
    if (!subs || this.closed) return;
    const message = decodeMessage(payload);
    for (const s of [...subs]) if (!this.closed && subs.has(s)) s.listener.delivery(new LiveDelivery(message, s.topic));
  }
}
