/**
 * The Redis adapter (ioredis): pub/sub channels for non-durable topic subscriptions,
 * streams with consumer groups for queues and durable subscriptions. What it maps to what,
 * and what it cannot offer, is in docs/brokers.md ("Redis").
 */
import type { CleanReport, DoctorReport, OpenOptions, RealAdapter, RealBroker } from '../real.js';
import { RedisBroker } from './broker.js';
import { diagnose, listUnder, removeUnder } from './clean.js';
import { connectClient } from './client.js';
import { inspectRedis } from './inspect.js';

export interface RedisOpenOptions extends OpenOptions {
  /**
   * How long a connection's heartbeat lives (default 2 s): a consumer that crashed, hangs
   * or is paused loses what it held to the other consumers after this long.
   */
  sessionTimeoutMs?: number;
}

const DEFAULT_SESSION_TIMEOUT_MS = 2000;

export const redisAdapter: RealAdapter = {
  name: 'redis',
  schemes: ['redis:', 'rediss:'],

  async open(url: string, options: RedisOpenOptions): Promise<RealBroker> {
    const clientName = options.clientName ?? `${options.prefix}admin`;
    const admin = await connectClient(url, { connectTimeoutMs: options.connectTimeoutMs, name: clientName });
    return new RedisBroker(admin, {
      url,
      prefix: options.prefix,
      connectTimeoutMs: options.connectTimeoutMs,
      sessionTimeoutMs: options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
      clientName: options.clientName ?? options.prefix.replace(/\.$/, ''),
    });
  },

  async clean(url, options): Promise<CleanReport> {
    const client = await connectClient(url, { connectTimeoutMs: options.connectTimeoutMs, name: 'patterns.clean' });
    try {
      return { removed: await removeUnder(client, options.prefix, options.names) };
    } finally {
      await client.quit().catch(() => client.disconnect());
    }
  },

  async list(url, options): Promise<string[]> {
    const client = await connectClient(url, { connectTimeoutMs: options.connectTimeoutMs, name: 'patterns.clean' });
    try {
      return await listUnder(client, options.prefix);
    } finally {
      await client.quit().catch(() => client.disconnect());
    }
  },

  inspect: inspectRedis,

  async doctor(url, options): Promise<DoctorReport> {
    const client = await connectClient(url, { connectTimeoutMs: options.connectTimeoutMs, name: 'patterns.doctor' });
    try {
      return await diagnose(client);
    } finally {
      await client.quit().catch(() => client.disconnect());
    }
  },
};
