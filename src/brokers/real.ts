/**
 * What a real broker adapter (Redis, RabbitMQ, Kafka) offers on top of the `Broker`
 * interface: opening from a URL, the run-scoped prefix every name it creates lives under,
 * clean-up, and what `patterns doctor` asks. The memory adapter needs none of this.
 *
 * Names: every queue, topic, stream, exchange, key and group a run creates is
 * `${prefix}${name}`, with `prefix = "patterns.<run id>."` (see `runPrefix`), so clean-up
 * removes exactly what runs created and never touches anything else on the broker.
 */
import type { Broker } from './broker.js';

export type RealAdapterName = 'redis' | 'rabbitmq' | 'kafka';

/** Every name any run creates starts with this; `patterns clean` removes only under it. */
export const PREFIX_ROOT = 'patterns.';

export function runPrefix(runId: string): string {
  return `${PREFIX_ROOT}${runId}.`;
}

export interface OpenOptions {
  /** `runPrefix(runId)`: the adapter puts it in front of every name it creates. */
  prefix: string;
  /** Give up connecting after this long (the CLI turns that into exit 3). */
  connectTimeoutMs: number;
  /** Client name shown on the broker (connection name, client id). */
  clientName?: string;
}

export interface CleanReport {
  /** What was removed, as the broker names it (`stream patterns.r1.orders`, `queue …`). */
  removed: string[];
}

export interface RealBroker extends Broker {
  readonly adapter: RealAdapterName;
  readonly prefix: string;
  /** Removes everything this broker created under its prefix, and closes its connections. */
  dispose(): Promise<CleanReport>;
  /**
   * Queues of the run that another process declares (a durable subscription's queue, set up
   * by its consumer's process): `dispose` removes them too, if they exist, and `created`
   * lists them for the run's manifest. Adapters that find everything under their prefix by
   * themselves (Redis, Kafka) need not offer it.
   */
  ownQueues?(queues: readonly string[]): void;
}

/** What a queue holds right now, as the broker counts it. */
export interface QueueDepth {
  /** The run's name for it (`orders`, or `order-events@emails` for a durable subscription). */
  queue: string;
  /** Waiting to be delivered. */
  ready: number;
  /** Delivered and not yet acked, where the broker says (RabbitMQ does not over AMQP). */
  unacked?: number | undefined;
}

/**
 * A side connection that reads what the broker holds, as a management console would: it
 * goes to the broker directly, not through the run's fault proxy, so a `broker-unavailable`
 * fault cuts the clients off but not the view of what piles up meanwhile.
 */
export interface BrokerInspector {
  /** Every queue asked for, in order; one that does not exist (yet) reads 0. */
  depths(queues: readonly string[]): Promise<QueueDepth[]>;
  /**
   * The messages a queue holds, without consuming them (at most `limit`): their ids and, for
   * dead letters, the run's name of the queue they came from. A live run reads its
   * dead-letter queues this way at the end, to settle those messages as dead-lettered.
   */
  contents(queue: string, limit: number): Promise<{ id: string; from?: string | undefined }[]>;
  /** A consumer group's lag on each partition of a stream: records appended and not yet committed. Adapters without streams leave it out. */
  lags?(stream: string, partitions: number, group: string): Promise<number[]>;
  close(): Promise<void>;
}

export interface DoctorReport {
  /** The server's version, as it reports it. */
  version: string;
  /** Whether a queue/key/topic could be created and removed again (under PREFIX_ROOT). */
  canCreate: boolean;
  /** Anything worth telling the user (a missing plugin, a capability this server lacks). */
  notes: string[];
}

/**
 * Adapter failures that are about the infrastructure (unreachable, refused, timed out,
 * authentication) reject with a `BrokerConnectError`; the CLI maps it to exit 3 with the
 * URL's password masked.
 */
export class BrokerConnectError extends Error {
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
    this.name = 'BrokerConnectError';
  }
}

export interface RealAdapter {
  readonly name: RealAdapterName;
  /** URL schemes it answers (`redis:`, `rediss:`). */
  readonly schemes: readonly string[];
  open(url: string, options: OpenOptions): Promise<RealBroker>;
  /**
   * Leftovers of killed runs: removes what lives under `PREFIX_ROOT` (or a narrower prefix),
   * nothing else. `names` are full broker names from run manifests (`patterns.r1.orders`,
   * optionally typed: `queue patterns.r1.orders`), for adapters that cannot list; a name
   * outside the prefix is refused.
   */
  clean(url: string, options: { prefix: string; connectTimeoutMs: number; names?: readonly string[] }): Promise<CleanReport>;
  doctor(url: string, options: { connectTimeoutMs: number }): Promise<DoctorReport>;
  /**
   * The names under `prefix` that exist on the broker, as `clean` would report them, without
   * removing anything (`patterns clean --dry-run`, and cleaning run by run while another run
   * is alive). Adapters that cannot list (RabbitMQ without the management plugin) leave it out.
   */
  list?(url: string, options: { prefix: string; connectTimeoutMs: number }): Promise<string[]>;
  /** Queue depths for live runs. Kafka leaves it out: its queues are streams, whose lag it reports otherwise. */
  inspect?(url: string, options: { prefix: string; connectTimeoutMs: number }): Promise<BrokerInspector>;
}
