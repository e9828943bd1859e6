/**
 * One client's connection to Redis: a command client (sends, publishes, appends, acks,
 * claims, stream group bookkeeping), a subscriber client (pub/sub needs a connection of its
 * own, see live-topics.ts), and one blocking client per queue consumer. A heartbeat key says the connection is alive; when it expires, other
 * consumers take over what this connection held (Redis itself never gives pending entries
 * back). Losing any of its clients loses the connection: `closed(reason)` once, and every
 * operation still in flight fails with `unavailable`.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  brokerError,
  type AppendOptions,
  type BrokerError,
  type Confirm,
  type Connection,
  type ConnectionEvents,
  type ConsumeOptions,
  type DeliveryListener,
  type JoinOptions,
  type Message,
  type QueueOptions,
  type SendOptions,
  type StreamListener,
  type SubscribeOptions,
  type Subscription,
} from '../broker.js';
import { missingCapability, type Capabilities, type Capability } from '../capabilities.js';
import { partitionForKey } from '../partitioner.js';
import { commandError, connectClient, describe } from './client.js';
import { GROUP, durableQueueName, encodeMessage, type RedisKeys } from './keys.js';
import { LiveTopics, PUBLISH } from './live-topics.js';
import { StreamConsumer, type ConsumerHost } from './stream-consumer.js';
import { StreamMember } from './stream-member.js';

/** What the connection needs from its broker. */
export interface ConnectionSettings {
  readonly url: string;
  readonly keys: RedisKeys;
  readonly capabilities: Capabilities;
  readonly connectTimeoutMs: number;
  /** How long a connection's heartbeat lives: a dead consumer's entries move after this. */
  readonly sessionTimeoutMs: number;
  readonly clientName: string;
}

const noSubscription: Subscription = { cancel() {} };

export class RedisConnection implements Connection, ConsumerHost {
  readonly consumer: string;
  private state: 'open' | 'closing' | 'closed' = 'open';
  private readonly consumers = new Set<StreamConsumer>();
  private readonly members = new Set<StreamMember>();
  private readonly streamPartitions = new Map<string, number>();
  private joined = 0;
  /** Round robin for keyless appends. */
  private turn = 0;
  private readonly extra = new Set<Redis>();
  private readonly topics: LiveTopics;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastError = '';
  /** A reader made with the connection, so a first consumer starts reading at once. */
  private spareReader: Redis | undefined;

  private constructor(
    private readonly settings: ConnectionSettings,
    readonly cmd: Redis,
    private readonly sub: Redis,
    private readonly events: ConnectionEvents,
    private readonly onGone: (c: RedisConnection) => void,
    client: string,
  ) {
    this.consumer = `${client}.${randomBytes(4).toString('hex')}`;
    for (const c of [cmd, sub]) this.watch(c);
    this.topics = new LiveTopics(sub, (reason) => this.lost(reason));
  }

  static async open(settings: ConnectionSettings, client: string, events: ConnectionEvents, onGone: (c: RedisConnection) => void): Promise<RedisConnection> {
    const options = { connectTimeoutMs: settings.connectTimeoutMs, name: `${settings.clientName}.${client}` };
    const opened = await Promise.allSettled([0, 1, 2].map(() => connectClient(settings.url, options)));
    const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    const [cmd, sub, reader] = opened.map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    if (failed || !cmd || !sub || !reader) {
      for (const c of [cmd, sub, reader]) c?.disconnect();
      throw failed?.reason as Error;
    }
    const connection = new RedisConnection(settings, cmd, sub, events, onGone, client);
    connection.spareReader = reader;
    connection.extra.add(reader);
    connection.watch(reader);
    await connection.beat();
    connection.heartbeat = setInterval(() => void connection.beat().catch(() => {}), Math.max(10, Math.floor(settings.sessionTimeoutMs / 3)));
    return connection;
  }

  get open(): boolean {
    return this.state === 'open';
  }

  get keys(): RedisKeys {
    return this.settings.keys;
  }

  // ---- ConsumerHost ------------------------------------------------------------------

  async blockingClient(): Promise<Redis> {
    const spare = this.spareReader;
    this.spareReader = undefined;
    if (spare) return spare;
    const client = await connectClient(this.settings.url, { connectTimeoutMs: this.settings.connectTimeoutMs, name: `${this.consumer}.reader` });
    if (!this.open) {
      client.disconnect();
      throw new Error('the connection is closed');
    }
    this.extra.add(client);
    this.watch(client);
    return client;
  }

  release(client: Redis): void {
    this.extra.delete(client);
    void client.quit().catch(() => client.disconnect());
  }

  lost(reason: string): void {
    if (this.state !== 'open') return;
    this.shutDown();
    this.events.closed(reason);
  }

  // ---- Connection --------------------------------------------------------------------

  publish(topic: string, message: Message, confirm: Confirm): void {
    const refused = this.refuse(message, 'pub-sub');
    if (refused) return later(() => confirm(refused));
    const keys = this.keys;
    PUBLISH.run(this.cmd, [keys.topology, keys.subscriptions(topic)], [`topic:${topic}`, keys.durableBase(topic), keys.channel(topic), encodeMessage(message)]).then(
        (n) => confirm(n === -1 ? brokerError('unknown-destination', `no topic "${topic}"`) : undefined),
        (e: unknown) => confirm(this.failure(e)),
      );
  }

  send(queue: string, message: Message, options: SendOptions, confirm: Confirm): void {
    const refused =
      this.refuse(message, 'queues') ??
      this.unsupported(options.priority !== undefined ? 'priorities' : undefined) ??
      this.unsupported(options.delayMs ? 'delayed-delivery' : undefined) ??
      this.unsupported(options.ttlMs !== undefined ? 'message-ttl' : undefined);
    if (refused) return later(() => confirm(refused));
    // NOMKSTREAM: only a declared queue (a stream with its group) takes messages.
    this.cmd.call('XADD', this.keys.queue(queue), 'NOMKSTREAM', '*', 'm', encodeMessage(message)).then(
      (id) => confirm(id === null ? brokerError('unknown-destination', `no queue "${queue}"`) : undefined),
      (e: unknown) => confirm(this.failure(e)),
    );
  }

  append(stream: string, message: Message, options: AppendOptions, confirm: (error?: BrokerError, at?: { partition: number; offset: number }) => void): void {
    const refused = this.refuse(message, 'partitions');
    if (refused) return later(() => confirm(refused));
    this.partitionsOf(stream)
      .then(async (n) => {
        if (n === undefined) return confirm(brokerError('unknown-destination', `no stream "${stream}"`));
        const p =
          options.partition !== undefined
            ? Math.max(0, Math.min(n - 1, options.partition))
            : message.key !== undefined
              ? partitionForKey(message.key, n)
              : this.turn++ % n;
        // `0-*`: Redis numbers the entries 0-1, 0-2…, which makes offsets plain counters.
        const id = (await this.cmd.call('XADD', this.keys.partition(stream, p), '0-*', 'm', encodeMessage(message))) as string;
        confirm(undefined, { partition: p, offset: Number(id.split('-')[1]) - 1 });
      })
      .catch((e: unknown) => confirm(this.failure(e)));
  }

  consume(queue: string, options: ConsumeOptions, listener: DeliveryListener): Subscription {
    if (!this.open) return noSubscription;
    const problem = this.unsupported('queues');
    if (problem) return this.fail(problem.detail);
    return this.startConsumer(queue, options.prefetch, listener, async () => {
      const raw = (await this.cmd.hget(this.keys.topology, `queue:${queue}`)) as string | null;
      return raw === null ? undefined : (JSON.parse(raw) as QueueOptions);
    });
  }

  subscribe(topic: string, options: SubscribeOptions, listener: DeliveryListener): Subscription {
    if (!this.open) return noSubscription;
    const problem = this.unsupported('pub-sub') ?? this.unsupported(options.durable ? 'durable-subscriptions' : undefined);
    if (problem) return this.fail(problem.detail);
    const declared = async () => (await this.cmd.hexists(this.keys.topology, `topic:${topic}`)) === 1;
    if (options.durable) {
      const name = durableQueueName(topic, options.name);
      return this.startConsumer(name, options.prefetch, listener, async () => {
        if (!(await declared())) return undefined;
        // Bound from its first subscribe on: the group first, then the set the publish script reads.
        await this.cmd.call('XGROUP', 'CREATE', this.keys.queue(name), GROUP, '0', 'MKSTREAM').catch(ignoreBusyGroup);
        await this.cmd.sadd(this.keys.subscriptions(topic), options.name);
        return {};
      }, `no topic "${topic}"`);
    }
    const subscription = this.topics.subscribe(this.keys.channel(topic), topic, listener);
    declared().then(
      (ok) => (ok ? undefined : this.failNow(`no topic "${topic}"`)),
      () => {},
    );
    return subscription;
  }

  join(stream: string, options: JoinOptions, listener: StreamListener): Subscription {
    if (!this.open) return noSubscription;
    const problem = this.unsupported('partitions');
    if (problem) return this.fail(problem.detail);
    let member: StreamMember | undefined;
    let cancelled = false;
    this.partitionsOf(stream).then(
      (partitions) => {
        if (!this.open || cancelled) return;
        if (partitions === undefined) return this.failNow(`no stream "${stream}"`);
        member = new StreamMember(this, { stream, group: options.group, partitions, sessionTimeoutMs: options.sessionTimeoutMs }, listener, ++this.joined);
        this.members.add(member);
        member.start();
      },
      (e: unknown) => this.lost(`joining "${stream}" failed: ${describe(e)}`),
    );
    return {
      cancel: () => {
        cancelled = true;
        member?.cancel();
      },
    };
  }

  close(how: 'graceful' | 'abrupt' = 'graceful'): void {
    if (this.state !== 'open') return;
    if (how === 'abrupt') {
      this.shutDown();
      return;
    }
    this.state = 'closing';
    clearInterval(this.heartbeat);
    const consumers = [...this.consumers];
    const members = [...this.members];
    void Promise.all([...consumers.map((c) => c.giveBack().catch(() => {})), ...members.map((m) => m.leave().catch(() => {}))])
      .then(() => this.cmd.del(this.keys.live(this.consumer)))
      .catch(() => {})
      .finally(() => {
        this.shutDown();
        void this.cmd.quit().catch(() => {});
      });
  }

  // ---- internals ---------------------------------------------------------------------

  private startConsumer(
    name: string,
    prefetch: number,
    listener: DeliveryListener,
    options: () => Promise<QueueOptions | undefined>,
    unknown = `no queue "${name}"`,
  ): Subscription {
    let consumer: StreamConsumer | undefined;
    let cancelled = false;
    options().then(
      (o) => {
        if (!this.open || cancelled) return;
        if (o === undefined) return this.failNow(unknown);
        consumer = new StreamConsumer(this, name, o, prefetch, listener);
        this.consumers.add(consumer);
        consumer.start();
      },
      (e: unknown) => this.lost(`consuming "${name}" failed: ${describe(e)}`),
    );
    return {
      cancel: () => {
        cancelled = true;
        consumer?.cancel();
      },
    };
  }

  /** A declared stream's partition count (declarations never change within a run, so it is cached). */
  private async partitionsOf(stream: string): Promise<number | undefined> {
    const known = this.streamPartitions.get(stream);
    if (known !== undefined) return known;
    const raw = (await this.cmd.hget(this.keys.topology, `stream:${stream}`)) as string | null;
    if (raw === null) return undefined;
    this.streamPartitions.set(stream, Number(raw));
    return Number(raw);
  }

  private async beat(): Promise<void> {
    await this.cmd.set(this.keys.live(this.consumer), '1', 'PX', this.settings.sessionTimeoutMs);
  }

  private watch(client: Redis): void {
    client.on('error', (e: unknown) => (this.lastError = describe(e)));
    client.on('end', () => {
      // A reader its consumer let go of ends on purpose.
      if (client !== this.cmd && client !== this.sub && !this.extra.delete(client)) return;
      this.lost(`the connection to Redis was lost${this.lastError ? `: ${this.lastError}` : ''}`);
    });
  }

  /** Closes every client at once; pending entries stay in Redis for others to reclaim. */
  private shutDown(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearInterval(this.heartbeat);
    for (const c of this.consumers) c.stop();
    this.consumers.clear();
    for (const m of this.members) m.stop();
    this.members.clear();
    this.topics.close();
    for (const c of [this.cmd, this.sub, ...this.extra]) c.disconnect();
    this.extra.clear();
    this.onGone(this);
  }

  private fail(reason: string): Subscription {
    later(() => this.failNow(reason));
    return noSubscription;
  }

  /** As AMQP closes a channel on a bad request: the client hears why through `closed`. */
  private failNow(reason: string): void {
    if (!this.open) return;
    this.close('graceful');
    this.events.closed(reason);
  }

  private failure(error: unknown): BrokerError {
    return this.open ? commandError(error, this.settings.url) : closedError;
  }

  private refuse(message: Message, capability: Capability): BrokerError | undefined {
    if (!this.open) return closedError;
    const missing = this.unsupported(capability);
    if (missing) return missing;
    const max = this.settings.capabilities.maxMessageBytes;
    if (message.size > max) return brokerError('too-large', `${message.size} bytes is over the broker's limit of ${max}`);
    return undefined;
  }

  private unsupported(capability: Capability | undefined): BrokerError | undefined {
    if (capability === undefined) return undefined;
    const why = missingCapability(this.settings.capabilities, capability);
    return why === undefined ? undefined : brokerError('unsupported', `${capability}: ${why}`);
  }
}

const closedError = brokerError('unavailable', 'the connection is closed');

export function ignoreBusyGroup(e: unknown): void {
  if (!(e instanceof Error && e.message.startsWith('BUSYGROUP'))) throw e;
}

/** Callbacks never run inside the call that registers them. */
export function later(fn: () => void): void {
  setImmediate(fn);
}
