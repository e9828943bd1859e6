import { z } from 'zod';
import type { Subscription } from '../brokers/broker.js';
import { streamGroup, subscriptionGroup } from '../brokers/groups.js';
import type { MessageLedger } from '../brokers/ledger.js';
import { MessageLink } from '../brokers/link.js';
import { BrokerSession } from '../brokers/session.js';
import type { Component, ComponentContext, Handler } from '../core/component.js';
import type { Counter, Gauge, Histogram } from '../core/metrics.js';
import { ClaimCheck } from '../patterns/claim-check.js';
import { onFailure, type FailurePolicy } from '../patterns/dead-letter-queue.js';
import { Inbox, type InboxPolicy } from '../patterns/idempotent-consumer.js';
import { joinStream, SequenceChecker } from '../patterns/partitioned-stream.js';
import { subscribeTopic } from '../patterns/pub-sub.js';
import { consumeQueue } from '../patterns/work-queue.js';
import { componentName, count, duration, ratio } from '../scenario/fields.js';
import { brokerNamed } from './broker.js';
import { destinationFields, destinationNeeds, destinationOf, refineOneDestination, type Destination } from './destination.js';
import type { Job } from './job.js';
import { defineKind, type Resolver } from './kind.js';
import { latencySchema, sampleLatency, type LatencyDist } from './latency.js';

export interface ConsumerConfig {
  from: Destination;
  /** A topic subscription's name or a stream's consumer group (default: the component's name). */
  group: string;
  durable: boolean;
  instances: number;
  prefetch: number;
  work: LatencyDist;
  errorRate: number;
  ack: 'manual' | 'auto';
  ackDelay: number;
  failure: FailurePolicy;
  nackDelay: number;
  inbox: boolean;
  accepts?: Record<string, string> | undefined;
  onMismatch: 'requeue' | 'reject';
  link: number;
  reconnect: number;
  sessionTimeout: number;
}

interface Instance {
  readonly index: number;
  readonly session: BrokerSession;
  down: boolean;
  /** Lost its connection (not merely still connecting at start or after a restart). */
  disconnected: boolean;
  /** Bumped when it crashes: work of an earlier life is dropped. */
  epoch: number;
  active: number;
  backlog: Job[];
  partitions: number[];
  subscription?: Subscription | undefined;
}

interface Slowdown {
  factor: number;
  add: number;
}

/**
 * Consumes messages from a queue, a topic subscription or a stream, with `instances`
 * processes sharing the work. Each message takes `work` to process; at its end the side
 * effect happens (counted, and checked for duplicates and per-key order), then after
 * `ackDelay` the ack goes back. A crash loses everything in progress: what was not acked
 * comes back (at-least-once), so an effect already done happens again — unless the inbox
 * remembers it.
 */
export class Consumer implements Component {
  readonly kind = 'consumer';
  readonly name: string;
  readonly link: MessageLink;
  readonly group: string;
  private readonly cfg: ConsumerConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace'>;
  private readonly ledger: MessageLedger;
  private readonly instances: Instance[];
  private readonly inbox: InboxPolicy | undefined;
  /** With an inbox: ids it acked as done already, and ids whose effect it did, to count effects an inbox lost. */
  private readonly skipped = new Set<string>();
  private readonly effected = new Set<string>();
  private readonly claimCheck: ClaimCheck | undefined;
  private readonly calls: Handler | undefined;
  private readonly newCallId: () => number;
  private readonly sequence = new SequenceChecker();
  private readonly slowdowns: Slowdown[] = [];
  /** Jobs being processed, and by which instance. */
  private readonly processing = new Map<Job, Instance>();
  private current = 'UP';
  private readonly m: {
    received: Counter;
    redelivered: Counter;
    processed: Counter;
    failed: Counter;
    acked: Counter;
    nacked: Counter;
    rejected: Counter;
    effects: Counter;
    effectedMessages: Counter;
    duplicates: Counter;
    deduped: Counter;
    outOfOrder: Counter;
    mismatched: Counter;
    missed: Counter;
    lostEffects: Counter;
    crashes: Counter;
    wait: Histogram;
    inFlight: Gauge;
  };

  constructor(
    name: string,
    cfg: ConsumerConfig,
    deps: {
      broker: ReturnType<typeof brokerNamed>;
      calls?: Handler | undefined;
      claimStore?: Handler | undefined;
      newCallId: () => number;
      /** An inbox of someone else's making (an exercise's), in place of the built-in one. */
      inbox?: InboxPolicy | undefined;
    },
    ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>,
    ledger: MessageLedger,
  ) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.ledger = ledger;
    this.calls = deps.calls;
    this.newCallId = deps.newCallId;
    this.inbox = deps.inbox ?? (cfg.inbox ? new Inbox() : undefined);
    this.claimCheck = deps.claimStore ? new ClaimCheck(deps.claimStore, Infinity, deps.newCallId, ctx.clock) : undefined;
    this.link = new MessageLink(ctx.clock, ctx.random.fork('link'), cfg.link);
    const from = cfg.from;
    this.group = from.kind === 'queue' ? from.name : from.kind === 'topic' ? subscriptionGroup(from.name, cfg.group) : streamGroup(from.name, cfg.group);
    const m = ctx.metrics;
    this.m = {
      received: m.counter('received'),
      redelivered: m.counter('redelivered'),
      processed: m.counter('processed'),
      failed: m.counter('failed'),
      acked: m.counter('acked'),
      nacked: m.counter('nacked'),
      rejected: m.counter('rejected'),
      effects: m.counter('effects'),
      effectedMessages: m.counter('effectedMessages'),
      duplicates: m.counter('duplicates'),
      deduped: m.counter('deduped'),
      outOfOrder: m.counter('outOfOrder'),
      mismatched: m.counter('mismatched'),
      missed: m.counter('missed'),
      lostEffects: m.counter('lostEffects'),
      crashes: m.counter('crashes'),
      wait: m.histogram('wait'),
      inFlight: m.gauge('inFlight'),
    };
    ledger.registerGroup({
      destination: from.name,
      group: this.group,
      consumer: name,
      log: from.kind === 'stream',
      settled: (t) => {
        this.m.missed.inc(t.lost);
        let lost = 0;
        for (const id of this.skipped) if (!this.effected.has(id)) lost++;
        this.m.lostEffects.inc(lost);
      },
    });
    ledger.registerHolder(() => this.holding());
    const broker = deps.broker.broker;
    this.instances = Array.from({ length: cfg.instances }, (_, index) => {
      const instance: Instance = {
        index,
        down: false,
        disconnected: false,
        epoch: 0,
        active: 0,
        backlog: [],
        partitions: [],
        session: new BrokerSession(broker, ctx.clock, cfg.instances > 1 ? `${name}-${index + 1}` : name, cfg.reconnect, {
          up: (connection) => {
            instance.subscription = this.subscribe(instance, connection);
            instance.disconnected = false;
            this.refreshState('reconnected to the broker');
          },
          down: (reason) => {
            instance.partitions = [];
            instance.disconnected = true;
            this.refreshState(reason);
          },
        }),
      };
      return instance;
    });
    for (const i of this.instances) i.session.start();
  }

  state(): string {
    return this.current;
  }

  columns() {
    const cols: Record<string, string | number> = {};
    const alive = this.instances.filter((i) => !i.down).length;
    if (this.cfg.instances > 1) cols['up'] = `${alive}/${this.cfg.instances}`;
    if (this.cfg.from.kind === 'stream') cols['partitions'] = this.instances.map((i) => (i.partitions.length ? i.partitions.join(',') : '-')).join(' | ');
    cols['processing'] = this.processing.size;
    cols['acked'] = this.m.acked.value;
    if (this.m.redelivered.value > 0) cols['redelivered'] = this.m.redelivered.value;
    if (this.m.duplicates.value > 0) cols['dup effects'] = this.m.duplicates.value;
    if (this.inbox) cols['deduped'] = this.m.deduped.value;
    if (this.m.outOfOrder.value > 0) cols['out of order'] = this.m.outOfOrder.value;
    if (this.m.failed.value > 0) cols['failed'] = this.m.failed.value;
    const link = this.link.describe();
    if (link) cols['link'] = link;
    return cols;
  }

  /** `instances` of its processes die (all when undefined); they restart when the returned function is called. */
  crash(cause: string, instances?: number): () => void {
    const victims = this.instances.filter((i) => !i.down).slice(0, instances ?? this.instances.length);
    for (const i of victims) {
      i.down = true;
      i.disconnected = false;
      i.epoch++;
      i.session.stop('abrupt');
      i.subscription = undefined;
      i.backlog = [];
      i.active = 0;
      i.partitions = [];
      this.m.crashes.inc();
    }
    for (const [job, owner] of [...this.processing]) if (victims.includes(owner)) this.processing.delete(job);
    this.refreshGauges();
    this.refreshState(`${cause} started: ${victims.length} of ${this.instances.length} down`);
    return () => {
      for (const i of victims) {
        i.down = false;
        i.session.start();
      }
      this.refreshState(`${cause} ended: restarted`);
    };
  }

  /** Processing takes `factor` times longer, plus `add`, until the returned function is called. */
  slow(slowdown: Slowdown, cause: string): () => void {
    this.slowdowns.push(slowdown);
    this.refreshState(`${cause} started`);
    return () => {
      const i = this.slowdowns.indexOf(slowdown);
      if (i >= 0) this.slowdowns.splice(i, 1);
      this.refreshState(`${cause} ended`);
    };
  }

  private subscribe(instance: Instance, connection: Parameters<typeof consumeQueue>[0]): Subscription {
    const epoch = instance.epoch;
    const onJob = (job: Job) =>
      this.link.carry(job.message.id, () => {
        if (instance.down || instance.epoch !== epoch) return;
        this.receive(instance, job);
      });
    const from = this.cfg.from;
    if (from.kind === 'queue') return consumeQueue(connection, from.name, this.cfg.prefetch, onJob);
    if (from.kind === 'topic') return subscribeTopic(connection, from.name, { name: this.cfg.group, durable: this.cfg.durable, prefetch: this.cfg.prefetch }, onJob);
    return joinStream(connection, from.name, { group: this.cfg.group, sessionTimeoutMs: this.cfg.sessionTimeout }, onJob, (change) => {
      if (instance.epoch !== epoch) return;
      if (change.revoked) instance.partitions = instance.partitions.filter((p) => !change.revoked!.includes(p));
      if (change.assigned) instance.partitions = [...new Set([...instance.partitions, ...change.assigned])].sort((a, b) => a - b);
    });
  }

  private receive(instance: Instance, job: Job): void {
    const id = job.message.id;
    if (this.ledger.delivered(id, this.group) > 1) this.m.redelivered.inc();
    this.m.received.inc();
    this.m.wait.observe(this.ctx.clock.now() - job.message.timestamp);
    // At-most-once: acked on receipt, before any work; a crash from here on loses it.
    if (this.cfg.ack === 'auto' && !job.autoAcked) this.link.back(() => job.complete());
    const limit = this.cfg.from.kind === 'stream' ? Infinity : this.cfg.prefetch;
    if (instance.active < limit) this.start(instance, job);
    else instance.backlog.push(job);
  }

  private start(instance: Instance, job: Job): void {
    const epoch = instance.epoch;
    instance.active++;
    this.processing.set(job, instance);
    this.refreshGauges();
    const alive = () => epoch === instance.epoch && !instance.down;
    const release = () => {
      if (!alive()) return;
      instance.active--;
      this.processing.delete(job);
      this.refreshGauges();
      const next = instance.backlog.shift();
      if (next) this.start(instance, next);
    };
    const message = job.message;
    if (this.cfg.accepts && !matches(message.headers, this.cfg.accepts)) {
      this.m.mismatched.inc();
      this.giveBack(job, this.cfg.onMismatch === 'requeue' ? 'retry' : 'refuse', 0, alive, release);
      return;
    }
    if (this.inbox?.receive(message.id) === 'skip') {
      this.deduped(message.id, 'receipt');
      this.finish(job, alive, release);
      return;
    }
    const fail = () => {
      if (!alive()) return;
      this.m.failed.inc();
      this.giveBack(job, onFailure(job, this.cfg.failure), this.cfg.nackDelay, alive, release);
    };
    const succeed = () => {
      if (!alive()) return;
      this.effect(job);
      this.finish(job, alive, release);
    };
    const work = () => {
      if (!alive()) return;
      const s = this.slowdowns.reduce((acc, x) => ({ factor: acc.factor * x.factor, add: acc.add + x.add }), { factor: 1, add: 0 });
      const delay = sampleLatency(this.cfg.work, this.ctx.random) * s.factor + s.add;
      const broken = message.headers['poison'] === 'true' || this.ctx.random.chance(this.cfg.errorRate);
      this.ctx.clock.setTimer(delay, () => {
        if (!alive()) return;
        if (broken) return fail();
        if (!this.calls) return succeed();
        this.calls({ id: this.newCallId(), startedAt: this.ctx.clock.now(), tags: { message: message.id } }, (outcome) => (outcome.ok ? succeed() : fail()));
      });
    };
    if (!this.claimCheck) return work();
    this.claimCheck.checkOut(message, (error) => (error ? fail() : work()));
  }

  /** The side effect, with the inbox row in the same local transaction when there is an inbox. */
  private effect(job: Job): void {
    const id = job.message.id;
    if (this.inbox?.commit(id) === 'rollback') {
      // A concurrent redelivery got there first: the inbox's unique key rolls this one back.
      this.deduped(id, 'commit');
      return;
    }
    if (this.inbox) this.effected.add(id);
    this.m.processed.inc();
    this.m.effects.inc();
    const { first } = this.ledger.effect(id, this.group);
    if (first) this.m.effectedMessages.inc();
    else {
      this.m.duplicates.inc();
      if (this.ctx.trace.enabled) this.ctx.trace.event('duplicate-effect', { id });
    }
    const order = this.sequence.observe(job.message.headers);
    if (order.verdict === 'late') {
      this.m.outOfOrder.inc();
      if (this.ctx.trace.enabled) this.ctx.trace.event('out-of-order', { id, key: order.key!, seq: order.seq!, after: order.highest! });
    }
  }

  private deduped(id: string, on: 'receipt' | 'commit'): void {
    this.m.deduped.inc();
    this.skipped.add(id);
    if (this.ctx.trace.enabled) this.ctx.trace.event('deduped', { id, on });
  }

  private finish(job: Job, alive: () => boolean, release: () => void): void {
    this.ledger.handled(job.message.id, this.group);
    if (job.autoAcked || this.cfg.ack === 'auto') return release();
    this.ctx.clock.setTimer(this.cfg.ackDelay, () => {
      if (!alive()) return;
      this.m.acked.inc();
      this.link.back(() => job.complete());
      release();
    });
  }

  private giveBack(job: Job, action: 'retry' | 'refuse', delay: number, alive: () => boolean, release: () => void): void {
    const done = () => {
      if (!alive()) return;
      if (action === 'retry') this.m.nacked.inc();
      else this.m.rejected.inc();
      // At most once, there is nothing to give back: the message is simply gone.
      if (!job.autoAcked && this.cfg.ack !== 'auto') this.link.back(() => (action === 'retry' ? job.retry() : job.refuse()));
      release();
    };
    if (delay > 0) this.ctx.clock.setTimer(delay, done);
    else done();
  }

  private *holding(): IterableIterator<{ id: string; group?: string }> {
    for (const job of this.processing.keys()) yield { id: job.message.id, group: this.group };
    for (const i of this.instances) for (const job of i.backlog) yield { id: job.message.id, group: this.group };
    for (const { id } of this.link.holding()) yield { id, group: this.group };
  }

  private refreshGauges(): void {
    this.m.inFlight.set(this.processing.size);
  }

  private refreshState(cause: string): void {
    const alive = this.instances.filter((i) => !i.down);
    const next =
      alive.length === 0
        ? 'DOWN'
        : alive.length < this.instances.length
          ? 'DEGRADED'
          : alive.some((i) => i.disconnected)
            ? 'DISCONNECTED'
            : this.slowdowns.length > 0
              ? 'SLOW'
              : 'UP';
    if (next === this.current) return;
    const from = this.current;
    this.current = next;
    this.ctx.trace.transition(from, next, cause);
  }
}

function matches(headers: Readonly<Record<string, string>>, wanted: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(wanted)) if (headers[k] !== v) return false;
  return true;
}

const consumerSchema = z
  .object({
    kind: z.literal('consumer'),
    description: z.string().optional(),
    broker: componentName,
    ...destinationFields,
    group: z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'group names are lower case letters, digits and dashes' }).optional(),
    durable: z.boolean().default(false),
    instances: count({ min: 1, max: 1000 }).default(1),
    prefetch: count({ min: 1, max: 100_000 }).default(10),
    work: latencySchema.prefault('10ms'),
    calls: componentName.optional(),
    errorRate: ratio().default(0),
    ack: z.enum(['manual', 'auto']).default('manual'),
    ackDelay: duration({ max: 3_600_000 }).default(0),
    onError: z.enum(['requeue', 'reject']).default('requeue'),
    maxAttempts: count({ min: 1, max: 1000 }).optional(),
    nackDelay: duration({ max: 3_600_000 }).default(0),
    inbox: z.boolean().default(false),
    accepts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
    onMismatch: z.enum(['requeue', 'reject']).default('requeue'),
    claimCheck: z.object({ store: componentName }).strict().optional(),
    link: duration({ max: 60_000 }).default(0),
    reconnect: duration({ min: 1, max: 3_600_000 }).default(1000),
    sessionTimeout: duration({ min: 1, max: 3_600_000 }).default(3000),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    refineOneDestination(cfg, ctx, 'reads from');
    if (cfg.durable && cfg.topic === undefined) ctx.addIssue({ code: 'custom', path: ['durable'], message: 'durable applies to topic subscriptions (a queue keeps its messages anyway)' });
    if (cfg.group !== undefined && cfg.queue !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['group'], message: 'consumers of a queue compete as one group already; group names a topic subscription or a stream’s consumer group' });
    }
  });

export const consumerKind = defineKind({
  kind: 'consumer',
  role: 'worker',
  summary: 'consumes from a queue, a topic or a stream with a number of instances, processing each message with a side effect',
  schema: consumerSchema,
  knobs: {
    instances: { description: 'processes consuming side by side', type: 'int', min: 1, max: 1000 },
    prefetch: { description: 'unacked messages each instance may hold', type: 'int', min: 1, max: 100_000 },
    work: { description: 'time to process one message', type: 'duration', min: '0ms', max: '1h' },
    errorRate: { description: 'share of messages whose processing fails', type: 'ratio', min: 0, max: 1 },
    inbox: { description: 'remember processed ids and skip duplicates (idempotent consumer)', type: 'boolean' },
    durable: { description: 'a topic subscription that keeps messages while the consumer is away', type: 'boolean' },
    ack: { description: 'manual: ack after the effect (at-least-once); auto: on receipt (at-most-once)', type: 'enum', values: ['manual', 'auto'] },
    ackDelay: { description: 'time between the effect and the ack', type: 'duration', min: '0ms', max: '1h' },
    maxAttempts: { description: 'reject a message after this many deliveries', type: 'int', min: 1, max: 1000 },
    nackDelay: { description: 'pause before giving a failed message back', type: 'duration', min: '0ms', max: '1h' },
  },
  metrics: {
    counters: [
      'received',
      'redelivered',
      'processed',
      'failed',
      'acked',
      'nacked',
      'rejected',
      'effects',
      'effectedMessages',
      'duplicates',
      'deduped',
      'outOfOrder',
      'mismatched',
      'missed',
      'lostEffects',
      'crashes',
    ],
    histograms: ['wait'],
    gauges: ['inFlight'],
    ratios: { effectsPerMessage: ['effects', 'effectedMessages', 'factor'], failureRate: ['failed', 'received'], redeliveryRate: ['redelivered', 'received'] },
  },
  states: ['UP', 'SLOW', 'DEGRADED', 'DISCONNECTED', 'DOWN'],
  references: (config) => [
    { field: 'broker', name: config.broker, role: 'broker' as const },
    ...(config.calls !== undefined ? [{ field: 'calls', name: config.calls, role: 'callable' as const }] : []),
    ...(config.claimCheck ? [{ field: 'claimCheck.store', name: config.claimCheck.store, role: 'callable' as const }] : []),
  ],
  requires: (config) => {
    const needs = destinationNeeds(config.broker, destinationOf(config));
    if (config.durable) needs.push({ field: 'durable', of: config.broker, need: 'capability:durable-subscriptions' });
    if (config.maxAttempts !== undefined) needs.push({ field: 'maxAttempts', of: config.broker, need: 'capability:delivery-count' });
    return needs;
  },
  create: (config, ctx, resolve) => createConsumer(config, ctx, resolve),
});

export type ConsumerSettings = z.output<typeof consumerSchema>;

/** A consumer from its validated settings; `inbox` stands in for the built-in one (an exercise's). */
export function createConsumer(config: ConsumerSettings, ctx: ComponentContext, resolve: Resolver, inbox?: InboxPolicy): Consumer {
  return new Consumer(
    ctx.name,
    {
      from: destinationOf(config),
      group: config.group ?? ctx.name,
      durable: config.durable,
      instances: config.instances,
      prefetch: config.prefetch,
      work: config.work,
      errorRate: config.errorRate,
      ack: config.ack,
      ackDelay: config.ackDelay,
      failure: { onError: config.onError, maxAttempts: config.maxAttempts },
      nackDelay: config.nackDelay,
      inbox: config.inbox,
      accepts: config.accepts,
      onMismatch: config.onMismatch,
      link: config.link,
      reconnect: config.reconnect,
      sessionTimeout: config.sessionTimeout,
    },
    {
      broker: brokerNamed(resolve.component(config.broker)),
      calls: config.calls !== undefined ? resolve.handler(config.calls) : undefined,
      claimStore: config.claimCheck ? resolve.handler(config.claimCheck.store) : undefined,
      newCallId: resolve.newCallId,
      inbox,
    },
    ctx,
    resolve.messages,
  );
}
