import { z } from 'zod';
import type { BrokerError, Message } from '../brokers/broker.js';
import { MessageLink } from '../brokers/link.js';
import type { MessageLedger } from '../brokers/ledger.js';
import { BrokerSession } from '../brokers/session.js';
import type { Callee, Call, Cancel, ComponentContext, Done, FailureKind, Handler, Outcome } from '../core/component.js';
import type { Counter, Gauge, Histogram } from '../core/metrics.js';
import { Backoff } from '../patterns/backoff.js';
import { ClaimCheck } from '../patterns/claim-check.js';
import { Outbox, type RelayPolicy } from '../patterns/transactional-outbox.js';
import { bytes, componentName, count, duration } from '../scenario/fields.js';
import { brokerNamed } from './broker.js';
import { destinationFields, destinationNeeds, destinationOf, refineOneDestination, type Destination } from './destination.js';
import { defineKind, type Resolver } from './kind.js';
import { sampleSize, sizeSchema, type SizeDist } from './payload.js';

export interface ProducerConfig {
  to: Destination;
  /** The call tag whose value is the message key; messages of one key get sequence numbers. */
  key?: string | undefined;
  partitionBy: 'key' | 'round-robin';
  priority?: number | undefined;
  delay?: number | undefined;
  ttl?: number | undefined;
  size: SizeDist;
  confirmTimeout: number;
  onUnavailable: 'fail' | 'retry' | 'buffer';
  retry: { attempts: number; delay: number; maxDelay: number };
  buffer: number;
  /** Each call first commits a business row in a local database, taking this long. */
  database?: number | undefined;
  outbox: false | { every: number; batch: number };
  reconnect: number;
  /** One-way network delay to the broker. */
  link: number;
}

type SendError = { kind: FailureKind; detail: string; retryable: boolean };

/** A write the producer committed to: a keyed message's key and its version (the key's sequence number). */
export interface Commit {
  readonly key: string;
  readonly version: number;
  readonly at: number;
  readonly id: string;
}

const OK: Outcome = Object.freeze({ ok: true });

/**
 * A service that publishes one message per call it receives. Without a database it answers
 * once the broker has confirmed the message (or, buffering, once it holds it in memory).
 * With a database it first commits a business row — and then either publishes (a dual
 * write: a crash or a broker failure in between loses the event) or, with an outbox,
 * writes the event in the same transaction and lets a relay publish it.
 */
export class Producer implements Callee {
  readonly kind = 'producer';
  readonly name: string;
  readonly link: MessageLink;
  private readonly cfg: ProducerConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace'>;
  private readonly ledger: MessageLedger;
  private readonly session: BrokerSession;
  private readonly outbox: Outbox | undefined;
  private readonly claimCheck: ClaimCheck | undefined;
  private current = 'UP';
  private epoch = 0;
  private down = false;
  private count = 0;
  private poisonLeft = 0;
  private readonly sequence = new Map<string, number>();
  /** Messages kept in memory while the broker is out of reach (lost if the process dies). */
  private buffer: Message[] = [];
  private flushing = false;
  /** Messages being sent or retried right now. */
  private readonly inHand = new Set<string>();
  private readonly waiting = new Set<Done>();
  private readonly commitListeners: ((commit: Commit) => void)[] = [];
  private readonly m: {
    calls: Counter;
    published: Counter;
    failed: Counter;
    refused: Counter;
    retries: Counter;
    buffered: Counter;
    committed: Counter;
    lost: Counter;
    pending: Counter;
    duplicates: Counter;
    endToEnd: Histogram;
    backlog: Gauge;
    inFlight: Gauge;
  };

  constructor(
    name: string,
    cfg: ProducerConfig,
    deps: {
      broker: ReturnType<typeof brokerNamed>;
      claimStore?: { handler: Handler; over: number } | undefined;
      newCallId: () => number;
      /** The outbox relay's decisions, when not the built-in's (an exercise's). */
      relay?: RelayPolicy | undefined;
    },
    ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>,
    ledger: MessageLedger,
  ) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.ledger = ledger;
    const m = ctx.metrics;
    this.m = {
      calls: m.counter('calls'),
      published: m.counter('published'),
      failed: m.counter('failed'),
      refused: m.counter('refused'),
      retries: m.counter('retries'),
      buffered: m.counter('buffered'),
      committed: m.counter('committed'),
      lost: m.counter('lost'),
      pending: m.counter('pending'),
      duplicates: m.counter('duplicates'),
      endToEnd: m.histogram('endToEnd'),
      backlog: m.gauge('backlog'),
      inFlight: m.gauge('inFlight'),
    };
    this.link = new MessageLink(ctx.clock, ctx.random.fork('link'), cfg.link);
    this.claimCheck = deps.claimStore ? new ClaimCheck(deps.claimStore.handler, deps.claimStore.over, deps.newCallId, ctx.clock) : undefined;
    this.outbox =
      cfg.outbox === false
        ? undefined
        : new Outbox(cfg.outbox, ctx.clock, {
            writeMs: cfg.database ?? 0,
            publish: (message, done) => this.send(message, (error) => done(error === undefined)),
            sent: () => this.refreshGauges(),
            policy: deps.relay,
            trace: ctx.trace,
          });
    this.session = new BrokerSession(deps.broker.broker, ctx.clock, name, cfg.reconnect, {
      up: () => {
        this.setState('UP', 'connected to the broker');
        this.flush();
      },
      down: (reason) => this.setState('DISCONNECTED', reason),
    });
    ledger.registerProducer(name, {
      firstEffect: (ms) => this.m.endToEnd.observe(ms),
      settled: (t) => {
        this.m.lost.inc(t.lost);
        this.m.pending.inc(t.pending);
        this.m.duplicates.inc(t.duplicates);
      },
    });
    ledger.registerHolder(() => this.holding());
    this.session.start();
    this.outbox?.start();
  }

  state(): string {
    return this.current;
  }

  columns() {
    const cols: Record<string, string | number> = { sent: this.m.calls.value, published: this.m.published.value };
    if (this.m.failed.value > 0) cols['failed'] = this.m.failed.value;
    if (this.outbox) cols['outbox'] = this.outbox.backlog;
    else if (this.cfg.onUnavailable === 'buffer') cols['buffered'] = this.buffer.length;
    const link = this.link.describe();
    if (link) cols['link'] = link;
    return cols;
  }

  readonly handle = (call: Call, done: Done): Cancel => {
    this.m.calls.inc();
    if (this.down) {
      this.m.failed.inc();
      done({ ok: false, error: 'unavailable', by: this.name, detail: 'the service is down' });
      return noop;
    }
    const answer = this.answerOnce(done);
    const message = this.build(call);
    this.ledger.created(message.id, this.name, this.cfg.to.name);
    const epoch = this.epoch;
    if (this.cfg.database === undefined) {
      this.deliver(message, (error) => {
        if (!error) this.committed(message);
        answer(error);
      });
      return answer.cancel;
    }
    this.ctx.clock.setTimer(this.cfg.database, () => {
      if (epoch !== this.epoch) return;
      // The business row is committed: from here on, the event is owed.
      this.m.committed.inc();
      this.committed(message);
      if (this.outbox) {
        this.outbox.add(message);
        this.refreshGauges();
        answer(undefined);
      } else {
        this.deliver(message, answer);
      }
    });
    return answer.cancel;
  };

  /**
   * Hears of every keyed write from the moment it is committed (the business row, or the
   * confirmed publish without a database): the write model's current versions, against
   * which a read model measures how stale it is.
   */
  onCommit(listener: (commit: Commit) => void): void {
    this.commitListeners.push(listener);
  }

  /** The next `count` messages are poison: no consumer will ever process them. */
  poison(count: number): () => void {
    this.poisonLeft += count;
    return noop;
  }

  /** The process dies: memory is lost, the database (and its outbox) is not. */
  crash(cause: string): () => void {
    if (this.down) return noop;
    this.down = true;
    this.epoch++;
    this.session.stop('abrupt');
    this.outbox?.stop();
    this.buffer = [];
    this.flushing = false;
    this.inHand.clear();
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const done of waiting) done({ ok: false, error: 'unavailable', by: this.name, detail: 'the service crashed' });
    this.setState('DOWN', `${cause} started`);
    this.refreshGauges();
    return () => {
      this.down = false;
      this.setState('DISCONNECTED', `${cause} ended: restarting`);
      this.session.start();
      this.outbox?.start();
    };
  }

  private committed(message: Message): void {
    this.ledger.owed(message.id);
    const key = message.headers['key'];
    if (key === undefined || this.commitListeners.length === 0) return;
    const commit: Commit = { key, version: Number(message.headers['seq']), at: this.ctx.clock.now(), id: message.id };
    for (const listener of this.commitListeners) listener(commit);
  }

  private build(call: Call): Message {
    const id = `${this.name}-${++this.count}`;
    const headers: Record<string, string> = { ...(call.tags ?? {}) };
    let key: string | undefined;
    if (this.cfg.key !== undefined) {
      key = call.tags?.[this.cfg.key] ?? `${this.cfg.key}-none`;
      const seq = (this.sequence.get(key) ?? 0) + 1;
      this.sequence.set(key, seq);
      headers['key'] = key;
      headers['seq'] = String(seq);
    }
    if (this.poisonLeft > 0) {
      this.poisonLeft--;
      headers['poison'] = 'true';
    }
    return {
      id,
      key: this.cfg.partitionBy === 'key' ? key : undefined,
      headers,
      size: sampleSize(this.cfg.size, this.ctx.random),
      timestamp: this.ctx.clock.now(),
    };
  }

  /** Sends with the configured answer to an unreachable broker: fail, retry, or buffer. */
  private deliver(message: Message, done: (error?: SendError) => void): void {
    const epoch = this.epoch;
    this.inHand.add(message.id);
    const finish = (error?: SendError) => {
      if (epoch !== this.epoch) return;
      this.inHand.delete(message.id);
      this.refreshGauges();
      done(error);
    };
    const backoff = new Backoff({ backoff: 'exponential', delay: this.cfg.retry.delay, maxDelay: this.cfg.retry.maxDelay, multiplier: 2, jitter: 'full' }, this.ctx.random);
    let attempt = 0;
    const tryOnce = () => {
      attempt++;
      this.send(message, (error) => {
        if (epoch !== this.epoch) return;
        if (!error || !error.retryable || this.cfg.onUnavailable === 'fail') return finish(error);
        if (this.cfg.onUnavailable === 'buffer') {
          if (this.buffer.length >= this.cfg.buffer) return finish(error);
          this.buffer.push(message);
          this.m.buffered.inc();
          this.ledger.owed(message.id);
          this.scheduleFlush();
          return finish(undefined);
        }
        if (attempt >= this.cfg.retry.attempts) return finish(error);
        this.m.retries.inc();
        this.ctx.clock.setTimer(backoff.next(attempt), () => epoch === this.epoch && tryOnce());
      });
    };
    tryOnce();
  }

  /** One attempt: claim check if needed, then across the link to the broker and back. */
  private send(message: Message, done: (error?: SendError) => void): void {
    const epoch = this.epoch;
    const go = (toSend: Message) => {
      const conn = this.session.connection;
      if (!conn) return done({ kind: 'unavailable', detail: 'not connected to the broker', retryable: true });
      let settled = false;
      const settle = (error?: SendError) => {
        if (settled || epoch !== this.epoch) return;
        settled = true;
        timer.cancel();
        if (!error) this.m.published.inc();
        else if (!error.retryable) this.m.refused.inc();
        done(error);
      };
      const timer = this.ctx.clock.setTimer(this.cfg.confirmTimeout, () => settle({ kind: 'timeout', detail: 'no confirm from the broker', retryable: true }));
      const confirm = (error?: BrokerError) => this.link.back(() => settle(error ? fromBroker(error) : undefined));
      this.link.carry(toSend.id, () => {
        const to = this.cfg.to;
        if (to.kind === 'queue') conn.send(to.name, toSend, { priority: this.cfg.priority, delayMs: this.cfg.delay, ttlMs: this.cfg.ttl }, confirm);
        else if (to.kind === 'topic') conn.publish(to.name, toSend, confirm);
        else conn.append(to.name, toSend, {}, (error) => confirm(error));
      });
    };
    if (!this.claimCheck) return go(message);
    this.claimCheck.checkIn(message, (error, toSend) => {
      if (epoch !== this.epoch) return;
      if (error) return done({ kind: error, detail: 'the blob store did not take the payload', retryable: true });
      go(toSend!);
    });
  }

  private scheduleFlush(): void {
    if (this.flushing || this.buffer.length === 0) return;
    this.flushing = true;
    const epoch = this.epoch;
    this.ctx.clock.setTimer(this.cfg.retry.delay, () => {
      if (epoch !== this.epoch) return;
      this.flushing = false;
      this.flush();
    });
  }

  /** Sends what the buffer holds, oldest first; what fails stays for the next try. */
  private flush(): void {
    if (this.buffer.length === 0 || !this.session.connection) return this.scheduleFlush();
    const batch = this.buffer;
    this.buffer = [];
    const epoch = this.epoch;
    for (const message of batch) {
      this.inHand.add(message.id);
      this.send(message, (error) => {
        if (epoch !== this.epoch) return;
        this.inHand.delete(message.id);
        if (error?.retryable) this.buffer.push(message);
        this.refreshGauges();
        this.scheduleFlush();
      });
    }
    this.refreshGauges();
  }

  private *holding(): IterableIterator<{ id: string }> {
    for (const m of this.buffer) yield { id: m.id };
    for (const id of this.inHand) yield { id };
    if (this.outbox) yield* this.outbox.holding();
    yield* this.link.holding();
  }

  private answerOnce(done: Done): ((error?: SendError) => void) & { cancel: Cancel } {
    let answered = false;
    this.waiting.add(done);
    this.refreshGauges();
    const answer = (error?: SendError) => {
      if (answered) return;
      answered = true;
      this.waiting.delete(done);
      this.refreshGauges();
      if (error) {
        this.m.failed.inc();
        done({ ok: false, error: error.kind, by: this.name, detail: error.detail });
      } else {
        done(OK);
      }
    };
    return Object.assign(answer, {
      cancel: () => {
        answered = true;
        this.waiting.delete(done);
      },
    });
  }

  private refreshGauges(): void {
    this.m.backlog.set(this.buffer.length + (this.outbox?.backlog ?? 0));
    this.m.inFlight.set(this.waiting.size);
  }

  private setState(next: string, cause: string): void {
    if (this.down && next !== 'DOWN') return;
    if (next === this.current) return;
    const from = this.current;
    this.current = next;
    this.ctx.trace.transition(from, next, cause);
  }
}

function fromBroker(error: BrokerError): SendError {
  const retryable = error.code === 'unavailable';
  return { kind: retryable ? 'unavailable' : 'error', detail: error.detail, retryable };
}

const noop = () => {};

const producerSchema = z
  .object({
    kind: z.literal('producer'),
    description: z.string().optional(),
    broker: componentName,
    ...destinationFields,
    key: z.string().optional(),
    partitionBy: z.enum(['key', 'round-robin']).default('key'),
    priority: count({ min: 0, max: 255 }).optional(),
    delay: duration({ min: 1 }).optional(),
    ttl: duration({ min: 1 }).optional(),
    size: sizeSchema.default({ dist: 'constant', bytes: 1024 }),
    link: duration({ max: 60_000 }).default(0),
    confirmTimeout: duration({ min: 1, max: 3_600_000 }).default(2000),
    onUnavailable: z.enum(['fail', 'retry', 'buffer']).default('retry'),
    retry: z
      .object({
        attempts: count({ min: 1, max: 100 }).default(3),
        delay: duration({ min: 1 }).default(200),
        maxDelay: duration({ min: 1 }).default(5000),
      })
      .strict()
      .prefault({}),
    buffer: count({ min: 1, max: 1_000_000 }).default(10_000),
    database: duration({ max: 60_000 }).optional(),
    outbox: z
      .union([
        z.literal(false),
        z.object({ every: duration({ min: 1, max: 3_600_000 }).default(100), batch: count({ min: 1, max: 100_000 }).default(100) }).strict(),
      ])
      .default(false),
    claimCheck: z.object({ store: componentName, over: bytes({ min: 1 }).default(256 * 1024) }).strict().optional(),
    reconnect: duration({ min: 1, max: 3_600_000 }).default(1000),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    refineOneDestination(cfg, ctx, 'sends');
    if (cfg.outbox !== false && cfg.database === undefined) {
      ctx.addIssue({ code: 'custom', path: ['outbox'], message: 'an outbox lives in the service’s database: give database (its commit time, e.g. 5ms) too' });
    }
    if (cfg.stream === undefined && cfg.partitionBy !== 'key') {
      ctx.addIssue({ code: 'custom', path: ['partitionBy'], message: 'partitionBy applies to streams only' });
    }
  });

export const producerKind = defineKind({
  kind: 'producer',
  role: 'service',
  summary: 'a service that publishes a message per call: plain, as a dual write, or through an outbox',
  schema: producerSchema,
  knobs: {
    onUnavailable: { description: 'when the broker is out of reach: fail, retry or buffer', type: 'enum', values: ['fail', 'retry', 'buffer'] },
    partitionBy: { description: 'how messages spread over a stream’s partitions', type: 'enum', values: ['key', 'round-robin'] },
    confirmTimeout: { description: 'how long to wait for the broker’s confirm', type: 'duration', min: '1ms', max: '1h' },
    link: { description: 'one-way network delay to the broker', type: 'duration', min: '0ms', max: '60s' },
    buffer: { description: 'messages kept in memory while the broker is away', type: 'int', min: 1, max: 1_000_000 },
    database: { description: 'time to commit the business row', type: 'duration', min: '0ms', max: '60s' },
  },
  metrics: {
    counters: ['calls', 'published', 'failed', 'refused', 'retries', 'buffered', 'committed', 'lost', 'pending', 'duplicates'],
    histograms: ['endToEnd'],
    gauges: ['backlog', 'inFlight'],
    ratios: { failureRate: ['failed', 'calls'] },
  },
  states: ['UP', 'DISCONNECTED', 'DOWN'],
  references: (config) => [
    { field: 'broker', name: config.broker, role: 'broker' as const },
    ...(config.claimCheck ? [{ field: 'claimCheck.store', name: config.claimCheck.store, role: 'callable' as const }] : []),
  ],
  lacks: (config, need) =>
    need === 'keyed-events' && config.key === undefined
      ? 'its messages name no record: give it key: <tag> (the call tag naming the record, e.g. key: user), so each change carries its record and version'
      : undefined,
  requires: (config) => {
    const needs = destinationNeeds(config.broker, destinationOf(config));
    const cap = (field: string, capability: string) => needs.push({ field, of: config.broker, need: `capability:${capability}` });
    if (config.priority !== undefined) cap('priority', 'priorities');
    if (config.delay !== undefined) cap('delay', 'delayed-delivery');
    if (config.ttl !== undefined) cap('ttl', 'message-ttl');
    return needs;
  },
  create: (config, ctx, resolve) => createProducer(config, ctx, resolve),
});

export type ProducerSettings = z.output<typeof producerSchema>;

/** A producer from its validated settings; `relay` stands in for the built-in outbox relay (an exercise's). */
export function createProducer(config: ProducerSettings, ctx: ComponentContext, resolve: Resolver, relay?: RelayPolicy): Producer {
  const { link, key, partitionBy, priority, delay, ttl, size, confirmTimeout, onUnavailable, retry, buffer, database, outbox, reconnect } = config;
  return new Producer(
    ctx.name,
    { to: destinationOf(config), key, partitionBy, priority, delay, ttl, size, confirmTimeout, onUnavailable, retry, buffer, database, outbox, reconnect, link },
    {
      broker: brokerNamed(resolve.component(config.broker)),
      claimStore: config.claimCheck ? { handler: resolve.handler(config.claimCheck.store), over: config.claimCheck.over } : undefined,
      newCallId: resolve.newCallId,
      relay,
    },
    ctx,
    resolve.messages,
  );
}
