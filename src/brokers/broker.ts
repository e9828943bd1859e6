/**
 * The Broker interface: what the messaging patterns need from a message broker, in terms
 * that the in-memory adapter (simulation) and the Redis (ioredis), RabbitMQ (amqplib) and
 * Kafka (kafkajs) adapters can each honestly implement. Where real brokers differ, the
 * difference is a declared capability (see capabilities.ts), never a silent emulation.
 * docs/brokers.md states the guarantees and, as importantly, the non-guarantees.
 *
 * Every operation takes callbacks and returns at once. Promise continuations run outside
 * the simulated clock, so the simulator could not order them among its own events; with
 * callbacks the memory adapter runs entirely inside the kernel's event loop, and a real
 * adapter calls them from its client library's promise handlers. Callbacks are never
 * called synchronously from inside the call that registers them.
 */
import type { Json } from '../core/trace.js';
import type { Capabilities } from './capabilities.js';

/** One message. Payloads are opaque to the broker: only their size counts. */
export interface Message {
  /**
   * Chosen by the producer and kept across retries, redeliveries and republishes: the
   * idempotency key consumers deduplicate on. Brokers never invent or change it.
   */
  readonly id: string;
  /** Partition key for streams (same key → same partition → kept in order). */
  readonly key?: string | undefined;
  /** Application headers: request tags, sequence numbers, claim-check references. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Json | undefined;
  /** Size in bytes, as the broker's size limit sees it. */
  readonly size: number;
  /** When the producer created it (ms on the run's clock). */
  readonly timestamp: number;
}

export type BrokerErrorCode =
  /** the broker cannot be reached, or the connection was lost */
  | 'unavailable'
  /** larger than the broker accepts (see Capabilities.maxMessageBytes) */
  | 'too-large'
  /** the operation needs a capability this broker does not declare */
  | 'unsupported'
  /** no such queue, topic or stream has been declared */
  | 'unknown-destination';

export interface BrokerError {
  readonly code: BrokerErrorCode;
  readonly detail: string;
}

/** A publisher confirm: no error means the broker has the message (and will not lose it while it lives). */
export type Confirm = (error?: BrokerError) => void;

export interface QueueOptions {
  /** Highest priority the queue honours (`priorities`); without it priorities are ignored. */
  maxPriority?: number | undefined;
  /** Where rejected, expired or over-delivered messages go (`dead-letter`). */
  deadLetter?: { queue: string; afterDeliveries?: number | undefined } | undefined;
  /** A delivery not acked this long after it was handed out goes back to the queue (`ack-timeout`). */
  ackTimeoutMs?: number | undefined;
  /** Messages older than this are expired: dead-lettered if the queue has a dead-letter queue, else dropped (`message-ttl`). */
  messageTtlMs?: number | undefined;
}

export interface StreamOptions {
  partitions: number;
}

/** What a broker should hold; declaring is idempotent, as assertQueue and createTopics are. */
export interface Topology {
  queues?: Record<string, QueueOptions>;
  topics?: readonly string[];
  streams?: Record<string, StreamOptions>;
}

export interface SendOptions {
  /** 0 is lowest (`priorities`). */
  priority?: number | undefined;
  /** Hold the message back this long before it can be delivered (`delayed-delivery`). */
  delayMs?: number | undefined;
  /** Expire the message after this long (`message-ttl`). */
  ttlMs?: number | undefined;
}

export interface AppendOptions {
  /** Explicit partition; otherwise the message key is hashed, and a keyless message goes round-robin. */
  partition?: number | undefined;
}

/** A message handed to a consumer of a queue or a topic subscription. */
export interface Delivery {
  readonly message: Message;
  /** The queue it came from (a durable subscription's own queue, for topics). */
  readonly source: string;
  /** 1 on the first delivery (`delivery-count`; brokers without it report 1, or 2 when they only know it was redelivered). */
  readonly deliveryCount: number;
  /** Done with it: it is never delivered again. Acks of a closed connection are ignored. */
  ack(): void;
  /** Give it back for another attempt (requeue = true, the default), or refuse it (false: same as reject). */
  nack(requeue?: boolean): void;
  /** Refuse it: dead-lettered if the queue has a dead-letter queue, else dropped. */
  reject(): void;
}

/** A record handed to a member of a stream's consumer group. */
export interface StreamRecord {
  readonly message: Message;
  readonly stream: string;
  readonly partition: number;
  readonly offset: number;
  /**
   * Processed: commits offset + 1 for the group, and the partition's next record follows.
   * A commit after the partition was revoked (rebalance) is ignored, so the record is
   * read again by the new owner: at-least-once, never skipped.
   */
  commit(): void;
}

export interface DeliveryListener {
  delivery(delivery: Delivery): void;
}

export interface StreamListener {
  record(record: StreamRecord): void;
  /** The group handed these partitions to this member. */
  assigned(partitions: readonly number[]): void;
  /** Taken away (a member joined or left): in-flight records of these partitions will not commit. */
  revoked(partitions: readonly number[]): void;
}

export interface ConsumeOptions {
  /** Unacked deliveries this consumer may hold at once (`prefetch`). */
  prefetch: number;
}

export interface SubscribeOptions {
  /** The subscription's name: who it is for (a durable one is found again by it). */
  name: string;
  /**
   * Durable (`durable-subscriptions`): messages published while the subscriber is away are
   * kept and must be acked. Not durable: at-most-once to whoever is connected right now.
   */
  durable: boolean;
  prefetch: number;
}

export interface JoinOptions {
  group: string;
  /** How long the group waits for a member that vanished without leaving before rebalancing. */
  sessionTimeoutMs: number;
}

export interface Subscription {
  /** Stop receiving. Unacked deliveries stay with the connection until acked or the connection closes. */
  cancel(): void;
}

export interface ConnectionEvents {
  /** The broker closed the connection (it went away, or timed the client out). Not called for close(). */
  closed(reason: string): void;
}

/**
 * A client's connection. Subscriptions live and die with it: when it closes, unacked
 * deliveries go back to their queues, non-durable subscriptions end, and stream
 * memberships end (at once when closed gracefully, after the session timeout when not).
 */
export interface Connection {
  /** To a topic: a copy for each subscription (`pub-sub`). */
  publish(topic: string, message: Message, confirm: Confirm): void;
  /** To a queue: exactly one of its consumers gets it (`queues`). */
  send(queue: string, message: Message, options: SendOptions, confirm: Confirm): void;
  /** To a stream (`partitions`); the confirm says where it landed. */
  append(stream: string, message: Message, options: AppendOptions, confirm: (error?: BrokerError, at?: { partition: number; offset: number }) => void): void;
  consume(queue: string, options: ConsumeOptions, listener: DeliveryListener): Subscription;
  subscribe(topic: string, options: SubscribeOptions, listener: DeliveryListener): Subscription;
  join(stream: string, options: JoinOptions, listener: StreamListener): Subscription;
  /** `graceful` leaves groups at once; `abrupt` is a crash: the broker only notices the connection is gone. */
  close(how?: 'graceful' | 'abrupt'): void;
  readonly open: boolean;
}

export interface Broker {
  /** `memory`, `redis`, `rabbitmq`, `kafka`. */
  readonly adapter: string;
  readonly capabilities: Capabilities;
  declare(topology: Topology, done: (error?: BrokerError) => void): void;
  connect(client: string, events: ConnectionEvents, done: (error: BrokerError | undefined, connection?: Connection) => void): void;
}

export function brokerError(code: BrokerErrorCode, detail: string): BrokerError {
  return Object.freeze({ code, detail });
}
