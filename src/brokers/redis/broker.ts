/**
 * The Redis broker: declares queues (a stream and its consumer group) and topics (a
 * registry entry; the channel needs nothing), opens connections, and on dispose removes
 * every key under its run prefix.
 */
import type { Redis } from 'ioredis';
import { brokerError, type BrokerError, type Connection, type ConnectionEvents, type Topology } from '../broker.js';
import { brokerProfiles, missingCapability, type Capabilities, type Capability } from '../capabilities.js';
import type { CleanReport, RealBroker } from '../real.js';
import { removeUnder } from './clean.js';
import { commandError, connectClient, describe } from './client.js';
import { RedisConnection, ignoreBusyGroup, later, type ConnectionSettings } from './connection.js';
import { GROUP, RedisKeys } from './keys.js';

export class RedisBroker implements RealBroker {
  readonly adapter = 'redis';
  readonly capabilities: Capabilities = brokerProfiles.redis.capabilities;
  private readonly connections = new Set<RedisConnection>();
  private readonly settings: ConnectionSettings;
  private disposed = false;
  /** What was declared, so a Redis that lost its data (a restart without persistence) gets it again. */
  private readonly declared: Topology[] = [];

  constructor(
    private admin: Redis,
    settings: Omit<ConnectionSettings, 'keys' | 'capabilities'> & { prefix: string },
  ) {
    this.settings = { ...settings, keys: new RedisKeys(settings.prefix), capabilities: this.capabilities };
  }

  get prefix(): string {
    return this.settings.keys.prefix;
  }

  declare(topology: Topology, done: (error?: BrokerError) => void): void {
    this.apply(topology).then(
      (error) => {
        if (!error) this.declared.push(topology);
        done(error);
      },
      (e: unknown) => done(commandError(e, this.settings.url)),
    );
  }

  connect(client: string, events: ConnectionEvents, done: (error: BrokerError | undefined, connection?: Connection) => void): void {
    if (this.disposed) return later(() => done(brokerError('unavailable', 'the broker was disposed')));
    this.restore()
      .then(() => RedisConnection.open(this.settings, client, events, (c) => this.connections.delete(c)))
      .then(
        (c) => {
          if (this.disposed) {
            c.close('abrupt');
            return done(brokerError('unavailable', 'the broker was disposed'));
          }
          this.connections.add(c);
          done(undefined, c);
        },
        (e: unknown) => done(brokerError('unavailable', describe(e))),
      );
  }

  /**
   * A client connecting again after Redis restarted without its data would find no streams
   * or groups: declare them again first (idempotent), so the run carries on. What Redis held
   * when it went down is gone; the run's ledger shows it as never delivered.
   */
  private async restore(): Promise<void> {
    if (this.declared.length === 0) return;
    await this.withAdmin(async (admin) => {
      if ((await admin.exists(this.settings.keys.topology)) === 1) return;
      for (const topology of this.declared) await this.create(admin, topology);
    });
  }

  async dispose(): Promise<CleanReport> {
    this.disposed = true;
    await Promise.all([...this.connections].map((c) => c.terminate()));
    // Commands a connection wrote just before it closed may still be queued in Redis on its
    // socket; give them a moment, so nothing is created again after the sweep.
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      return { removed: await this.withAdmin((admin) => removeUnder(admin, this.prefix)) };
    } finally {
      await this.admin.quit().catch(() => this.admin.disconnect());
    }
  }

  private async apply(topology: Topology): Promise<BrokerError | undefined> {
    const error = this.check(topology);
    if (error) return error;
    return this.withAdmin((admin) => this.create(admin, topology));
  }

  private async create(admin: Redis, topology: Topology): Promise<BrokerError | undefined> {
    const keys = this.settings.keys;
    const queues = Object.entries(topology.queues ?? {});
    for (const [name, options] of queues) {
      const to = options.deadLetter?.queue;
      if (to !== undefined && !Object.hasOwn(topology.queues ?? {}, to) && !(await admin.hexists(keys.topology, `queue:${to}`))) {
        return brokerError('unknown-destination', `queue "${name}" dead-letters to "${to}", which is not declared`);
      }
    }
    for (const [name, options] of queues) {
      await admin.call('XGROUP', 'CREATE', keys.queue(name), GROUP, '0', 'MKSTREAM').catch(ignoreBusyGroup);
      // The first declaration wins, as with the memory broker and RabbitMQ's assertQueue.
      await admin.hsetnx(keys.topology, `queue:${name}`, JSON.stringify(options));
    }
    for (const name of topology.topics ?? []) await admin.hsetnx(keys.topology, `topic:${name}`, '1');
    for (const [name, options] of Object.entries(topology.streams ?? {})) {
      await admin.hsetnx(keys.topology, `stream:${name}`, String(options.partitions));
    }
    return undefined;
  }

  /**
   * Runs `work` on the admin client, connecting it again once if Redis dropped it (a
   * restart): declarations are idempotent, and clean-up must still run.
   */
  private async withAdmin<T>(work: (admin: Redis) => Promise<T>): Promise<T> {
    if (this.admin.status === 'ready') {
      try {
        return await work(this.admin);
      } catch (error) {
        if (error instanceof Error && error.name === 'ReplyError') throw error;
      }
    }
    this.admin.disconnect();
    this.admin = await connectClient(this.settings.url, { connectTimeoutMs: this.settings.connectTimeoutMs, name: `${this.settings.clientName}.admin` });
    return work(this.admin);
  }

  private check(topology: Topology): BrokerError | undefined {
    const queues = Object.values(topology.queues ?? {});
    const needs: (Capability | undefined)[] = [
      queues.length > 0 ? 'queues' : undefined,
      (topology.topics ?? []).length > 0 ? 'pub-sub' : undefined,
      Object.keys(topology.streams ?? {}).length > 0 ? 'partitions' : undefined,
    ];
    for (const o of queues) {
      needs.push(
        o.maxPriority !== undefined ? 'priorities' : undefined,
        o.deadLetter ? 'dead-letter' : undefined,
        o.deadLetter?.afterDeliveries !== undefined ? 'delivery-limit' : undefined,
        o.ackTimeoutMs !== undefined ? 'ack-timeout' : undefined,
        o.messageTtlMs !== undefined ? 'message-ttl' : undefined,
      );
    }
    for (const need of needs) {
      const why = need && missingCapability(this.capabilities, need);
      if (why) return brokerError('unsupported', `${need}: ${why}`);
    }
    for (const [name, o] of Object.entries(topology.streams ?? {})) {
      if (!Number.isInteger(o.partitions) || o.partitions < 1) return brokerError('unsupported', `stream "${name}": partitions must be a whole number, at least 1`);
    }
    return undefined;
  }
}
