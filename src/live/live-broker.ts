/**
 * The scenario's broker component in a live run: the same component (producers, consumers
 * and faults find it as they do in a simulation), with its broker a real one under the run
 * prefix, watched from the client side (`ObservedBroker`), and `broker-unavailable` acting on
 * the fault proxy in front of it, so clients lose real connections.
 */
import type { Broker } from '../brokers/broker.js';
import type { MessageLedger } from '../brokers/ledger.js';
import { BrokerComponent, type BrokerConfig } from '../components/broker.js';
import type { ComponentContext } from '../core/component.js';
import { depthColumns, recordDepths, type DepthTotals } from './depth-watch.js';
import { ObservedBroker } from './observed-broker.js';

export interface BrokerNetwork {
  /** Refuse and drop connections to the broker (true), or let them through again. */
  setDown(down: boolean): Promise<void>;
}

export class LiveBrokerComponent extends BrokerComponent {
  private readonly observed: ObservedBroker;
  private readonly live: Pick<ComponentContext, 'clock' | 'trace'>;
  private readonly down = new Set<string>();
  private depths: DepthTotals | undefined;

  constructor(
    name: string,
    config: BrokerConfig,
    ctx: Pick<ComponentContext, 'clock' | 'trace' | 'metrics'>,
    private readonly ledger: MessageLedger,
    real: Broker,
    private readonly network: BrokerNetwork | undefined,
  ) {
    super(name, config, ctx, ledger);
    this.live = ctx;
    // A rejection is the consumer's decision: nothing the broker counts.
    this.observed = new ObservedBroker(real, (e) => e.type !== 'rejected' && this.countTraffic(e, ledger));
    ledger.registerHolder(() => this.observed.holding());
  }

  override get broker(): Broker {
    return this.observed;
  }

  override state(): string {
    return this.down.size > 0 ? 'DOWN' : 'UP';
  }

  override columns() {
    const c = this.m;
    const cols: Record<string, string | number> = {
      adapter: this.observed.adapter,
      published: c.published.value,
      delivered: c.delivered.value,
      redelivered: c.redelivered.value,
      unacked: this.observed.heldCount,
    };
    if (this.depths) Object.assign(cols, depthColumns(this.depths));
    if (c.refused.value > 0) cols['refused'] = c.refused.value;
    return cols;
  }

  /** What the broker holds, as a `DepthWatch` read it from the broker itself. */
  showDepths(totals: DepthTotals): void {
    this.depths = totals;
    recordDepths(this.m, totals);
  }

  /** Messages found in the dead-letter queues at the end settle as dead-lettered, as in a simulation. */
  settleDeadLetters(found: readonly { id: string; from: string }[]): void {
    for (const { id, from } of found) this.ledger.deadLettered(id, from);
    this.m.deadLettered.raiseTo(found.length);
  }

  /** Through the fault proxy: clients see refused and dropped connections, and reconnect. */
  override makeUnavailable(cause: string): () => void {
    const before = this.state();
    this.down.add(cause);
    if (before === 'UP') {
      this.live.trace.transition('UP', 'DOWN', `${cause} started`);
      void this.network?.setDown(true);
    }
    return () => {
      this.down.delete(cause);
      if (this.down.size === 0) {
        this.live.trace.transition('DOWN', 'UP', `${cause} ended`);
        void this.network?.setDown(false);
      }
    };
  }
}

