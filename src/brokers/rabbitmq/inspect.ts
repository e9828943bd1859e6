/**
 * Queue depths on RabbitMQ over AMQP: a passive declare (`checkQueue`) answers with the
 * ready count. Unacked messages are known only to the management plugin, so they are left
 * unsaid. A queue that does not exist closes the channel (404); the next look opens another.
 */
import type { Channel } from 'amqplib';
import type { BrokerInspector, QueueDepth } from '../real.js';
import { openAmqp } from './amqp.js';
import { decode } from './codec.js';

export async function inspectRabbit(url: string, options: { prefix: string; connectTimeoutMs: number }): Promise<BrokerInspector> {
  const model = await openAmqp(url, options.connectTimeoutMs, `${options.prefix}inspect`);
  model.on('error', () => {});
  let channel: Channel | undefined;
  const open = async (): Promise<Channel> => {
    if (channel) return channel;
    const c = await model.createChannel();
    c.on('error', () => {});
    c.on('close', () => {
      if (channel === c) channel = undefined;
    });
    return (channel = c);
  };
  return {
    async depths(queues) {
      const out: QueueDepth[] = [];
      for (const queue of queues) {
        try {
          const ok = await (await open()).checkQueue(options.prefix + queue);
          out.push({ queue, ready: ok.messageCount });
        } catch (error) {
          if ((error as { code?: number }).code !== 404) throw error;
          channel = undefined;
          out.push({ queue, ready: 0 });
        }
      }
      return out;
    },
    /** Gets without acking, then closes the channel: RabbitMQ puts every one of them back. */
    async contents(queue, limit) {
      const reader = await model.createChannel();
      reader.on('error', () => {});
      const out: { id: string; from?: string | undefined }[] = [];
      const unprefix = (name: string) => (name.startsWith(options.prefix) ? name.slice(options.prefix.length) : name);
      try {
        while (out.length < limit) {
          const raw = await reader.get(options.prefix + queue, { noAck: false });
          if (raw === false) break;
          const message = decode({ ...raw, fields: { ...raw.fields, consumerTag: '' } }, unprefix);
          out.push({ id: message.id, from: message.headers['x-dead-letter-from'] });
        }
      } catch (error) {
        if ((error as { code?: number }).code !== 404) throw error;
      } finally {
        await reader.close().catch(() => {});
      }
      return out;
    },
    async close() {
      await model.close().catch(() => {});
    },
  };
}
