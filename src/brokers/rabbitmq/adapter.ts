/**
 * The RabbitMQ adapter (amqplib): open a broker for a run, clean up after killed runs,
 * and answer `patterns doctor`. See docs/brokers.md, "RabbitMQ".
 */
import { randomBytes } from 'node:crypto';
import { UsageError } from '../../core/errors.js';
import { PREFIX_ROOT, type CleanReport, type DoctorReport, type RealAdapter, type RealBroker } from '../real.js';
import { openAmqp, removeAll } from './amqp.js';
import type { Kind } from './connection.js';
import { inspectRabbit } from './inspect.js';
import { RabbitBroker } from './rabbit-broker.js';
import { describeError, rabbitmqSchemes } from './url.js';

export const rabbitmqAdapter: RealAdapter = {
  name: 'rabbitmq',
  schemes: rabbitmqSchemes,

  async open(url, options): Promise<RealBroker> {
    const clientName = options.clientName ?? 'patterns';
    const admin = await openAmqp(url, options.connectTimeoutMs, `${clientName}/admin`);
    return new RabbitBroker({ url, prefix: options.prefix, connectTimeoutMs: options.connectTimeoutMs, clientName }, admin);
  },

  /**
   * RabbitMQ cannot list queues over AMQP (only the management plugin can), so this removes
   * the queues and exchanges it is told about — the run's manifest — and nothing else.
   */
  async clean(url, { prefix, connectTimeoutMs, names = [] }): Promise<CleanReport> {
    const targets = parseNames(prefix, names);
    if (targets.length === 0) return { removed: [] };
    const model = await openAmqp(url, connectTimeoutMs, 'patterns/clean');
    try {
      return { removed: await removeAll(model, targets) };
    } finally {
      await model.close().catch(() => {});
    }
  },

  inspect: inspectRabbit,

  async doctor(url, { connectTimeoutMs }): Promise<DoctorReport> {
    const model = await openAmqp(url, connectTimeoutMs, 'patterns/doctor');
    const notes: string[] = [];
    let canCreate = false;
    try {
      const version = String(model.connection.serverProperties.version ?? 'unknown');
      const name = `${PREFIX_ROOT}doctor.${randomBytes(4).toString('hex')}`;
      try {
        const channel = await model.createChannel();
        channel.on('error', () => {});
        await channel.assertQueue(name, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
        await channel.deleteQueue(name);
        await channel.close();
        canCreate = true;
      } catch (error) {
        notes.push(`could not create and delete a quorum queue (${describeError(error, url)}); the adapter needs quorum queues (RabbitMQ 3.8 or later) and configure rights on "${PREFIX_ROOT}*"`);
      }
      notes.push('patterns clean removes only the queues and exchanges a run recorded: RabbitMQ cannot list queues without the management plugin');
      notes.push('delayed delivery is not offered (it would need the delayed-message-exchange plugin); ack timeouts are not offered (consumer_timeout closes the whole channel)');
      return { version, canCreate, notes };
    } finally {
      await model.close().catch(() => {});
    }
  },
};

/** `queue <name>`, `exchange <name>`, or a bare name (tried as both); every name under `prefix`. */
function parseNames(prefix: string, names: readonly string[]): { kind: Kind; name: string }[] {
  if (!prefix.startsWith(PREFIX_ROOT)) throw new UsageError(`refusing to clean outside "${PREFIX_ROOT}": prefix "${prefix}"`);
  const out: { kind: Kind; name: string }[] = [];
  const outside: string[] = [];
  for (const entry of names) {
    const m = /^(queue|exchange) (.+)$/.exec(entry);
    const kinds: Kind[] = m ? [m[1] as Kind] : ['queue', 'exchange'];
    const name = m ? m[2]! : entry;
    if (!name.startsWith(prefix)) outside.push(name);
    else for (const kind of kinds) out.push({ kind, name });
  }
  if (outside.length > 0) throw new UsageError(`refusing to remove names outside "${prefix}": ${outside.join(', ')}`);
  return out;
}
