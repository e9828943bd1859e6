/**
 * One client's connection to Kafka: its own kafkajs client (and sockets), a producer with
 * one request in flight (so a connection's records keep their order), and a consumer-group
 * member per subscription or stream membership.
 */
import type { Producer } from 'kafkajs';
import { randomBytes } from 'node:crypto';
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
  type StreamRecord,
  type SubscribeOptions,
  type Subscription,
} from '../broker.js';
import { brokerProfiles, missingCapability } from '../capabilities.js';
import { streamGroup, subscriptionGroup } from '../groups.js';
import type { KafkaClient } from './client.js';
import { decode, encode } from './codec.js';
import { GroupMember, MIN_SESSION_TIMEOUT_MS, type GroupRecord } from './group.js';

/** What a connection needs from the broker object that made it. */
export interface KafkaSide {
  readonly prefix: string;
  readonly maxMessageBytes: number;
  known(topic: string): boolean;
  exists(topic: string): Promise<boolean>;
  /** Subscriptions and memberships of this process still joining their group. */
  readonly settingUp: number;
  setupsDone(): Promise<void>;
  track(setup: Promise<unknown>): void;
  /** A group this process used: dispose() deletes it. */
  usedGroup(groupId: string): void;
  /** Commits the topic's end for a group that has no committed offsets yet. */
  startAtEnd(groupId: string, topic: string): Promise<void>;
  gone(connection: KafkaConnection): void;
  describe(error: unknown): string;
}

const later = (fn: () => void): void => void setImmediate(fn);
const kafkaCapabilities = brokerProfiles.kafka.capabilities;
const closedError = brokerError('unavailable', 'the connection is closed');
const unsupported = (c: 'queues' | 'prefetch') => brokerError('unsupported', `${c}: ${missingCapability(kafkaCapabilities, c)}`);

export class KafkaConnection implements Connection {
  private isOpen = true;
  private waiting = 0;
  private tail: Promise<void> = Promise.resolve();
  private readonly members = new Set<GroupMember>();

  constructor(
    private readonly client: KafkaClient,
    private readonly producer: Producer,
    private readonly side: KafkaSide,
    readonly name: string,
    private readonly events: ConnectionEvents,
  ) {}

  get open(): boolean {
    return this.isOpen;
  }

  publish(topic: string, message: Message, confirm: Confirm): void {
    this.produce(topic, `no topic "${topic}"`, message, undefined, (error) => confirm(error));
  }

  send(_queue: string, _message: Message, _options: SendOptions, confirm: Confirm): void {
    later(() => confirm(unsupported('queues')));
  }

  append(stream: string, message: Message, options: AppendOptions, confirm: (error?: BrokerError, at?: { partition: number; offset: number }) => void): void {
    this.produce(stream, `no stream "${stream}"`, message, options.partition, confirm);
  }

  consume(queue: string, _options: ConsumeOptions, _listener: DeliveryListener): Subscription {
    this.fail(`${unsupported('queues').detail} (consume "${queue}")`);
    return { cancel() {} };
  }

  subscribe(topic: string, options: SubscribeOptions, listener: DeliveryListener): Subscription {
    const full = this.side.prefix + topic;
    const group = subscriptionGroup(topic, options.name);
    const source = options.durable ? group : topic;
    // A non-durable subscription is a group of its own, starting at the end, never committing.
    const groupId = this.side.prefix + (options.durable ? group : `${group}.${randomBytes(4).toString('hex')}`);
    return this.member(topic, full, groupId, MIN_SESSION_TIMEOUT_MS, 'end', (member) => ({
      handle: options.durable ? (r) => this.deliverUntilSettled(member(), r, source, listener) : async (r) => listener.delivery(new Unacked(decode(r.message), source)),
    }));
  }

  join(stream: string, options: JoinOptions, listener: StreamListener): Subscription {
    const full = this.side.prefix + stream;
    const groupId = this.side.prefix + streamGroup(stream, options.group);
    return this.member(stream, full, groupId, options.sessionTimeoutMs, 'beginning', (member) => ({
      handle: (r) =>
        new Promise<void>((resolve) => {
          const record: StreamRecord = {
            message: decode(r.message),
            stream,
            partition: r.partition,
            offset: r.offset,
            commit: () => {
              member().commit(r);
              resolve();
            },
          };
          listener.record(record);
        }),
      assignment: (assigned, revoked) => {
        if (revoked.length > 0) listener.revoked(revoked);
        if (assigned.length > 0) listener.assigned(assigned);
      },
    }));
  }

  close(how: 'graceful' | 'abrupt' = 'graceful'): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.side.gone(this);
    void this.stopAll(how);
  }

  /** Closes and waits for the group members to leave (used by dispose()). */
  async shutdown(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    await this.stopAll('graceful');
  }

  private async stopAll(how: 'graceful' | 'abrupt'): Promise<void> {
    if (how === 'abrupt') this.client.kill(); // a crash: the broker only sees the sockets go
    await Promise.all([...this.members].map((m) => m.stop(how)));
    this.members.clear();
    await this.producer.disconnect().catch(() => {});
  }

  private produce(name: string, unknown: string, message: Message, partition: number | undefined, confirm: (error?: BrokerError, at?: { partition: number; offset: number }) => void): void {
    if (!this.isOpen) return later(() => confirm(closedError));
    if (message.size > this.side.maxMessageBytes) {
      return later(() => confirm(brokerError('too-large', `${message.size} bytes is over the broker's limit of ${this.side.maxMessageBytes}`)));
    }
    const topic = this.side.prefix + name;
    const send = () =>
      this.producer.send({ topic, acks: -1, messages: [encode(message, partition)] }).then(
        ([meta]) => confirm(undefined, { partition: meta?.partition ?? 0, offset: Number(meta?.baseOffset ?? -1) }),
        (error: unknown) => confirm(brokerError('unavailable', `not confirmed: ${this.side.describe(error)}`)),
      );
    if (this.waiting === 0 && this.side.settingUp === 0 && this.side.known(topic)) {
      void send();
      return;
    }
    this.waiting++;
    this.tail = this.tail
      .then(async () => {
        await this.side.setupsDone();
        const exists = await this.side.exists(topic);
        if (!this.isOpen) confirm(closedError);
        else if (!exists) confirm(brokerError('unknown-destination', unknown));
        else void send();
      })
      .catch((error: unknown) => confirm(brokerError('unavailable', this.side.describe(error))))
      .finally(() => this.waiting--);
  }

  private member(
    name: string,
    topic: string,
    groupId: string,
    sessionTimeoutMs: number,
    /**
     * Where a group without committed offsets starts: a stream group at the oldest record; a
     * subscription where the topic ends when it subscribes, committed before it joins, so
     * nothing published after its set-up is missed while the group forms.
     */
    start: 'beginning' | 'end',
    make: (member: () => GroupMember) => { handle(r: GroupRecord): Promise<void>; assignment?(a: readonly number[], r: readonly number[]): void },
  ): Subscription {
    if (!this.isOpen) return { cancel() {} };
    let self: GroupMember | undefined;
    const parts = make(() => self!);
    const member = new GroupMember({
      kafka: this.client.kafka,
      topic,
      groupId,
      sessionTimeoutMs,
      fromBeginning: start === 'beginning',
      handle: parts.handle,
      ...(parts.assignment ? { assignment: parts.assignment } : {}),
      crashed: (reason) => this.lost(reason),
    });
    self = member;
    this.members.add(member);
    this.side.usedGroup(groupId);
    const setup = (async () => {
      if (!(await this.side.exists(topic))) throw new Error(`no topic or stream "${name}"`);
      if (start === 'end') await this.side.startAtEnd(groupId, topic);
      await member.start();
    })();
    this.side.track(setup);
    setup.catch((error: unknown) => this.fail(`cannot read "${name}": ${this.side.describe(error)}`));
    return {
      cancel: () => {
        if (this.members.delete(member)) void member.stop('graceful');
      },
    };
  }

  /**
   * A durable subscription's delivery: Kafka has no per-message ack, so the partition waits
   * for it. ack or reject commits past it (no dead-letter queue: a rejected message is
   * dropped); nack with requeue hands the same record over again, as a redelivery.
   */
  private async deliverUntilSettled(member: GroupMember, r: GroupRecord, source: string, listener: DeliveryListener): Promise<void> {
    const message = decode(r.message);
    for (let count = 1; ; count = 2) {
      const outcome = await new Promise<'done' | 'again'>((resolve) => listener.delivery(new KafkaDelivery(message, source, count, resolve, () => this.isOpen)));
      if (outcome === 'done') return member.commit(r);
    }
  }

  private fail(reason: string): void {
    later(() => {
      if (!this.isOpen) return;
      this.isOpen = false;
      this.side.gone(this);
      void this.stopAll('graceful');
      this.events.closed(reason);
    });
  }

  private lost(reason: string): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.side.gone(this);
    void this.stopAll('graceful');
    later(() => this.events.closed(this.side.describe(reason)));
  }
}

class KafkaDelivery implements Delivery {
  private settled = false;

  constructor(
    readonly message: Message,
    readonly source: string,
    /** Kafka does not count deliveries: 1, or 2 for a record handed over again after a nack. */
    readonly deliveryCount: number,
    private readonly done: (outcome: 'done' | 'again') => void,
    private readonly live: () => boolean,
  ) {}

  ack(): void {
    this.settle('done');
  }

  nack(requeue = true): void {
    this.settle(requeue ? 'again' : 'done');
  }

  reject(): void {
    this.settle('done');
  }

  private settle(outcome: 'done' | 'again'): void {
    if (this.settled || !this.live()) return;
    this.settled = true;
    later(() => this.done(outcome));
  }
}

/** A non-durable subscription's delivery: at most once, nothing to settle. */
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
