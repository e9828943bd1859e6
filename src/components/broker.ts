import { z } from 'zod';
import type { Broker, Topology } from '../brokers/broker.js';
import { brokerProfiles, capabilityInfo, missingCapability, type BrokerProfileName, type Capability } from '../brokers/capabilities.js';
import type { MessageLedger } from '../brokers/ledger.js';
import type { BrokerEvent } from '../brokers/memory/host.js';
import { MemoryBroker } from '../brokers/memory/memory-broker.js';
import type { Component, ComponentContext } from '../core/component.js';
import type { Counter, Gauge } from '../core/metrics.js';
import { didYouMean } from '../core/suggest.js';
import { bytes, count, duration } from '../scenario/fields.js';
import { defineKind } from './kind.js';

const destination = z
  .string({ error: 'expected a name' })
  .regex(/^[a-z][a-z0-9-]*$/, { message: 'queue, topic and stream names are lower case letters, digits and dashes' });

const queueSchema = z
  .object({
    maxPriority: count({ min: 1, max: 255 }).optional(),
    deadLetter: z.object({ to: destination, after: count({ min: 1, max: 1000 }).optional() }).strict().optional(),
    ackTimeout: duration({ min: 1 }).optional(),
    ttl: duration({ min: 1 }).optional(),
  })
  .strict();

type QueueConfig = z.output<typeof queueSchema>;

/** The capabilities a queue's options need, with the field that asks for each. */
function queueNeeds(q: QueueConfig): [keyof QueueConfig | 'deadLetter.after', Capability][] {
  const needs: [keyof QueueConfig | 'deadLetter.after', Capability][] = [];
  if (q.maxPriority !== undefined) needs.push(['maxPriority', 'priorities']);
  if (q.deadLetter) needs.push(['deadLetter', 'dead-letter']);
  if (q.deadLetter?.after !== undefined) needs.push(['deadLetter.after', 'delivery-limit']);
  if (q.ackTimeout !== undefined) needs.push(['ackTimeout', 'ack-timeout']);
  if (q.ttl !== undefined) needs.push(['ttl', 'message-ttl']);
  return needs;
}

const profileNames = Object.keys(brokerProfiles) as BrokerProfileName[];

function lacking(like: BrokerProfileName, capability: Capability): string | undefined {
  const why = missingCapability(brokerProfiles[like].capabilities, capability);
  return why === undefined ? undefined : `a broker like ${like} has no ${capability} (${capabilityInfo[capability]}): ${why}`;
}

const brokerSchema = z
  .object({
    kind: z.literal('broker'),
    description: z.string().optional(),
    adapter: z.enum(['memory']).default('memory'),
    like: z.enum(profileNames as [BrokerProfileName, ...BrokerProfileName[]]).default('memory'),
    latency: duration({ max: 10_000 }).default(1),
    maxMessageSize: bytes({ min: 1 }).optional(),
    queues: z.record(destination, queueSchema).default({}),
    topics: z.array(destination).default([]),
    streams: z.record(destination, z.object({ partitions: count({ min: 1, max: 1000 }) }).strict()).default({}),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const refuse = (path: (string | number)[], capability: Capability) => {
      const why = lacking(cfg.like, capability);
      if (why) ctx.addIssue({ code: 'custom', path, message: why });
    };
    if (Object.keys(cfg.queues).length > 0) refuse(['queues'], 'queues');
    if (cfg.topics.length > 0) refuse(['topics'], 'pub-sub');
    if (Object.keys(cfg.streams).length > 0) refuse(['streams'], 'partitions');
    for (const [name, q] of Object.entries(cfg.queues)) {
      for (const [field, capability] of queueNeeds(q)) refuse(['queues', name, ...field.split('.')], capability);
      const to = q.deadLetter?.to;
      if (to !== undefined && !Object.hasOwn(cfg.queues, to)) {
        const guess = didYouMean(to, Object.keys(cfg.queues));
        ctx.addIssue({ code: 'custom', path: ['queues', name, 'deadLetter', 'to'], message: `dead-letters to "${to}", which is not one of its queues${guess ? ` (${guess})` : ''}` });
      }
    }
  });

export type BrokerConfig = z.output<typeof brokerSchema>;

/**
 * A message broker as a component of the scenario: the memory adapter under the simulated
 * clock, limited to what a real broker offers when `like:` says which. Its row shows what
 * it holds; the `broker-unavailable` fault switches it off.
 */
/** The events both a simulated broker and an observed real one report. */
export type TrafficEvent =
  | { type: 'accepted'; id: string; destination: string }
  | { type: 'refused' }
  | { type: 'delivered'; count: number }
  | { type: 'acked' }
  | { type: 'returned' };

export class BrokerComponent implements Component {
  readonly kind = 'broker';
  readonly name: string;
  readonly adapter: MemoryBroker;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'trace'>;
  private readonly outages: string[] = [];
  protected readonly m: {
    published: Counter;
    refused: Counter;
    delivered: Counter;
    redelivered: Counter;
    acked: Counter;
    returned: Counter;
    deadLettered: Counter;
    dropped: Counter;
    depth: Gauge;
    inFlight: Gauge;
    dlqSize: Gauge;
    lag: Gauge;
  };

  constructor(name: string, config: BrokerConfig, ctx: Pick<ComponentContext, 'clock' | 'trace' | 'metrics'>, ledger: MessageLedger) {
    this.name = name;
    this.ctx = ctx;
    const profile = brokerProfiles[config.like];
    this.adapter = new MemoryBroker(ctx.clock, { profile, latencyMs: config.latency, maxMessageBytes: config.maxMessageSize });
    const m = ctx.metrics;
    this.m = {
      published: m.counter('published'),
      refused: m.counter('refused'),
      delivered: m.counter('delivered'),
      redelivered: m.counter('redelivered'),
      acked: m.counter('acked'),
      returned: m.counter('returned'),
      deadLettered: m.counter('deadLettered'),
      dropped: m.counter('dropped'),
      depth: m.gauge('depth'),
      inFlight: m.gauge('inFlight'),
      dlqSize: m.gauge('dlqSize'),
      lag: m.gauge('lag'),
    };
    this.adapter.observe((e) => this.observe(e, ledger));
    ledger.registerHolder(() => this.adapter.holding());
    this.adapter.declare(topologyOf(config), (error) => {
      if (error) throw new Error(`internal: the broker refused its own topology: ${error.detail}`);
    });
  }

  get broker(): Broker {
    return this.adapter;
  }

  state(): string {
    return this.adapter.available ? 'UP' : 'DOWN';
  }

  columns() {
    const stats = this.adapter.stats();
    const cols: Record<string, string | number> = {};
    const work = stats.queues.filter((q) => !q.deadLetter);
    if (work.length > 0) {
      cols['depth'] = work.reduce((n, q) => n + q.ready, 0);
      cols['in flight'] = work.reduce((n, q) => n + q.unacked, 0);
      cols['redelivered'] = this.m.redelivered.value;
    }
    const dlq = stats.queues.filter((q) => q.deadLetter);
    if (dlq.length > 0) cols['dlq'] = dlq.reduce((n, q) => n + q.ready + q.unacked, 0);
    for (const s of stats.streams) {
      const lag = Array.from({ length: s.partitions }, (_, p) => Math.max(0, ...s.groups.map((g) => g.lag[p] ?? 0)));
      cols[`${s.name} lag`] = lag.join('/');
    }
    if (this.m.refused.value > 0) cols['refused'] = this.m.refused.value;
    return cols;
  }

  /** The broker goes away until the returned function brings it back. */
  makeUnavailable(cause: string): () => void {
    this.outages.push(cause);
    if (this.outages.length === 1) this.flip(false, `${cause} started`);
    return () => {
      const i = this.outages.indexOf(cause);
      if (i >= 0) this.outages.splice(i, 1);
      if (this.outages.length === 0) this.flip(true, `${cause} ended`);
    };
  }

  private flip(up: boolean, cause: string): void {
    // The broker's own transition first: its clients' follow from it.
    this.ctx.trace.transition(this.state(), up ? 'UP' : 'DOWN', cause);
    this.adapter.setAvailable(up, up ? 'broker back' : 'broker unavailable');
    this.refreshGauges();
  }

  /** The traffic every broker reports, the memory one and a real one seen from its clients. */
  protected countTraffic(e: TrafficEvent, ledger: MessageLedger): void {
    const m = this.m;
    switch (e.type) {
      case 'accepted':
        m.published.inc();
        ledger.accepted(e.id, e.destination);
        break;
      case 'refused':
        m.refused.inc();
        break;
      case 'delivered':
        m.delivered.inc();
        if (e.count > 1) m.redelivered.inc();
        break;
      case 'acked':
        m.acked.inc();
        break;
      case 'returned':
        m.returned.inc();
        break;
    }
  }

  private observe(e: BrokerEvent, ledger: MessageLedger): void {
    const m = this.m;
    const trace = this.ctx.trace;
    switch (e.type) {
      case 'accepted':
      case 'refused':
      case 'delivered':
      case 'acked':
      case 'returned':
        this.countTraffic(e, ledger);
        break;
      case 'dead-lettered':
        m.deadLettered.inc();
        ledger.deadLettered(e.id, e.group);
        if (trace.enabled) trace.event('dead-letter', { id: e.id, from: e.group, to: e.to, reason: e.reason });
        break;
      case 'dropped':
        m.dropped.inc();
        break;
      case 'rebalanced':
        if (trace.enabled) trace.event('rebalance', { group: e.group, generation: e.generation, assignment: e.assignment });
        break;
      case 'committed':
        break;
    }
    this.refreshGauges();
  }

  private refreshGauges(): void {
    const t = this.adapter.totals();
    this.m.depth.set(t.depth);
    this.m.inFlight.set(t.inFlight);
    this.m.dlqSize.set(t.deadLettered);
    this.m.lag.set(t.lag);
  }
}

export function topologyOf(config: BrokerConfig): Topology {
  const queues: NonNullable<Topology['queues']> = {};
  for (const [name, q] of Object.entries(config.queues)) {
    queues[name] = {
      maxPriority: q.maxPriority,
      deadLetter: q.deadLetter ? { queue: q.deadLetter.to, afterDeliveries: q.deadLetter.after } : undefined,
      ackTimeoutMs: q.ackTimeout,
      messageTtlMs: q.ttl,
    };
  }
  return { queues, topics: config.topics, streams: config.streams };
}

const destinationKinds = { queue: 'queues', topic: 'topics', stream: 'streams' } as const;

export const brokerKind = defineKind({
  kind: 'broker',
  role: 'broker',
  summary: 'a message broker (in memory) with queues, topics and partitioned streams',
  schema: brokerSchema,
  knobs: {
    like: { description: 'limit the broker to what a real one offers', type: 'enum', values: profileNames },
    latency: { description: 'the broker’s own time per operation', type: 'duration', min: '0ms', max: '10s' },
  },
  metrics: {
    counters: ['published', 'refused', 'delivered', 'redelivered', 'acked', 'returned', 'deadLettered', 'dropped'],
    gauges: ['depth', 'inFlight', 'dlqSize', 'lag'],
    ratios: { redeliveryRate: ['redelivered', 'delivered'] },
  },
  states: ['UP', 'DOWN'],
  references: () => [],
  lacks: (config, need) => {
    const [what, name] = need.split(':') as [string, string];
    if (what === 'capability') return lacking(config.like, name as Capability);
    const field = destinationKinds[what as keyof typeof destinationKinds];
    if (!field) return undefined;
    const declared = field === 'topics' ? config.topics : Object.keys(config[field]);
    if (declared.includes(name)) return undefined;
    const guess = didYouMean(name, declared);
    return `the broker declares no ${what} "${name}"${guess ? ` (${guess})` : declared.length ? ` (its ${field}: ${declared.join(', ')})` : ` (declare it under ${field}:)`}`;
  },
  create: (config, ctx, resolve) => new BrokerComponent(ctx.name, config, ctx, resolve.messages),
});

/** The broker component a producer or consumer names. */
export function brokerNamed(component: Component): BrokerComponent {
  if (!(component instanceof BrokerComponent)) throw new Error(`internal: ${component.name} is not a broker`);
  return component;
}
