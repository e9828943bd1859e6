/**
 * One client's connection: its own AMQP connection, a confirm channel for everything it
 * publishes, and a channel per consumer (so `basic.qos` is that consumer's prefetch, and a
 * consumer that fails closes only its own channel).
 */
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import {
  brokerError,
  type AppendOptions,
  type BrokerError,
  type Confirm,
  type Connection,
  type ConnectionEvents,
  type ConsumeOptions,
  type Delivery,
  type DeliveryListener,
  type JoinOptions,
  type Message,
  type SendOptions,
  type StreamListener,
  type SubscribeOptions,
  type Subscription,
} from '../broker.js';
import { brokerProfiles, missingCapability } from '../capabilities.js';
import { subscriptionGroup } from '../groups.js';
import { decode, deliveryCount, encode } from './codec.js';
import { durableSubscriptionQueue, planQueue, transientSubscriptionQueue } from './names.js';

export type Kind = 'queue' | 'exchange';

/** What a connection needs from the broker object that made it. */
export interface RabbitSide {
  readonly prefix: string;
  readonly maxMessageBytes: number;
  /** Known to exist (declared or checked by this process): no round trip needed. */
  known(kind: Kind, name: string): boolean;
  exists(kind: Kind, name: string): Promise<boolean>;
  /** Consumers and subscriptions of this process still being set up. */
  readonly settingUp: number;
  /** Resolves once every consumer or subscription set up so far is receiving. */
  setupsDone(): Promise<void>;
  track(setup: Promise<unknown>): void;
  /** This process created it: dispose() removes it. */
  created(kind: Kind, name: string): void;
  gone(connection: RabbitConnection): void;
  describe(error: unknown): string;
}

/** Later, never inside the caller's frame (the interface's rule for callbacks). */
export const later = (fn: () => void): void => void setImmediate(fn);

const rabbitCapabilities = brokerProfiles.rabbitmq.capabilities;
const closedError = brokerError('unavailable', 'the connection is closed');

export class RabbitConnection implements Connection {
  private isOpen = true;
  /** Publishes waiting (for a destination check or a consumer set-up), kept in order. */
  private waiting = 0;
  private tail: Promise<void> = Promise.resolve();
  private readonly channels = new Set<Channel>();

  constructor(
    private readonly model: ChannelModel,
    private readonly publisher: ConfirmChannel,
    private readonly side: RabbitSide,
    readonly client: string,
    private readonly events: ConnectionEvents,
  ) {
    model.on('error', () => {}); // a 'close' follows; the reason is reported there
    model.on('close', (error?: Error) => this.lost(error ? `connection lost: ${side.describe(error)}` : 'the broker closed the connection'));
    this.watch(publisher);
  }

  get open(): boolean {
    return this.isOpen;
  }

  publish(topic: string, message: Message, confirm: Confirm): void {
    const name = this.side.prefix + topic;
    this.dispatch('exchange', name, `no topic "${topic}"`, message, confirm, () => {
      const { content, properties } = encode(message);
      this.publisher.publish(name, '', content, properties, (error: unknown) => confirm(error ? this.confirmError(error) : undefined));
    });
  }

  send(queue: string, message: Message, options: SendOptions, confirm: Confirm): void {
    if (options.delayMs) return later(() => confirm(brokerError('unsupported', `delayed-delivery: ${missingCapability(rabbitCapabilities, 'delayed-delivery')}`)));
    const name = this.side.prefix + queue;
    this.dispatch('queue', name, `no queue "${queue}"`, message, confirm, () => {
      const { content, properties } = encode(message, options);
      this.publisher.sendToQueue(name, content, properties, (error: unknown) => confirm(error ? this.confirmError(error) : undefined));
    });
  }

  append(_stream: string, _message: Message, _options: AppendOptions, confirm: (error?: BrokerError, at?: { partition: number; offset: number }) => void): void {
    later(() => confirm(brokerError('unsupported', `partitions: ${missingCapability(rabbitCapabilities, 'partitions')}`)));
  }

  consume(queue: string, options: ConsumeOptions, listener: DeliveryListener): Subscription {
    const name = this.side.prefix + queue;
    return this.startConsumer(queue, async () => {
      if (!(await this.side.exists('queue', name))) throw new Error(`no queue "${queue}"`);
      return { queue: name, source: queue, prefetch: options.prefetch, acks: true };
    }, listener);
  }

  subscribe(topic: string, options: SubscribeOptions, listener: DeliveryListener): Subscription {
    const exchange = this.side.prefix + topic;
    return this.startConsumer(topic, async (channel) => {
      if (!(await this.side.exists('exchange', exchange))) throw new Error(`no topic "${topic}"`);
      if (options.durable) {
        const queue = durableSubscriptionQueue(this.side.prefix, topic, options.name);
        const plan = planQueue(this.side.prefix, queue, {});
        if ('unsupported' in plan) throw new Error(plan.unsupported);
        await channel.assertQueue(queue, { durable: true, arguments: plan.arguments });
        this.side.created('queue', queue);
        await channel.bindQueue(queue, exchange, '');
        return { queue, source: subscriptionGroup(topic, options.name), prefetch: options.prefetch, acks: true };
      }
      // At most once, as the interface says: nothing kept, nothing acked.
      const queue = transientSubscriptionQueue(this.side.prefix, topic, options.name);
      await channel.assertQueue(queue, { durable: false, exclusive: true, autoDelete: true });
      await channel.bindQueue(queue, exchange, '');
      return { queue, source: topic, prefetch: 0, acks: false };
    }, listener);
  }

  join(stream: string, _options: JoinOptions, _listener: StreamListener): Subscription {
    this.fail(`partitions: ${missingCapability(rabbitCapabilities, 'partitions')} (join "${stream}")`);
    return { cancel() {} };
  }

  close(how: 'graceful' | 'abrupt' = 'graceful'): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.side.gone(this);
    if (how === 'abrupt') {
      // A crash: the socket goes away without a connection.close, as when a process dies.
      (this.model.connection as unknown as { stream: { destroy(): void } }).stream.destroy();
    } else {
      this.model.close().catch(() => {});
    }
  }

  /** Closes without a word to the broker's listener (used by dispose()). */
  async shutdown(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    await this.model.close().catch(() => {});
  }

  private dispatch(kind: Kind, name: string, unknown: string, message: Message, confirm: Confirm, action: () => void): void {
    if (!this.isOpen) return later(() => confirm(closedError));
    if (message.size > this.side.maxMessageBytes) {
      return later(() => confirm(brokerError('too-large', `${message.size} bytes is over the broker's limit of ${this.side.maxMessageBytes}`)));
    }
    // The fast path: nothing ahead of it, the destination known, no consumer being set up.
    if (this.waiting === 0 && this.side.settingUp === 0 && this.side.known(kind, name)) return action();
    this.waiting++;
    this.tail = this.tail
      .then(async () => {
        // A consumer registered before this send, in this process, must be there to receive it.
        await this.side.setupsDone();
        const exists = await this.side.exists(kind, name);
        if (!this.isOpen) confirm(closedError);
        else if (!exists) confirm(brokerError('unknown-destination', unknown));
        else action();
      })
      .catch((error: unknown) => confirm(brokerError('unavailable', this.side.describe(error))))
      .finally(() => this.waiting--);
  }

  private startConsumer(
    what: string,
    prepare: (channel: Channel) => Promise<{ queue: string; source: string; prefetch: number; acks: boolean }>,
    listener: DeliveryListener,
  ): Subscription {
    const sub = new ConsumerSubscription();
    if (!this.isOpen) return sub;
    const setup = (async () => {
      const channel = await this.model.createChannel();
      this.watch(channel);
      const { queue, source, prefetch, acks } = await prepare(channel);
      if (acks) await channel.prefetch(Math.max(1, prefetch));
      const live = () => this.isOpen && this.channels.has(channel);
      const { consumerTag } = await channel.consume(
        queue,
        (raw: ConsumeMessage | null) => {
          if (raw === null) return; // cancelled by the broker (queue deleted)
          if (sub.cancelled) {
            if (acks && live()) channel.nack(raw, false, true);
            return;
          }
          const message = decode(raw, (n) => this.unprefix(n));
          listener.delivery(acks ? new RabbitDelivery(message, source, deliveryCount(raw), channel, raw, live) : new Unacked(message, source));
        },
        { noAck: !acks },
      );
      sub.attach(channel, consumerTag);
    })();
    this.side.track(setup);
    setup.catch((error: unknown) => this.fail(`cannot consume from "${what}": ${this.side.describe(error)}`));
    return sub;
  }

  private unprefix(name: string): string {
    return name.startsWith(this.side.prefix) ? name.slice(this.side.prefix.length) : name;
  }

  private watch(channel: Channel): void {
    this.channels.add(channel);
    channel.on('error', () => {}); // 'close' follows
    channel.on('close', () => {
      this.channels.delete(channel);
      // A channel the broker closed (a protocol error) takes the connection with it, as the
      // memory adapter does for a bad request: the client hears why through `closed`.
      if (this.isOpen) this.fail(`channel closed by the broker`);
    });
  }

  private confirmError(error: unknown): BrokerError {
    return brokerError('unavailable', `not confirmed: ${this.side.describe(error)}`);
  }

  /** As AMQP does on a bad request: the connection closes and the client hears why. */
  private fail(reason: string): void {
    later(() => {
      if (!this.isOpen) return;
      this.isOpen = false;
      this.side.gone(this);
      this.model.close().catch(() => {});
      this.events.closed(reason);
    });
  }

  private lost(reason: string): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.side.gone(this);
    later(() => this.events.closed(reason));
  }
}

class ConsumerSubscription implements Subscription {
  cancelled = false;
  private channel: Channel | undefined;
  private tag: string | undefined;

  attach(channel: Channel, tag: string): void {
    this.channel = channel;
    this.tag = tag;
    if (this.cancelled) this.stop();
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.stop();
  }

  /** Unacked deliveries stay on the channel, so they can still be acked (the interface's rule). */
  private stop(): void {
    if (this.channel && this.tag !== undefined) this.channel.cancel(this.tag).catch(() => {});
  }
}

class RabbitDelivery implements Delivery {
  private settled = false;

  constructor(
    readonly message: Message,
    readonly source: string,
    readonly deliveryCount: number,
    private readonly channel: Channel,
    private readonly raw: ConsumeMessage,
    private readonly live: () => boolean,
  ) {}

  ack(): void {
    this.settle(() => this.channel.ack(this.raw));
  }

  nack(requeue = true): void {
    this.settle(() => this.channel.nack(this.raw, false, requeue));
  }

  reject(): void {
    this.settle(() => this.channel.reject(this.raw, false));
  }

  /** Once only (a second ack of a tag is a channel error), and never on a closed channel. */
  private settle(op: () => void): void {
    if (this.settled || !this.live()) return;
    this.settled = true;
    try {
      op();
    } catch {
      // the channel closed in between: the broker requeues the message by itself
    }
  }
}

/** A non-durable subscription's delivery: acked on the way out, nothing to settle. */
class Unacked implements Delivery {
  readonly deliveryCount = 1;
  constructor(
    readonly message: Message,
    readonly source: string,
  ) {}
  ack(): void {}
  nack(): void {}
  reject(): void {}
}
