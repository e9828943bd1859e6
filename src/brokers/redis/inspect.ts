/**
 * Queue depths on Redis: a queue (or a durable subscription) is a stream with one consumer
 * group, and the adapter deletes an entry once it is acked or dead-lettered, so the stream's
 * length is what waits plus what is out; the group's pending count is what is out.
 */
import type { Redis } from 'ioredis';
import type { BrokerInspector, QueueDepth } from '../real.js';
import { connectClient } from './client.js';
import { GROUP, RedisKeys, decodeMessage } from './keys.js';

export async function inspectRedis(url: string, options: { prefix: string; connectTimeoutMs: number }): Promise<BrokerInspector> {
  const keys = new RedisKeys(options.prefix);
  const connect = () => connectClient(url, { connectTimeoutMs: options.connectTimeoutMs, name: `${options.prefix}inspect` });
  let client: Redis = await connect();
  return {
    async depths(queues) {
      // A Redis that restarted since the last look is reached again.
      if (client.status === 'end') client = await connect();
      const pipeline = client.pipeline();
      for (const q of queues) pipeline.xlen(keys.queue(q)).call('XINFO', 'GROUPS', keys.queue(q));
      const replies = (await pipeline.exec()) ?? [];
      return queues.map((queue, i): QueueDepth => {
        const [lengthError, length] = replies[2 * i] ?? [];
        const [, groups] = replies[2 * i + 1] ?? [];
        const total = lengthError || typeof length !== 'number' ? 0 : length;
        const unacked = pendingOf(groups);
        return { queue, ready: Math.max(0, total - unacked), unacked };
      });
    },
    async contents(queue, limit) {
      if (client.status === 'end') client = await connect();
      const entries = (await client.call('XRANGE', keys.queue(queue), '-', '+', 'COUNT', limit)) as [string, string[]][];
      return entries.flatMap(([, fields]) => {
        const raw = fields[fields.indexOf('m') + 1];
        if (raw === undefined) return [];
        try {
          const message = decodeMessage(raw);
          return [{ id: message.id, from: message.headers?.['x-dead-letter-from'] }];
        } catch {
          return []; // not written by patterns
        }
      });
    },
    /** Partition p holds entries 0-1 … 0-n and none is ever deleted: its length is the next offset to append. */
    async lags(stream, partitions, group) {
      if (client.status === 'end') client = await connect();
      const pipeline = client.pipeline();
      for (let p = 0; p < partitions; p++) pipeline.xlen(keys.partition(stream, p));
      pipeline.hgetall(keys.group(stream, group).offsets);
      const replies = (await pipeline.exec()) ?? [];
      const committed = (replies[partitions]?.[1] ?? {}) as Record<string, string>;
      return Array.from({ length: partitions }, (_, p) => {
        const length = replies[p]?.[1];
        return Math.max(0, (typeof length === 'number' ? length : 0) - Number(committed[String(p)] ?? 0));
      });
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/** `pending` of the adapter's group in an XINFO GROUPS reply (flat field/value arrays); 0 without one. */
function pendingOf(reply: unknown): number {
  if (!Array.isArray(reply)) return 0;
  for (const group of reply) {
    if (!Array.isArray(group)) continue;
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < group.length; i += 2) fields.set(String(group[i]), group[i + 1]);
    if (fields.get('name') === GROUP && typeof fields.get('pending') === 'number') return fields.get('pending') as number;
  }
  return 0;
}
