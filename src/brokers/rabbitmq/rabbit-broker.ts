/**
 * The RabbitMQ broker object of one process: declares topology over its own admin
 * connection, opens a connection per client, and remembers every queue and exchange it
 * created so dispose() removes exactly those (RabbitMQ cannot list queues over AMQP).
 */
import type { Channel, ChannelModel } from 'amqplib';
import { brokerError, type BrokerError, type Connection, type ConnectionEvents, type Topology } from '../broker.js';
import { brokerProfiles, missingCapability, type Capabilities } from '../capabilities.js';
import type { CleanReport, RealBroker } from '../real.js';
import { openAmqp, removeAll } from './amqp.js';
import { later, RabbitConnection, type Kind, type RabbitSide } from './connection.js';
import { planQueue } from './names.js';
import { describeError } from './url.js';
import { PendingSetups } from '../pending-setups.js';

export interface RabbitBrokerOptions {
  url: string;
  prefix: string;
  connectTimeoutMs: number;
  clientName: string;
}

export class RabbitBroker implements RealBroker, RabbitSide {
  readonly adapter = 'rabbitmq' as const;
  readonly capabilities: Capabilities = brokerProfiles.rabbitmq.capabilities;
  readonly prefix: string;
  readonly rabbit4: boolean;
  private readonly exists_ = { queue: new Map<string, Promise<boolean>>(), exchange: new Map<string, Promise<boolean>>() };
  private readonly known_ = { queue: new Set<string>(), exchange: new Set<string>() };
  /** Full names this process created, in creation order ("queue x", "exchange y"). */
  private readonly mine = new Map<string, Kind>();
  private readonly connections = new Set<RabbitConnection>();
  private readonly setups = new PendingSetups();
  private admin: Promise<ChannelModel> | undefined;
  private disposed = false;

  constructor(
    private readonly options: RabbitBrokerOptions,
    admin: ChannelModel,
  ) {
    this.prefix = options.prefix;
    this.rabbit4 = Number(/^(\d+)\./.exec(String(admin.connection.serverProperties.version ?? ''))?.[1] ?? 0) >= 4;
    this.adopt(admin);
  }

  get maxMessageBytes(): number {
    return this.capabilities.maxMessageBytes;
  }

  get settingUp(): number {
    return this.setups.size;
  }

  /** Every queue and exchange this broker created, as `queue <name>` / `exchange <name>` (for a run's manifest). */
  created(): string[];
  created(kind: Kind, name: string): void;
  created(kind?: Kind, name?: string): string[] | void {
    if (kind === undefined || name === undefined) return [...this.mine].map(([n, k]) => `${k} ${n}`);
    if (!this.mine.has(name)) this.mine.set(name, kind);
    this.known_[kind].add(name);
  }

  ownQueues(queues: readonly string[]): void {
    for (const name of queues) if (!this.mine.has(this.prefix + name)) this.mine.set(this.prefix + name, 'queue');
  }

  declare(topology: Topology, done: (error?: BrokerError) => void): void {
    const problem = this.check(topology);
    if (problem) return later(() => done(problem));
    const queues = topology.queues ?? {};
    this.withChannel(async (channel) => {
      for (const [name, options] of Object.entries(queues)) {
        const to = options.deadLetter?.queue;
        if (to !== undefined && !Object.hasOwn(queues, to) && !(await this.exists('queue', this.prefix + to))) {
          throw new UnknownDeadLetter(`queue "${name}" dead-letters to "${to}", which is not declared`);
        }
      }
      for (const [name, options] of Object.entries(queues)) {
        const full = this.prefix + name;
        const plan = planQueue(this.prefix, name, options, this.rabbit4);
        if ('unsupported' in plan) throw new Error(plan.unsupported); // check() refused it already
        await channel.assertQueue(full, { durable: true, arguments: plan.arguments });
        this.created('queue', full);
      }
      for (const name of topology.topics ?? []) {
        const full = this.prefix + name;
        await channel.assertExchange(full, 'fanout', { durable: true });
        this.created('exchange', full);
      }
    }).then(
      () => done(),
      (error: unknown) => done(declareError(error, this.describe(error))),
    );
  }

  connect(client: string, events: ConnectionEvents, done: (error: BrokerError | undefined, connection?: Connection) => void): void {
    if (this.disposed) return later(() => done(brokerError('unavailable', 'the broker was disposed')));
    const name = `${this.options.clientName}/${client}`;
    openAmqp(this.options.url, this.options.connectTimeoutMs, name)
      .then(async (model) => {
        try {
          const publisher = await model.createConfirmChannel();
          const connection = new RabbitConnection(model, publisher, this, client, events);
          if (this.disposed) {
            await connection.shutdown();
            return done(brokerError('unavailable', 'the broker was disposed'));
          }
          this.connections.add(connection);
          done(undefined, connection);
        } catch (error) {
          model.close().catch(() => {});
          throw error;
        }
      })
      .catch((error: unknown) => done(brokerError('unavailable', this.describe(error))));
  }

  async dispose(): Promise<CleanReport> {
    this.disposed = true;
    await Promise.all([...this.connections].map((c) => c.shutdown()));
    this.connections.clear();
    const names = [...this.mine].map(([name, kind]) => ({ kind, name }));
    this.mine.clear();
    let removed: string[] = [];
    try {
      if (names.length > 0) removed = await removeAll(await this.adminModel(), names);
    } finally {
      const admin = this.admin;
      this.admin = undefined;
      if (admin) await admin.then((m) => m.close()).catch(() => {});
    }
    return { removed };
  }

  // ---- for connections ---------------------------------------------------------------

  known(kind: Kind, name: string): boolean {
    return this.known_[kind].has(name);
  }

  exists(kind: Kind, name: string): Promise<boolean> {
    if (this.known_[kind].has(name)) return Promise.resolve(true);
    const cached = this.exists_[kind].get(name);
    if (cached) return cached;
    const probe = this.probe(kind, name);
    this.exists_[kind].set(name, probe);
    // Only a positive answer is kept: the queue may be declared later.
    probe.then(
      (yes) => {
        this.exists_[kind].delete(name);
        if (yes) this.known_[kind].add(name);
      },
      () => this.exists_[kind].delete(name),
    );
    return probe;
  }

  track(setup: Promise<unknown>): void {
    this.setups.track(setup);
  }

  setupsDone(): Promise<void> {
    return this.setups.done();
  }

  gone(connection: RabbitConnection): void {
    this.connections.delete(connection);
  }

  describe(error: unknown): string {
    return describeError(error, this.options.url);
  }

  // ---- admin connection --------------------------------------------------------------

  private adopt(model: ChannelModel): void {
    const ready = Promise.resolve(model);
    this.admin = ready;
    model.on('error', () => {});
    model.on('close', () => {
      if (this.admin === ready) this.admin = undefined; // reconnect on next use
    });
  }

  private adminModel(): Promise<ChannelModel> {
    if (!this.admin) {
      const opening = openAmqp(this.options.url, this.options.connectTimeoutMs, `${this.options.clientName}/admin`);
      this.admin = opening;
      opening.then(
        (m) => {
          if (this.admin === opening) this.adopt(m);
        },
        () => {
          if (this.admin === opening) this.admin = undefined;
        },
      );
    }
    return this.admin;
  }

  /** A channel of its own for each job: a failed check closes only it. */
  private async withChannel<T>(job: (channel: Channel) => Promise<T>): Promise<T> {
    const channel = await (await this.adminModel()).createChannel();
    let closed = false;
    channel.on('error', () => {});
    channel.on('close', () => (closed = true));
    try {
      return await job(channel);
    } finally {
      if (!closed) await channel.close().catch(() => {});
    }
  }

  private probe(kind: Kind, name: string): Promise<boolean> {
    return this.withChannel(async (channel) => {
      try {
        await (kind === 'queue' ? channel.checkQueue(name) : channel.checkExchange(name));
        return true;
      } catch (error) {
        if ((error as { code?: number }).code === 404) return false;
        throw error;
      }
    });
  }

  private check(topology: Topology): BrokerError | undefined {
    if (Object.keys(topology.streams ?? {}).length > 0) return brokerError('unsupported', `partitions: ${missingCapability(this.capabilities, 'partitions')}`);
    const queues = topology.queues ?? {};
    for (const [name, options] of Object.entries(queues)) {
      const plan = planQueue(this.prefix, name, options);
      if ('unsupported' in plan) return brokerError('unsupported', plan.unsupported);
    }
    return undefined;
  }
}

class UnknownDeadLetter extends Error {}

function declareError(error: unknown, detail: string): BrokerError {
  if (error instanceof UnknownDeadLetter) return brokerError('unknown-destination', error.message);
  // 406 PRECONDITION_FAILED: the queue exists with other arguments (declared differently before).
  if ((error as { code?: number }).code === 406) return brokerError('unsupported', detail);
  return brokerError('unavailable', detail);
}
