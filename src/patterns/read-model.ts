import { z } from 'zod';
import type { MessageLedger } from '../brokers/ledger.js';
import { brokerNamed } from '../components/broker.js';
import { destinationFields, destinationNeeds, destinationOf, refineOneDestination, type Destination } from '../components/destination.js';
import type { Job } from '../components/job.js';
import { defineKind } from '../components/kind.js';
import { latencySchema, sampleLatency, type LatencyDist } from '../components/latency.js';
import type { Commit } from '../components/producer.js';
import type { Call, Callee, Cancel, ComponentContext, Done, Handler, Outcome } from '../core/component.js';
import type { Timer } from '../core/clock.js';
import type { Counter, Gauge, Histogram } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { componentName, count, duration, rate } from '../scenario/fields.js';
import { Freshness } from './cqrs.js';
import { endpointFields, linkKnob, MessagingEndpoint } from './messaging-endpoint.js';

export const readModelStates = ['CURRENT', 'LAGGING', 'DISCONNECTED', 'DOWN'] as const;
type ReadModelState = (typeof readModelStates)[number];

export interface ReadModelConfig {
  from: Destination;
  group: string;
  /** The call tag naming the record a read asks for (the write model's message key). */
  key: string;
  /** Events applied per second, at most. */
  throughput: number;
  /** Time to answer a read from the read model. */
  latency: LatencyDist;
  /** Behind by this long or more: LAGGING. */
  lagging: number;
  /** A reader who wrote waits up to `wait` for their write, then asks `fallback` (the write side), if any. */
  readYourWrites?: { wait: number; fallback?: string | undefined } | undefined;
  prefetch: number;
  link: number;
  reconnect: number;
  sessionTimeout: number;
}

/** Something that tells of every write it commits (a producer with a key). */
interface WriteModel {
  onCommit(listener: (commit: Commit) => void): void;
}

const OK: Outcome = Object.freeze({ ok: true });

/**
 * A read model and the projector that keeps it: it reads the write model's change events
 * (a stream, a queue or a durable subscription), applies them one after the other at
 * `throughput`, and answers reads from what it has applied. Each record keeps the version
 * of the last event applied, so an event read again after a crash changes nothing. Reads
 * are counted fresh or stale against the write model; a read by the record's owner that
 * misses their own write is a read-your-writes violation — unless it waits for its write,
 * or goes to the write side. Reads tagged `viewer` are someone else's.
 */
export class ReadModel implements Callee {
  readonly kind = 'read-model';
  readonly name: string;
  private readonly cfg: ReadModelConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace'>;
  private readonly endpoint: MessagingEndpoint;
  private readonly fresh = new Freshness();
  private readonly fallback: Handler | undefined;
  private queue: Job[] = [];
  private applying = false;
  private epoch = 0;
  private down = false;
  /** Lost its connection (not merely still connecting at the start or after a restart). */
  private disconnected = false;
  private current: ReadModelState = 'CURRENT';
  private check: Timer | undefined;
  private readonly m: {
    received: Counter;
    applied: Counter;
    skipped: Counter;
    reads: Counter;
    staleReads: Counter;
    readYourWritesViolations: Counter;
    waited: Counter;
    fellBack: Counter;
    crashes: Counter;
    unapplied: Counter;
    staleness: Histogram;
    lag: Gauge;
    behindMs: Gauge;
  };

  constructor(
    name: string,
    cfg: ReadModelConfig,
    deps: { broker: ReturnType<typeof brokerNamed>; writeModel: WriteModel; fallback?: Handler | undefined; ledger: MessageLedger },
    ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>,
  ) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.fallback = deps.fallback;
    const m = ctx.metrics;
    this.m = {
      received: m.counter('received'),
      applied: m.counter('applied'),
      skipped: m.counter('skipped'),
      reads: m.counter('reads'),
      staleReads: m.counter('staleReads'),
      readYourWritesViolations: m.counter('readYourWritesViolations'),
      waited: m.counter('waited'),
      fellBack: m.counter('fellBack'),
      crashes: m.counter('crashes'),
      unapplied: m.counter('unapplied'),
      staleness: m.histogram('staleness'),
      lag: m.gauge('lag'),
      behindMs: m.gauge('behindMs'),
    };
    deps.writeModel.onCommit((c) => {
      this.fresh.committed(c);
      this.refresh();
    });
    this.endpoint = new MessagingEndpoint(name, deps.broker.broker, ctx, deps.ledger, { link: cfg.link, reconnect: cfg.reconnect, confirmTimeout: 2000 }, {
      up: () => {
        this.disconnected = false;
        this.refresh('connected to the broker');
      },
      down: (reason) => {
        this.disconnected = true;
        this.refresh(reason);
      },
    });
    this.endpoint.listen({ from: cfg.from, name: cfg.group, prefetch: cfg.prefetch, sessionTimeout: cfg.sessionTimeout }, (job) => this.receive(job));
    deps.ledger.onSettle(() => this.m.unapplied.inc(this.fresh.lag));
    this.endpoint.start();
  }

  get link() {
    return this.endpoint.link;
  }

  state(): ReadModelState {
    return this.current;
  }

  columns() {
    const oldest = this.fresh.oldest();
    const cols: Record<string, string | number> = { applied: this.m.applied.value, lag: this.fresh.lag };
    if (oldest !== undefined) cols['behind'] = formatDuration(this.ctx.clock.now() - oldest);
    cols['reads'] = this.m.reads.value;
    cols['stale'] = this.m.staleReads.value;
    if (this.m.readYourWritesViolations.value > 0) cols['own write missed'] = this.m.readYourWritesViolations.value;
    if (this.m.waited.value > 0) cols['waited'] = this.m.waited.value;
    if (this.m.fellBack.value > 0) cols['to write side'] = this.m.fellBack.value;
    if (this.m.skipped.value > 0) cols['replayed'] = this.m.skipped.value;
    const link = this.link.describe();
    if (link) cols['link'] = link;
    return cols;
  }

  /** A read of one record, answered from what has been applied so far. */
  readonly handle = (call: Call, done: Done): Cancel => {
    this.m.reads.inc();
    const key = call.tags?.[this.cfg.key];
    let timer: Timer | undefined;
    let stopWaiting: (() => void) | undefined;
    const answer = () => (timer = this.ctx.clock.setTimer(sampleLatency(this.cfg.latency, this.ctx.random), () => done(OK)));
    const missing = key === undefined ? undefined : this.fresh.missing(key);
    if (!missing) {
      this.m.staleness.observe(0);
      answer();
    } else {
      const own = call.tags?.['viewer'] === undefined;
      const guard = this.cfg.readYourWrites;
      if (own && guard) {
        // The client carries the version its write returned; the read waits for it.
        const target = this.fresh.latest(key!);
        const giveUp = this.ctx.clock.setTimer(guard.wait, () => {
          stopWaiting?.();
          if (this.fallback) {
            this.m.fellBack.inc();
            this.m.staleness.observe(0);
            this.fallback(call, done);
          } else {
            this.stale(missing.at, true);
            answer();
          }
        });
        stopWaiting = this.fresh.waitFor(key!, target, () => {
          giveUp.cancel();
          this.m.waited.inc();
          this.m.staleness.observe(0);
          answer();
        });
        timer = giveUp;
      } else {
        this.stale(missing.at, own);
        answer();
      }
    }
    return () => {
      timer?.cancel();
      stopWaiting?.();
    };
  };

  /** The projector dies: what it had read but not applied is lost; the read model's table is not. */
  crash(cause: string): () => void {
    if (this.down) return () => {};
    this.down = true;
    this.epoch++;
    this.queue = [];
    this.applying = false;
    this.m.crashes.inc();
    this.endpoint.crash();
    this.disconnected = false;
    this.refresh(`${cause} started`);
    return () => {
      this.down = false;
      this.endpoint.restart();
      this.refresh(`${cause} ended: catching up from the last commit`);
    };
  }

  private stale(since: number, own: boolean): void {
    this.m.staleReads.inc();
    this.m.staleness.observe(this.ctx.clock.now() - since);
    if (own) this.m.readYourWritesViolations.inc();
  }

  private receive(job: Job): void {
    this.m.received.inc();
    this.queue.push(job);
    if (!this.applying) this.applyNext();
  }

  /** One event at a time, at most `throughput` a second: the projector's pace is the read model's lag. */
  private applyNext(): void {
    const job = this.queue.shift();
    if (!job) {
      this.applying = false;
      return;
    }
    this.applying = true;
    const epoch = this.epoch;
    this.ctx.clock.setTimer(1000 / this.cfg.throughput, () => {
      if (epoch !== this.epoch) return;
      const key = job.message.headers['key'];
      const version = Number(job.message.headers['seq']);
      if (key !== undefined && this.fresh.applied(key, version)) {
        this.m.applied.inc();
        this.endpoint.effect(job);
      } else {
        this.m.skipped.inc();
      }
      this.endpoint.complete(job);
      this.refresh();
      this.applyNext();
    });
  }

  private refresh(cause?: string): void {
    const now = this.ctx.clock.now();
    const oldest = this.fresh.oldest();
    const behind = oldest === undefined ? 0 : now - oldest;
    this.m.lag.set(this.fresh.lag);
    this.m.behindMs.set(Math.round(behind));
    // Back to CURRENT only at half the threshold, so a backlog just under it does not flap.
    const lagging = this.current === 'LAGGING' ? behind >= this.cfg.lagging / 2 : behind >= this.cfg.lagging;
    const next: ReadModelState = this.down ? 'DOWN' : this.disconnected ? 'DISCONNECTED' : lagging ? 'LAGGING' : 'CURRENT';
    if (next !== this.current) {
      const from = this.current;
      this.current = next;
      const why =
        cause ??
        (next === 'LAGGING' ? `${this.fresh.lag} writes not applied, the oldest ${formatDuration(behind)} ago` : `caught up: ${this.fresh.lag} writes not applied, none older than ${formatDuration(this.cfg.lagging / 2)}`);
      this.ctx.trace.transition(from, next, why);
    }
    // Look again when the oldest missing write would pass the threshold.
    if (oldest !== undefined && behind < this.cfg.lagging && !this.check) {
      // At least a microsecond: a delay rounded to nothing would look again at the same instant forever.
      this.check = this.ctx.clock.setTimer(Math.max(0.001, oldest + this.cfg.lagging - now), () => {
        this.check = undefined;
        this.refresh();
      });
    }
  }
}

const readModelSchema = z
  .object({
    kind: z.literal('read-model'),
    description: z.string().optional(),
    broker: componentName,
    ...destinationFields,
    group: z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'group names are lower case letters, digits and dashes' }).optional(),
    source: componentName,
    key: z.string().default('user'),
    throughput: rate({ min: 0.001, max: 1_000_000 }).default(1000),
    latency: latencySchema.prefault('2ms'),
    lagging: duration({ min: 1, max: 3_600_000 }).default(1000),
    readYourWrites: z.object({ wait: duration({ max: 3_600_000 }).default(500), fallback: componentName.optional() }).strict().optional(),
    prefetch: count({ min: 1, max: 100_000 }).default(100),
    ...endpointFields,
    sessionTimeout: duration({ min: 1, max: 3_600_000 }).default(3000),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    refineOneDestination(cfg, ctx, 'reads its events from');
    if (cfg.group !== undefined && cfg.queue !== undefined) ctx.addIssue({ code: 'custom', path: ['group'], message: 'group names a topic subscription or a stream’s consumer group' });
  });

export const readModelKind = defineKind({
  kind: 'read-model',
  role: 'service',
  summary: 'a projector applying a write model’s events to a read model that answers reads, and counts how stale they are',
  schema: readModelSchema,
  knobs: {
    throughput: { description: 'events the projector applies per second', type: 'rate', min: '1/s', max: '100000/s' },
    lagging: { description: 'behind by this long or more counts as LAGGING', type: 'duration', min: '1ms', max: '1h' },
    prefetch: { description: 'events it may hold unacknowledged (queues, topics)', type: 'int', min: 1, max: 100_000 },
    link: linkKnob,
  },
  metrics: {
    counters: ['received', 'applied', 'skipped', 'reads', 'staleReads', 'readYourWritesViolations', 'waited', 'fellBack', 'crashes', 'unapplied'],
    histograms: ['staleness'],
    gauges: ['lag', 'behindMs'],
    ratios: { staleRate: ['staleReads', 'reads'] },
  },
  states: readModelStates,
  references: (config) => [
    { field: 'broker', name: config.broker, role: 'broker' as const },
    { field: 'source', name: config.source, role: 'service' as const },
    ...(config.readYourWrites?.fallback !== undefined ? [{ field: 'readYourWrites.fallback', name: config.readYourWrites.fallback, role: 'callable' as const }] : []),
  ],
  requires: (config) => {
    const from = destinationOf(config);
    const needs = destinationNeeds(config.broker, from);
    if (from.kind === 'topic') needs.push({ field: 'topic', of: config.broker, need: 'capability:durable-subscriptions' });
    needs.push({ field: 'source', of: config.source, need: 'kind:producer' }, { field: 'source', of: config.source, need: 'keyed-events' });
    return needs;
  },
  create: (config, ctx, resolve) => {
    const writeModel = resolve.component(config.source) as Partial<WriteModel> & { kind: string };
    if (typeof writeModel.onCommit !== 'function') throw new Error(`internal: ${config.source} is a ${writeModel.kind}, which tells nobody of its writes`);
    return new ReadModel(
      ctx.name,
      {
        from: destinationOf(config),
        group: config.group ?? ctx.name,
        key: config.key,
        throughput: config.throughput,
        latency: config.latency,
        lagging: config.lagging,
        readYourWrites: config.readYourWrites,
        prefetch: config.prefetch,
        link: config.link,
        reconnect: config.reconnect,
        sessionTimeout: config.sessionTimeout,
      },
      {
        broker: brokerNamed(resolve.component(config.broker)),
        writeModel: writeModel as WriteModel,
        fallback: config.readYourWrites?.fallback !== undefined ? resolve.handler(config.readYourWrites.fallback) : undefined,
        ledger: resolve.messages,
      },
      ctx,
    );
  },
});
