import type { Clock } from '../../core/clock.js';
import {
  brokerError,
  type AppendOptions,
  type Broker,
  type BrokerError,
  type Confirm,
  type Connection,
  type ConnectionEvents,
  type ConsumeOptions,
  type DeliveryListener,
  type JoinOptions,
  type Message,
  type SendOptions,
  type StreamListener,
  type SubscribeOptions,
  type Subscription,
  type Topology,
} from '../broker.js';
import { brokerProfiles, missingCapability, type BrokerProfile, type Capabilities, type Capability } from '../capabilities.js';
import type { BrokerEvent, BrokerHost, DeadLetterReason } from './host.js';
import { MemoryQueue } from './queue.js';
import { MemoryStream } from './stream.js';
import { MemoryTopic } from './topic.js';

export interface MemoryBrokerOptions {
  /** Offer only what this broker offers (default: everything). */
  profile?: BrokerProfile;
  /** The broker's own processing time per operation. */
  latencyMs?: number;
  maxMessageBytes?: number;
}

export interface BrokerStats {
  queues: { name: string; ready: number; unacked: number; deadLetter: boolean }[];
  streams: { name: string; partitions: number; groups: { group: string; lag: number[] }[] }[];
}

const noSubscription: Subscription = { cancel() {} };

/**
 * The in-memory adapter: a whole broker inside the simulator, driven by its clock. Beyond
 * the Broker interface it lets the simulation switch it off (`setAvailable`), observe it
 * (`observe`), and ask what it still holds (`holding`, `stats`) — things a real broker
 * answers, if at all, only through its management API.
 */
export class MemoryBroker implements Broker {
  readonly adapter = 'memory';
  readonly capabilities: Capabilities;
  readonly profile: BrokerProfile;
  private readonly host: BrokerHost;
  private readonly queues = new Map<string, MemoryQueue>();
  private readonly topics = new Map<string, MemoryTopic>();
  private readonly streams = new Map<string, MemoryStream>();
  private readonly connections = new Set<MemoryConnection>();
  private listeners: ((event: BrokerEvent) => void)[] = [];
  private up = true;
  private readonly deadLetterTargets = new Set<string>();
  private readonly scratch = { depth: 0, inFlight: 0, deadLettered: 0, lag: 0 };

  constructor(clock: Pick<Clock, 'now' | 'setTimer'>, options: MemoryBrokerOptions = {}) {
    this.profile = options.profile ?? brokerProfiles.memory;
    const base = this.profile.capabilities;
    this.capabilities = { ...base, maxMessageBytes: options.maxMessageBytes ?? base.maxMessageBytes };
    this.host = {
      clock,
      latencyMs: options.latencyMs ?? 0,
      capabilities: this.capabilities,
      emit: (event) => {
        for (const l of this.listeners) l(event);
      },
      deadLetter: (to, message, from, reason) => this.deadLetter(to, message, from, reason),
    };
  }

  get available(): boolean {
    return this.up;
  }

  declare(topology: Topology, done: (error?: BrokerError) => void): void {
    const error = this.checkTopology(topology);
    if (!error) {
      for (const [name, options] of Object.entries(topology.queues ?? {})) {
        if (!this.queues.has(name)) this.queues.set(name, new MemoryQueue(name, options, this.host));
        if (options.deadLetter) this.deadLetterTargets.add(options.deadLetter.queue);
      }
      for (const name of topology.topics ?? []) if (!this.topics.has(name)) this.topics.set(name, new MemoryTopic(name, this.host));
      for (const [name, options] of Object.entries(topology.streams ?? {})) {
        if (!this.streams.has(name)) this.streams.set(name, new MemoryStream(name, options.partitions, this.host));
      }
    }
    this.later(() => done(error));
  }

  connect(client: string, events: ConnectionEvents, done: (error: BrokerError | undefined, connection?: Connection) => void): void {
    if (!this.up) {
      this.later(() => done(brokerError('unavailable', 'the broker is unavailable')));
      return;
    }
    const connection = new MemoryConnection(this, client, events);
    this.connections.add(connection);
    this.later(() => (connection.open ? done(undefined, connection) : done(brokerError('unavailable', 'the broker went away while connecting'))));
  }

  /** The broker goes away (every connection is closed, as a restart would) or comes back. */
  setAvailable(up: boolean, reason = up ? 'broker back' : 'broker unavailable'): void {
    if (up === this.up) return;
    this.up = up;
    if (up) return;
    for (const c of [...this.connections]) {
      this.release(c, 'graceful');
      c.events.closed(reason);
    }
  }

  observe(listener: (event: BrokerEvent) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  stats(): BrokerStats {
    const queues = [...this.queues.values()].map((q) => ({ name: q.name, ready: q.depth, unacked: q.unackedCount, deadLetter: this.deadLetterTargets.has(q.name) }));
    for (const t of this.topics.values()) {
      for (const q of t.durableQueues()) queues.push({ name: q.name, ready: q.depth, unacked: q.unackedCount, deadLetter: false });
    }
    const streams = [...this.streams.values()].map((s) => ({
      name: s.name,
      partitions: s.partitions,
      groups: [...s.consumerGroups()].map((g) => ({ group: g.group, lag: g.lag() })),
    }));
    return { queues, streams };
  }

  /** What the broker holds right now, summed without allocating (called on every event). */
  totals(): { depth: number; inFlight: number; deadLettered: number; lag: number } {
    const t = this.scratch;
    t.depth = t.inFlight = t.deadLettered = t.lag = 0;
    for (const q of this.queues.values()) {
      if (this.deadLetterTargets.has(q.name)) t.deadLettered += q.depth + q.unackedCount;
      else {
        t.depth += q.depth;
        t.inFlight += q.unackedCount;
      }
    }
    for (const topic of this.topics.values()) {
      for (const q of topic.durableQueues()) {
        t.depth += q.depth;
        t.inFlight += q.unackedCount;
      }
    }
    for (const stream of this.streams.values()) for (const g of stream.consumerGroups()) t.lag = Math.max(t.lag, g.maxLag());
    return t;
  }

  /** Every copy the broker still holds, with the group it is for. */
  *holding(): IterableIterator<{ id: string; group?: string }> {
    for (const q of this.queues.values()) for (const id of q.holding()) yield { id, group: q.name };
    for (const t of this.topics.values()) yield* t.holding();
    for (const s of this.streams.values()) yield* s.holding();
  }

  // ---- used by MemoryConnection ------------------------------------------------------

  later(fn: () => void): void {
    this.host.clock.setTimer(this.host.latencyMs, fn);
  }

  publish(topic: string, message: Message, confirm: Confirm): void {
    const t = this.topics.get(topic);
    const error = this.refuse(message, 'pub-sub', t ? undefined : `no topic "${topic}"`);
    if (error || !t) return this.refused(message, topic, error, confirm);
    const groups = t.publish(message);
    this.host.emit({ type: 'accepted', id: message.id, destination: topic, groups });
    this.later(() => confirm());
  }

  send(queue: string, message: Message, options: SendOptions, confirm: Confirm): void {
    const q = this.queues.get(queue);
    const error =
      this.refuse(message, 'queues', q ? undefined : `no queue "${queue}"`) ??
      this.unsupported(options.priority !== undefined ? 'priorities' : undefined) ??
      this.unsupported(options.delayMs ? 'delayed-delivery' : undefined) ??
      this.unsupported(options.ttlMs !== undefined ? 'message-ttl' : undefined);
    if (error || !q) return this.refused(message, queue, error, confirm);
    q.enqueue(message, options);
    this.host.emit({ type: 'accepted', id: message.id, destination: queue, groups: [queue] });
    this.later(() => confirm());
  }

  append(stream: string, message: Message, options: AppendOptions, confirm: (error?: BrokerError, at?: { partition: number; offset: number }) => void): void {
    const s = this.streams.get(stream);
    const error = this.refuse(message, 'partitions', s ? undefined : `no stream "${stream}"`);
    if (error || !s) return this.refused(message, stream, error, confirm);
    const at = s.append(message, options.partition);
    this.host.emit({ type: 'accepted', id: message.id, destination: stream, groups: [...s.consumerGroups()].map((g) => g.group) });
    this.later(() => confirm(undefined, at));
  }

  consume(connection: MemoryConnection, queue: string, options: ConsumeOptions, listener: DeliveryListener): Subscription {
    const q = this.queues.get(queue);
    const problem = this.unsupported('queues')?.detail ?? (q ? undefined : `no queue "${queue}"`);
    if (problem || !q) return this.fail(connection, problem!);
    return q.consume(connection, options.prefetch, listener);
  }

  subscribe(connection: MemoryConnection, topic: string, options: SubscribeOptions, listener: DeliveryListener): Subscription {
    const t = this.topics.get(topic);
    const problem =
      this.unsupported('pub-sub')?.detail ?? this.unsupported(options.durable ? 'durable-subscriptions' : undefined)?.detail ?? (t ? undefined : `no topic "${topic}"`);
    if (problem || !t) return this.fail(connection, problem!);
    return t.subscribe(connection, options, listener);
  }

  join(connection: MemoryConnection, stream: string, options: JoinOptions, listener: StreamListener): Subscription {
    const s = this.streams.get(stream);
    const problem = this.unsupported('partitions')?.detail ?? (s ? undefined : `no stream "${stream}"`);
    if (problem || !s) return this.fail(connection, problem!);
    return s.join(connection, options.group, options.sessionTimeoutMs, listener);
  }

  private refused(message: Message, destination: string, error: BrokerError | undefined, confirm: (error?: BrokerError) => void): void {
    this.host.emit({ type: 'refused', id: message.id, destination, code: error?.code ?? 'unknown-destination' });
    this.later(() => confirm(error));
  }

  /** The client closed its connection. */
  closed(connection: MemoryConnection, how: 'graceful' | 'abrupt'): void {
    this.release(connection, how);
  }

  private release(connection: MemoryConnection, how: 'graceful' | 'abrupt'): void {
    if (!this.connections.delete(connection)) return;
    connection.markClosed();
    for (const q of this.queues.values()) q.connectionClosed(connection);
    for (const t of this.topics.values()) t.connectionClosed(connection);
    for (const s of this.streams.values()) s.connectionClosed(connection, how === 'abrupt');
  }

  /** As AMQP closes a channel on a bad request: the client hears why through `closed`. */
  private fail(connection: MemoryConnection, reason: string): Subscription {
    this.later(() => {
      if (!connection.open) return;
      this.release(connection, 'graceful');
      connection.events.closed(reason);
    });
    return noSubscription;
  }

  private deadLetter(to: string, message: Message, from: string, reason: DeadLetterReason): boolean {
    const q = this.queues.get(to);
    if (!q) return false;
    q.enqueue({ ...message, headers: { ...message.headers, 'x-dead-letter-from': from, 'x-dead-letter-reason': reason } });
    return true;
  }

  private refuse(message: Message, capability: Capability, unknown: string | undefined): BrokerError | undefined {
    if (!this.up) return brokerError('unavailable', 'the broker is unavailable');
    const missing = this.unsupported(capability);
    if (missing) return missing;
    if (unknown) return brokerError('unknown-destination', unknown);
    if (message.size > this.capabilities.maxMessageBytes) {
      return brokerError('too-large', `${message.size} bytes is over the broker's limit of ${this.capabilities.maxMessageBytes}`);
    }
    return undefined;
  }

  private unsupported(capability: Capability | undefined): BrokerError | undefined {
    if (capability === undefined) return undefined;
    const why = missingCapability(this.capabilities, capability);
    return why === undefined ? undefined : brokerError('unsupported', `${capability}: ${why}`);
  }

  private checkTopology(topology: Topology): BrokerError | undefined {
    const queues = Object.entries(topology.queues ?? {});
    const needs: (Capability | undefined)[] = [
      queues.length > 0 ? 'queues' : undefined,
      (topology.topics ?? []).length > 0 ? 'pub-sub' : undefined,
      Object.keys(topology.streams ?? {}).length > 0 ? 'partitions' : undefined,
    ];
    for (const [, o] of queues) {
      needs.push(
        o.maxPriority !== undefined ? 'priorities' : undefined,
        o.deadLetter ? 'dead-letter' : undefined,
        o.deadLetter?.afterDeliveries !== undefined ? 'delivery-limit' : undefined,
        o.ackTimeoutMs !== undefined ? 'ack-timeout' : undefined,
        o.messageTtlMs !== undefined ? 'message-ttl' : undefined,
      );
    }
    for (const need of needs) {
      const error = this.unsupported(need);
      if (error) return error;
    }
    for (const [name, o] of queues) {
      const to = o.deadLetter?.queue;
      if (to !== undefined && !Object.hasOwn(topology.queues ?? {}, to) && !this.queues.has(to)) {
        return brokerError('unknown-destination', `queue "${name}" dead-letters to "${to}", which is not declared`);
      }
    }
    return undefined;
  }
}

/** One client's connection to a MemoryBroker. */
export class MemoryConnection implements Connection {
  private isOpen = true;

  constructor(
    private readonly broker: MemoryBroker,
    readonly client: string,
    readonly events: ConnectionEvents,
  ) {}

  get open(): boolean {
    return this.isOpen;
  }

  markClosed(): void {
    this.isOpen = false;
  }

  publish(topic: string, message: Message, confirm: Confirm): void {
    if (!this.isOpen) return this.broker.later(() => confirm(closedError));
    this.broker.publish(topic, message, confirm);
  }

  send(queue: string, message: Message, options: SendOptions, confirm: Confirm): void {
    if (!this.isOpen) return this.broker.later(() => confirm(closedError));
    this.broker.send(queue, message, options, confirm);
  }

  append(stream: string, message: Message, options: AppendOptions, confirm: (error?: BrokerError, at?: { partition: number; offset: number }) => void): void {
    if (!this.isOpen) return this.broker.later(() => confirm(closedError));
    this.broker.append(stream, message, options, confirm);
  }

  consume(queue: string, options: ConsumeOptions, listener: DeliveryListener): Subscription {
    return this.isOpen ? this.broker.consume(this, queue, options, listener) : noSubscription;
  }

  subscribe(topic: string, options: SubscribeOptions, listener: DeliveryListener): Subscription {
    return this.isOpen ? this.broker.subscribe(this, topic, options, listener) : noSubscription;
  }

  join(stream: string, options: JoinOptions, listener: StreamListener): Subscription {
    return this.isOpen ? this.broker.join(this, stream, options, listener) : noSubscription;
  }

  close(how: 'graceful' | 'abrupt' = 'graceful'): void {
    if (this.isOpen) this.broker.closed(this, how);
  }
}

const closedError = brokerError('unavailable', 'the connection is closed');
