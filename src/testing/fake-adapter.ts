/**
 * A RealAdapter without a broker, for the CLI-side tests (doctor, clean, connecting): it
 * keeps a set of names as "the broker", answers doctor from its settings, and can be told
 * to hang or fail. It follows the adapter rules the real ones must: it removes only names
 * under the prefix it is given.
 */
import type { CleanReport, DoctorReport, RealAdapter, RealAdapterName, RealBroker } from '../brokers/real.js';

export interface FakeAdapterOptions {
  name?: RealAdapterName;
  /** Whether it offers `list` (RabbitMQ without the management plugin does not). */
  canList?: boolean;
  /** Names on "the broker" at the start, ours and foreign. */
  names?: string[];
  doctor?: Partial<DoctorReport>;
  /** Every call waits forever (a broker that accepts connections and never answers). */
  hang?: boolean;
  /** Every call waits for this first (to answer after the connect deadline). */
  waitFor?: Promise<unknown>;
  /** Every call rejects with this. */
  fail?: Error;
}

export class FakeAdapter implements RealAdapter {
  readonly name: RealAdapterName;
  readonly schemes: readonly string[];
  readonly names: Set<string>;
  readonly calls: { op: 'open' | 'clean' | 'doctor' | 'list'; url: string; prefix?: string; names?: readonly string[] }[] = [];
  list?: RealAdapter['list'];
  /** Brokers opened and later disposed (a late open is disposed by the connect helper). */
  disposed = 0;

  constructor(private readonly options: FakeAdapterOptions = {}) {
    this.name = options.name ?? 'redis';
    this.schemes = { redis: ['redis:', 'rediss:'], rabbitmq: ['amqp:', 'amqps:'], kafka: ['kafka:'] }[this.name];
    this.names = new Set(options.names ?? []);
    if (options.canList ?? true) {
      this.list = async (url, { prefix }) => {
        await this.gate({ op: 'list', url, prefix });
        return [...this.names].filter((n) => n.startsWith(prefix)).sort();
      };
    }
  }

  async open(url: string, options: { prefix: string }): Promise<RealBroker> {
    await this.gate({ op: 'open', url, prefix: options.prefix });
    const broker = {
      adapter: this.name,
      prefix: options.prefix,
      dispose: async (): Promise<CleanReport> => {
        this.disposed++;
        return { removed: [] };
      },
    };
    // The Broker half (declare, connect) is not what these tests are about.
    return broker as unknown as RealBroker;
  }

  async clean(url: string, options: { prefix: string; names?: readonly string[] }): Promise<CleanReport> {
    await this.gate({ op: 'clean', url, prefix: options.prefix, ...(options.names ? { names: options.names } : {}) });
    const candidates = this.list ? [...this.names] : [...(options.names ?? [])];
    const removed = candidates.filter((n) => n.startsWith(options.prefix) && this.names.delete(n)).sort();
    return { removed };
  }

  async doctor(url: string): Promise<DoctorReport> {
    await this.gate({ op: 'doctor', url });
    return { version: '7.4.0', canCreate: true, notes: [], ...this.options.doctor };
  }

  private async gate(call: FakeAdapter['calls'][number]): Promise<void> {
    this.calls.push(call);
    if (this.options.fail) throw this.options.fail;
    if (this.options.waitFor) await this.options.waitFor;
    if (this.options.hang) await new Promise<never>(() => {});
  }
}

/** A registry holding just these fakes, in the shape of `realAdapters`. */
export function fakeRegistry(...adapters: FakeAdapter[]): { [K in RealAdapterName]?: () => Promise<FakeAdapter> } {
  return Object.fromEntries(adapters.map((a) => [a.name, () => Promise.resolve(a)]));
}
