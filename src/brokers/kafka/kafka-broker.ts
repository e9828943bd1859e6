/**
 * The Kafka broker object of one process: declares topics over its admin client, opens a
 * kafkajs client per connection, and removes on dispose() the topics it declared and the
 * consumer groups it used.
 */
import type { Admin } from 'kafkajs';
import { brokerError, type BrokerError, type Connection, type ConnectionEvents, type Topology } from '../broker.js';
import { brokerProfiles, missingCapability, type Capabilities } from '../capabilities.js';
import type { CleanReport, RealBroker } from '../real.js';
import { describeError } from '../url-secrets.js';
import { kafkaClient, withDeadline } from './client.js';
import { KafkaConnection, type KafkaSide } from './connection.js';
import { removeGroups, removeTopics } from './removal.js';
import type { KafkaTarget } from './url.js';
import { PendingSetups } from '../pending-setups.js';

export interface KafkaBrokerOptions {
  url: string;
  target: KafkaTarget;
  prefix: string;
  connectTimeoutMs: number;
  clientName: string;
}

const later = (fn: () => void): void => void setImmediate(fn);

export class KafkaBroker implements RealBroker, KafkaSide {
  readonly adapter = 'kafka' as const;
  readonly capabilities: Capabilities = brokerProfiles.kafka.capabilities;
  readonly prefix: string;
  private readonly topics = new Set<string>();
  private readonly mine = new Set<string>();
  private readonly groups = new Set<string>();
  private readonly connections = new Set<KafkaConnection>();
  private readonly setups = new PendingSetups();
  private listing: Promise<Set<string>> | undefined;
  private disposed = false;
  private seq = 0;

  constructor(
    private readonly options: KafkaBrokerOptions,
    private readonly admin: Admin,
  ) {
    this.prefix = options.prefix;
  }

  get maxMessageBytes(): number {
    return this.capabilities.maxMessageBytes;
  }

  get settingUp(): number {
    return this.setups.size;
  }

  /** Every topic and group this broker created or used, as `topic <name>` / `group <id>`. */
  created(): string[] {
    return [...[...this.mine].map((t) => `topic ${t}`), ...[...this.groups].map((g) => `group ${g}`)];
  }

  declare(topology: Topology, done: (error?: BrokerError) => void): void {
    if (Object.keys(topology.queues ?? {}).length > 0) return later(() => done(brokerError('unsupported', `queues: ${missingCapability(this.capabilities, 'queues')}`)));
    const wanted = [
      ...(topology.topics ?? []).map((name) => ({ topic: this.prefix + name, numPartitions: 1 })),
      ...Object.entries(topology.streams ?? {}).map(([name, o]) => ({ topic: this.prefix + name, numPartitions: Math.max(1, Math.floor(o.partitions)) })),
    ];
    (async () => {
      for (const t of wanted) {
        await this.admin.createTopics({ topics: [t], waitForLeaders: true });
        const [meta] = (await this.admin.fetchTopicMetadata({ topics: [t.topic] })).topics;
        const partitions = meta?.partitions.length ?? 0;
        if (partitions !== t.numPartitions) throw new Mismatch(`"${t.topic}" exists with ${partitions} partitions, not ${t.numPartitions}`);
        this.topics.add(t.topic);
        this.mine.add(t.topic);
      }
    })().then(
      () => done(),
      (error: unknown) => done(brokerError(error instanceof Mismatch ? 'unsupported' : 'unavailable', this.describe(error))),
    );
  }

  connect(client: string, events: ConnectionEvents, done: (error: BrokerError | undefined, connection?: Connection) => void): void {
    if (this.disposed) return later(() => done(brokerError('unavailable', 'the broker was disposed')));
    const id = `${this.options.clientName}-${client}-${++this.seq}`;
    const kc = kafkaClient(this.options.target, id, this.options.connectTimeoutMs);
    const producer = kc.kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    withDeadline(this.options.url, this.options.connectTimeoutMs, producer.connect(), () => void producer.disconnect().catch(() => {})).then(
      () => {
        const connection = new KafkaConnection(kc, producer, this, client, events);
        if (this.disposed) {
          void connection.shutdown();
          return done(brokerError('unavailable', 'the broker was disposed'));
        }
        this.connections.add(connection);
        done(undefined, connection);
      },
      (error: unknown) => {
        kc.kill();
        done(brokerError('unavailable', this.describe(error)));
      },
    );
  }

  async dispose(): Promise<CleanReport> {
    this.disposed = true;
    await Promise.all([...this.connections].map((c) => c.shutdown()));
    this.connections.clear();
    try {
      const removed = [...(await removeGroups(this.admin, [...this.groups])), ...(await removeTopics(this.admin, [...this.mine]))];
      this.groups.clear();
      this.mine.clear();
      return { removed };
    } finally {
      await this.admin.disconnect().catch(() => {});
    }
  }

  // ---- for connections ---------------------------------------------------------------

  known(topic: string): boolean {
    return this.topics.has(topic);
  }

  async exists(topic: string): Promise<boolean> {
    if (this.topics.has(topic)) return true;
    // One listing answers every check waiting at the same time.
    this.listing ??= this.admin.listTopics().then((list) => new Set(list));
    const listing = this.listing;
    try {
      const all = await listing;
      if (all.has(topic)) this.topics.add(topic);
      return all.has(topic);
    } finally {
      if (this.listing === listing) this.listing = undefined;
    }
  }

  track(setup: Promise<unknown>): void {
    this.setups.track(setup);
  }

  setupsDone(): Promise<void> {
    return this.setups.done();
  }

  usedGroup(groupId: string): void {
    this.groups.add(groupId);
  }

  async startAtEnd(groupId: string, topic: string): Promise<void> {
    const [committed] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
    if (committed && committed.partitions.every((p) => Number(p.offset) >= 0)) return;
    const ends = await this.admin.fetchTopicOffsets(topic);
    await this.admin.setOffsets({ groupId, topic, partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })) });
  }

  gone(connection: KafkaConnection): void {
    this.connections.delete(connection);
  }

  describe(error: unknown): string {
    return describeError(error, this.options.url);
  }
}

class Mismatch extends Error {}
