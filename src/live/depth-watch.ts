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

export interface WatchedStream {
  name: string;
  partitions: number;
  /** The consumer groups that read it. */
  groups: string[];
}

export interface DepthTotals {
  /** Ready in the work queues (durable subscriptions included), as the simulated broker's `depth`. */
  depth: number;
  /** Delivered and unacked, where the broker says. */
  inFlight: number | undefined;
  /** Everything in dead-letter queues. */
  deadLettered: number;
  /** Whether the broker has queues to count (else depth and in flight are not shown). */
  queued: boolean;
  /** Per stream, each partition's lag (the largest of its groups'), where the broker says. */
  lags?: Record<string, number[]>;
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

/** The streams of a broker component with the consumer groups that read them. */
export function watchedStreams(scenario: Pick<Scenario, 'components'>, brokerName: string): WatchedStream[] {
  const broker = scenario.components.find((s) => s.name === brokerName);
  if (!broker) return [];
  return Object.entries((broker.config as BrokerConfig).streams).map(([name, { partitions }]) => {
    const groups = new Set<string>();
    for (const spec of scenario.components) {
      const c = spec.config as { broker?: string; stream?: string; group?: string };
      if (spec.kind === 'consumer' && c.broker === brokerName && c.stream === name) groups.add(c.group ?? spec.name);
    }
    return { name, partitions, groups: [...groups] };
  });
}

/** A broker's gauges (and its dead-letter count, which only grows) from one look at its queues. */
export function recordDepths(m: { depth: Gauge; inFlight: Gauge; dlqSize: Gauge; lag: Gauge; deadLettered: Counter }, t: DepthTotals): void {
  m.depth.set(t.depth);
  if (t.lags) m.lag.set(Math.max(0, ...Object.values(t.lags).flat()));
  if (t.inFlight !== undefined) m.inFlight.set(t.inFlight);
  m.dlqSize.set(t.deadLettered);
  // What sits in the dead-letter queues was dead-lettered: a lower bound while a consumer drains them.
  m.deadLettered.raiseTo(t.deadLettered);
}

/** The broker row's share of a look at its queues. */
export function depthColumns(t: DepthTotals): Record<string, number | string> {
  const cols: Record<string, number | string> = {};
  if (t.queued) cols['depth'] = t.depth;
  if (t.inFlight !== undefined && t.queued) cols['in flight'] = t.inFlight;
  if (t.deadLettered > 0) cols['dlq'] = t.deadLettered;
  for (const [stream, lag] of Object.entries(t.lags ?? {})) cols[`${stream} lag`] = lag.join('/');
  return cols;
}

export function totalsOf(queues: readonly WatchedQueue[], depths: readonly { ready: number; unacked?: number | undefined }[]): DepthTotals {
  const t: DepthTotals = { depth: 0, inFlight: 0, deadLettered: 0, queued: queues.length > 0 };
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
    private readonly streams: readonly WatchedStream[],
  ) {}

  /**
   * A watch on the broker at `target` (the broker itself, not the run's proxy); none when the
   * adapter cannot tell, or the broker component has no queue and no stream read by a group.
   */
  static async open(
    target: BrokerUrl,
    prefix: string,
    watched: { queues: readonly WatchedQueue[]; streams: readonly WatchedStream[] },
    opts: { connectTimeoutMs: number; registry?: AdapterRegistry | undefined },
  ): Promise<DepthWatch | undefined> {
    if (target.adapter === 'memory') return undefined;
    const adapter = await loadAdapter(target, opts.registry);
    if (!adapter.inspect) return undefined;
    const inspected = await adapter.inspect(target.url, { prefix, connectTimeoutMs: opts.connectTimeoutMs });
    const streams = inspected.lags ? watched.streams.filter((s) => s.groups.length > 0) : [];
    if (watched.queues.length === 0 && streams.length === 0) {
      await inspected.close();
      return undefined;
    }
    return new DepthWatch(inspected, watched.queues, streams);
  }

  /** One look: every queue's depth and every stream's lag. */
  async look(): Promise<DepthTotals> {
    const totals = totalsOf(this.queues, this.queues.length > 0 ? await this.inspector.depths(this.queues.map((q) => q.name)) : []);
    if (this.streams.length > 0 && this.inspector.lags) {
      totals.lags = {};
      for (const s of this.streams) {
        const lag = new Array<number>(s.partitions).fill(0);
        for (const group of s.groups) (await this.inspector.lags(s.name, s.partitions, group)).forEach((n, p) => (lag[p] = Math.max(lag[p]!, n)));
        totals.lags[s.name] = lag;
      }
    }
    return totals;
  }

  /** Looks now and then every `everyMs`, one look at a time; a failed look keeps the last figures. */
  start(onTotals: (totals: DepthTotals) => void, everyMs = 250): void {
    const look = async () => {
      try {
        const totals = await this.look();
        if (!this.stopped) onTotals(totals);
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
