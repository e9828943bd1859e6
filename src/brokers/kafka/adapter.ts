/**
 * The Kafka adapter (kafkajs): open a broker for a run, clean up after killed runs (Kafka
 * can list its topics and groups, so clean() finds them by prefix), answer `patterns
 * doctor`. Tested against a real Kafka only when KAFKA_BROKERS is set; see docs/brokers.md.
 */
import { randomBytes } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { UsageError } from '../../core/errors.js';
import { PREFIX_ROOT, type CleanReport, type DoctorReport, type RealAdapter, type RealBroker } from '../real.js';
import { describeError } from '../url-secrets.js';
import { kafkaClient, withDeadline } from './client.js';
import { KafkaBroker } from './kafka-broker.js';
import { removeGroups, removeTopics } from './removal.js';
import { kafkaSchemes, parseKafkaUrl } from './url.js';

/** An admin client, connected within the deadline or a BrokerConnectError. */
async function openAdmin(url: string, connectTimeoutMs: number, clientId: string): Promise<Admin> {
  const target = parseKafkaUrl(url);
  const client = kafkaClient(target, clientId, connectTimeoutMs);
  const admin = client.kafka.admin({ retry: { retries: 1, initialRetryTime: 100 } });
  try {
    return await withDeadline(url, connectTimeoutMs, admin.connect().then(() => admin), (late) => void late.disconnect().catch(() => {}));
  } catch (error) {
    client.kill();
    throw error;
  }
}

export const kafkaAdapter: RealAdapter = {
  name: 'kafka',
  schemes: kafkaSchemes,

  async open(url, options): Promise<RealBroker> {
    const target = parseKafkaUrl(url);
    const clientName = options.clientName ?? 'patterns';
    const admin = await openAdmin(url, options.connectTimeoutMs, `${clientName}-admin`);
    return new KafkaBroker({ url, target, prefix: options.prefix, connectTimeoutMs: options.connectTimeoutMs, clientName }, admin);
  },

  /** Removes every topic and consumer group under `prefix` (Kafka lists them); `names` is not needed. */
  async clean(url, { prefix, connectTimeoutMs }): Promise<CleanReport> {
    if (!prefix.startsWith(PREFIX_ROOT)) throw new UsageError(`refusing to clean outside "${PREFIX_ROOT}": prefix "${prefix}"`);
    const admin = await openAdmin(url, connectTimeoutMs, 'patterns-clean');
    try {
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      return { removed: [...(await removeGroups(admin, groups)), ...(await removeTopics(admin, topics))] };
    } finally {
      await admin.disconnect().catch(() => {});
    }
  },

  async doctor(url, { connectTimeoutMs }): Promise<DoctorReport> {
    const admin = await openAdmin(url, connectTimeoutMs, 'patterns-doctor');
    const notes: string[] = [];
    try {
      const cluster = await admin.describeCluster();
      // Kafka does not report its version over its protocol (only which API versions it speaks).
      const version = `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker${cluster.brokers.length === 1 ? '' : 's'} (Kafka does not report its version)`;
      const topic = `${PREFIX_ROOT}doctor.${randomBytes(4).toString('hex')}`;
      let canCreate = false;
      try {
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
        await admin.deleteTopics({ topics: [topic] });
        canCreate = true;
      } catch (error) {
        notes.push(`could not create and delete a topic (${describeError(error, url)}); the adapter needs topic create/delete rights on "${PREFIX_ROOT}*" and delete.topic.enable=true`);
      }
      notes.push('Kafka has no queues or per-message acks: queue scenarios are refused on it (see docs/brokers.md)');
      notes.push('consumer sessions are at least 6 s (group.min.session.timeout.ms): a crashed member is noticed that late');
      return { version, canCreate, notes };
    } finally {
      await admin.disconnect().catch(() => {});
    }
  },
};
