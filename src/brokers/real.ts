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
  /** Leftovers of killed runs: removes what lives under `PREFIX_ROOT` (or a narrower prefix), nothing else. */
  clean(url: string, options: { prefix: string; connectTimeoutMs: number; names?: readonly string[] }): Promise<CleanReport>;
  doctor(url: string, options: { connectTimeoutMs: number }): Promise<DoctorReport>;
  /**
   * The names under `prefix` that exist on the broker, as `clean` would report them, without
   * removing anything (`patterns clean --dry-run`, and cleaning run by run while another run
   * is alive). Adapters that cannot list (RabbitMQ without the management plugin) leave it out.
   */
  list?(url: string, options: { prefix: string; connectTimeoutMs: number }): Promise<string[]>;
}
