/**
 * What a broker can do, declared rather than assumed. Real brokers differ exactly where
 * patterns care (priorities, delivery limits, partitions...), so an adapter lists what it
 * supports and a scenario that needs something else is refused with the reason and the
 * usual workaround, instead of running on a silent emulation.
 */
export const capabilityInfo = {
  'pub-sub': 'topics that give every subscription its own copy',
  'durable-subscriptions': 'a named subscription that keeps messages while its subscriber is away',
  queues: 'queues with competing consumers and per-message ack, nack and reject',
  prefetch: 'a limit on the unacked deliveries a consumer holds',
  'ack-timeout': 'a delivery left unacked too long goes back to the queue',
  'delivery-count': 'each delivery says how many times the message has been delivered',
  'dead-letter': 'rejected or expired messages move to a dead-letter queue',
  'delivery-limit': 'the broker dead-letters a message by itself after N deliveries',
  priorities: 'higher-priority messages overtake lower ones in a queue',
  'delayed-delivery': 'a message can be held back before it is delivered',
  'message-ttl': 'messages expire after a time to live',
  partitions: 'partitioned streams: key → partition, per-partition order, consumer groups with committed offsets and rebalancing',
  'publisher-confirms': 'the broker confirms each message once it has it',
} as const;

export type Capability = keyof typeof capabilityInfo;
export const capabilityNames = Object.keys(capabilityInfo) as Capability[];

export interface Capabilities {
  readonly supported: ReadonlySet<Capability>;
  /** Largest message the broker accepts, in bytes. */
  readonly maxMessageBytes: number;
  /** For each missing capability: why, and the usual way around it. */
  readonly missing: Partial<Record<Capability, string>>;
}

export interface BrokerProfile {
  name: BrokerProfileName;
  /** The broker and the client library its adapter uses. */
  title: string;
  capabilities: Capabilities;
}

export type BrokerProfileName = 'memory' | 'rabbitmq' | 'redis' | 'kafka';

const MiB = 1024 * 1024;

function profile(name: BrokerProfileName, title: string, maxMessageBytes: number, missing: Partial<Record<Capability, string>>): BrokerProfile {
  const supported = new Set(capabilityNames.filter((c) => !(c in missing)));
  return { name, title, capabilities: { supported, maxMessageBytes, missing } };
}

/**
 * What each broker offers natively, as its adapter (issue 6) will declare it. The memory
 * adapter can be limited to any of them (`like: kafka`) to see what a pattern needs.
 */
export const brokerProfiles: Record<BrokerProfileName, BrokerProfile> = {
  memory: profile('memory', 'in-memory broker (simulation)', 16 * MiB, {}),
  rabbitmq: profile('rabbitmq', 'RabbitMQ (amqplib)', 16 * MiB, {
    'ack-timeout': 'RabbitMQ’s consumer timeout (consumer_timeout, 30 min by default) closes the consumer’s whole channel instead of redelivering one message; have the consumer nack what it cannot finish in time',
    'delayed-delivery': 'RabbitMQ delays messages only with the delayed-message-exchange plugin; without it, use a TTL queue that dead-letters into the real one',
    partitions: 'RabbitMQ queues have no key partitions or consumer-group offsets over AMQP 0-9-1 (super streams need the stream protocol); use Kafka, or a queue per key range with a single active consumer',
  }),
  redis: profile('redis', 'Redis Streams and pub/sub (ioredis)', 512 * MiB, {
    priorities: 'a Redis stream is read in order; use one stream per priority and read the urgent one first',
    'delayed-delivery': 'Redis streams cannot hold a message back; keep delayed messages in a sorted set and move them when due',
    'message-ttl': 'Redis streams trim by length or id, not per-message age; keep the deadline in a header and have the consumer drop or dead-letter late messages',
  }),
  kafka: profile('kafka', 'Apache Kafka (kafkajs)', 1 * MiB, {
    queues: 'Kafka has no per-message acks or competing consumers on one partition (share groups are not in kafkajs); use a partitioned stream with a consumer group',
    prefetch: 'Kafka consumers fetch batches by bytes, not a count of unacked messages',
    'ack-timeout': 'Kafka has no per-message ack timeout; a consumer that stalls past max.poll.interval is removed from its group instead',
    'delivery-count': 'Kafka does not count deliveries; the consumer must keep its own attempt count',
    'dead-letter': 'Kafka has no dead-letter queues; the consumer publishes the record to a dead-letter topic and commits',
    'delivery-limit': 'Kafka never gives up on a record by itself; the consumer counts attempts and moves it to a dead-letter topic',
    priorities: 'a Kafka partition is read in order; use a topic per priority and consume the urgent one with more consumers',
    'delayed-delivery': 'Kafka cannot hold a record back; use retry topics with a consumer that waits for each record’s due time',
    'message-ttl': 'Kafka expires whole segments by retention time, not single messages',
  }),
};

/** Why `needed` is missing from `caps`, or undefined when it is there. */
export function missingCapability(caps: Capabilities, needed: Capability): string | undefined {
  if (caps.supported.has(needed)) return undefined;
  return caps.missing[needed] ?? `the broker does not offer ${capabilityInfo[needed]}`;
}
