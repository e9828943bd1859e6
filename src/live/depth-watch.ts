/**
 * What a real broker holds during a live run, read from the broker itself every quarter
 * second (`RealAdapter.inspect`), so the broker's `depth`, `inFlight` and `dlqSize` gauges mean
 * in a live run what they mean in a simulation. The clients' view (`ObservedBroker`) cannot
 * tell these: a message confirmed and not yet delivered looks the same as one in flight.
 */
import type { BrokerConfig } from '../components/broker.js';
import type { BrokerInspector } from '../brokers/real.js';
import type { BrokerUrl } from '../brokers/url.js';
import { loadAdapter, type AdapterRegistry } from '../commands/broker/connect.js';
import { subscriptionGroup } from '../brokers/groups.js';
import type { Counter, Gauge } from '../core/metrics.js';
import type { Scenario } from '../scenario/model.js';

export interface WatchedQueue {
  /** The run's name: a queue, or `topic@subscription` for a durable subscription. */
  name: string;
  /** For a dead-letter queue: the queues that dead-letter into it. */
  deadLetterFor?: string[];
}

export interface DepthTotals {
  /** Ready in the work queues (durable subscriptions included), as the simulated broker's `depth`. */
  depth: number;
  /** Delivered and unacked, where the broker says. */
  inFlight: number | undefined;
  /** Everything in dead-letter queues. */
  deadLettered: number;
}

/** The queues of a broker component worth watching: its queues and its topics' durable subscriptions. */
export function watchedQueues(scenario: Pick<Scenario, 'components'>, brokerName: string): WatchedQueue[] {
  const broker = scenario.components.find((s) => s.name === brokerName);
  if (!broker) return [];
  const config = broker.config as BrokerConfig;
  const sources = (name: string) => Object.entries(config.queues).filter(([, q]) => q.deadLetter?.to === name).map(([from]) => from);
  const out: WatchedQueue[] = Object.keys(config.queues).map((name) => {
    const from = sources(name);
    return from.length > 0 ? { name, deadLetterFor: from } : { name };
  });
  for (const spec of scenario.components) {
    if (spec.kind !== 'consumer') continue;
    const c = spec.config as { broker?: string; topic?: string; durable?: boolean; group?: string };
    if (c.broker === brokerName && c.topic !== undefined && c.durable) out.push({ name: subscriptionGroup(c.topic, c.group ?? spec.name) });
  }
  return out;
}

/** A broker's gauges (and its dead-letter count, which only grows) from one look at its queues. */
export function recordDepths(m: { depth: Gauge; inFlight: Gauge; dlqSize: Gauge; deadLettered: Counter }, t: DepthTotals): void {
  m.depth.set(t.depth);
  if (t.inFlight !== undefined) m.inFlight.set(t.inFlight);
  m.dlqSize.set(t.deadLettered);
  // What sits in the dead-letter queues was dead-lettered: a lower bound while a consumer drains them.
  m.deadLettered.raiseTo(t.deadLettered);
}

/** The broker row's share of a look at its queues. */
export function depthColumns(t: DepthTotals): Record<string, number> {
  const cols: Record<string, number> = { depth: t.depth };
  if (t.inFlight !== undefined) cols['in flight'] = t.inFlight;
  if (t.deadLettered > 0) cols['dlq'] = t.deadLettered;
  return cols;
}

export function totalsOf(queues: readonly WatchedQueue[], depths: readonly { ready: number; unacked?: number | undefined }[]): DepthTotals {
  const t: DepthTotals = { depth: 0, inFlight: 0, deadLettered: 0 };
  queues.forEach((q, i) => {
    const d = depths[i] ?? { ready: 0 };
    if (q.deadLetterFor) t.deadLettered += d.ready + (d.unacked ?? 0);
    else {
      t.depth += d.ready;
      t.inFlight = d.unacked === undefined || t.inFlight === undefined ? undefined : t.inFlight + d.unacked;
    }
  });
  return t;
}

export class DepthWatch {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(
    private readonly inspector: BrokerInspector,
    private readonly queues: readonly WatchedQueue[],
  ) {}

  /** A watch on the broker at `target` (the broker itself, not the run's proxy); none when the adapter cannot tell depths or nothing is queued. */
  static async open(
    target: BrokerUrl,
    prefix: string,
    queues: readonly WatchedQueue[],
    opts: { connectTimeoutMs: number; registry?: AdapterRegistry | undefined },
  ): Promise<DepthWatch | undefined> {
    if (queues.length === 0 || target.adapter === 'memory') return undefined;
    const adapter = await loadAdapter(target, opts.registry);
    if (!adapter.inspect) return undefined;
    return new DepthWatch(await adapter.inspect(target.url, { prefix, connectTimeoutMs: opts.connectTimeoutMs }), queues);
  }

  /** Reads the depths now and then every `everyMs`, one look at a time; a failed look keeps the last figures. */
  start(onTotals: (totals: DepthTotals) => void, everyMs = 250): void {
    const look = async () => {
      try {
        const depths = await this.inspector.depths(this.queues.map((q) => q.name));
        if (!this.stopped) onTotals(totalsOf(this.queues, depths));
      } catch {
        // The broker is unreachable for the moment: the next look tries again.
      }
      if (!this.stopped) this.timer = setTimeout(() => void look(), everyMs);
    };
    void look();
  }

  /**
   * The messages sitting in the dead-letter queues now, with the queue each came from (the
   * broker's own mark, or the one queue that dead-letters there), at most `limit` a queue.
   */
  async deadLetters(limit = 10_000): Promise<{ id: string; from: string }[]> {
    const out: { id: string; from: string }[] = [];
    for (const q of this.queues) {
      const sources = q.deadLetterFor;
      if (!sources) continue;
      for (const m of await this.inspector.contents(q.name, limit)) {
        const from = m.from ?? (sources.length === 1 ? sources[0] : undefined);
        if (from !== undefined) out.push({ id: m.id, from });
      }
    }
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inspector.close();
  }
}
