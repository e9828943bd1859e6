import { z } from 'zod';
import type { Call, Callee, Cancel, ComponentContext, Done, Outcome } from '../core/component.js';
import type { Counter, Gauge, Histogram } from '../core/metrics.js';
import { count } from '../scenario/fields.js';
import { defineKind } from './kind.js';
import { describeLatency, latencySchema, sampleLatency, type LatencyDist } from './latency.js';

export interface DatabaseConfig {
  /** Time to answer one read (a query, perhaps an expensive one: what a cache saves). */
  latency: LatencyDist;
  /** Time to commit one write statement (a batch is one statement). */
  writeLatency: LatencyDist;
  /** Statements served at once; the rest wait. */
  concurrency?: number | undefined;
  queue: number;
  /** The call tag naming the record a call is about. */
  key: string;
}

/** A read's answer: the version of the record it saw. */
export type ReadResult = { ok: true; version: number } | { ok: false; outcome: Outcome };

export type CommitListener = (key: string, version: number, at: number) => void;

interface Statement {
  run: () => void;
  refuse: (outcome: Outcome) => void;
}

const OVERLOADED: Outcome = Object.freeze({ ok: false, error: 'overloaded' });
const OK: Outcome = Object.freeze({ ok: true });

/**
 * A database of versioned records: the truth a cache is measured against. Every record
 * starts at version 0; each committed write makes the next version, remembered with its
 * commit time, so a value read from a cache can be told stale (older than the latest
 * commit) and since when. A read sees the record as it is when the statement starts; a
 * write commits when its statement ends. At most `concurrency` statements run at once —
 * which is how a cache stampede shows up as queueing, then refusals.
 */
export class Database implements Callee {
  readonly kind = 'database';
  readonly name: string;
  private readonly cfg: DatabaseConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random'>;
  /** Per record, the commit time of each version (index = version - 1). */
  private readonly history = new Map<string, number[]>();
  private readonly listeners: CommitListener[] = [];
  private active = 0;
  private waiting: Statement[] = [];
  private readonly m: {
    calls: Counter;
    reads: Counter;
    writes: Counter;
    rows: Counter;
    overloaded: Counter;
    latency: Histogram;
    inFlight: Gauge;
    queued: Gauge;
  };

  constructor(name: string, cfg: DatabaseConfig, ctx: Pick<ComponentContext, 'clock' | 'random' | 'metrics'>) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    const m = ctx.metrics;
    this.m = {
      calls: m.counter('calls'),
      reads: m.counter('reads'),
      writes: m.counter('writes'),
      rows: m.counter('rows'),
      overloaded: m.counter('overloaded'),
      latency: m.histogram('latency'),
      inFlight: m.gauge('inFlight'),
      queued: m.gauge('queued'),
    };
  }

  state(): undefined {
    return undefined;
  }

  columns() {
    return { reads: this.m.reads.value, writes: this.m.writes.value, 'in flight': this.active, queued: this.waiting.length };
  }

  describe(): string {
    return `reads ${describeLatency(this.cfg.latency)}, writes ${describeLatency(this.cfg.writeLatency)}`;
  }

  /** The latest committed version of a record. */
  version(key: string): number {
    return this.history.get(key)?.length ?? 0;
  }

  /** When `version` of the record was committed (0 for the initial version). */
  committedAt(key: string, version: number): number {
    return version <= 0 ? 0 : (this.history.get(key)?.[version - 1] ?? Infinity);
  }

  /** Hears of every commit, as it happens. */
  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  /** Reads one record; the version is the one committed when the statement starts. */
  read(key: string, done: (result: ReadResult) => void): Cancel {
    this.m.reads.inc();
    let version = 0;
    let waiting = true;
    const started = this.ctx.clock.now();
    this.submit(
      this.cfg.latency,
      () => (version = this.version(key)),
      (outcome) => {
        this.m.latency.observe(this.ctx.clock.now() - started);
        if (waiting) done(outcome.ok ? { ok: true, version } : { ok: false, outcome });
      },
    );
    return () => (waiting = false);
  }

  /** Writes records in one statement (one key, or a write-behind batch); each gets its next version at commit. */
  write(keys: readonly string[], done: (outcome: Outcome, versions: number[]) => void): Cancel {
    this.m.writes.inc();
    const started = this.ctx.clock.now();
    let waiting = true;
    this.submit(
      this.cfg.writeLatency,
      () => {},
      (outcome) => {
        // A write commits whether or not its caller still waits.
        const versions = outcome.ok ? keys.map((k) => this.commit(k)) : [];
        this.m.latency.observe(this.ctx.clock.now() - started);
        if (waiting) done(outcome, versions);
      },
    );
    return () => (waiting = false);
  }

  /** The application calling the database directly: a call tagged `op: write` writes its record, any other reads it. */
  readonly handle = (call: Call, done: Done): Cancel => {
    const key = call.tags?.[this.cfg.key] ?? '';
    if (call.tags?.['op'] === 'write') return this.write([key], (outcome) => done(outcome));
    return this.read(key, (r) => done(r.ok ? OK : r.outcome));
  };

  private commit(key: string): number {
    let h = this.history.get(key);
    if (!h) this.history.set(key, (h = []));
    const at = this.ctx.clock.now();
    h.push(at);
    this.m.rows.inc();
    for (const l of this.listeners) l(key, h.length, at);
    return h.length;
  }

  /** Runs a statement when a connection is free: `begin` at its start, `end` after its latency. */
  private submit(latency: LatencyDist, begin: () => void, end: (outcome: Outcome) => void): void {
    this.m.calls.inc();
    const st: Statement = {
      run: () => {
        begin();
        this.ctx.clock.setTimer(sampleLatency(latency, this.ctx.random), () => {
          this.active--;
          this.m.inFlight.set(this.active);
          end(OK);
          this.next();
        });
      },
      refuse: end,
    };
    if (this.active < (this.cfg.concurrency ?? Infinity)) this.start(st);
    else if (this.waiting.length < this.cfg.queue) {
      this.waiting.push(st);
      this.m.queued.set(this.waiting.length);
    } else {
      this.m.overloaded.inc();
      st.refuse(OVERLOADED);
    }
  }

  private start(st: Statement): void {
    this.active++;
    this.m.inFlight.set(this.active);
    st.run();
  }

  private next(): void {
    while (this.active < (this.cfg.concurrency ?? Infinity) && this.waiting.length > 0) this.start(this.waiting.shift()!);
    this.m.queued.set(this.waiting.length);
  }
}

export const databaseKind = defineKind({
  kind: 'database',
  role: 'service',
  summary: 'a database of versioned records: reads, writes and batches, limited connections; the truth caches are measured against',
  schema: z
    .object({
      kind: z.literal('database'),
      description: z.string().optional(),
      latency: latencySchema.prefault('20ms'),
      writeLatency: latencySchema.optional(),
      concurrency: count({ min: 1, max: 100_000 }).optional(),
      queue: count({ min: 0, max: 1_000_000 }).default(1000),
      key: z.string().default('key'),
    })
    .strict(),
  knobs: {
    latency: { description: 'time to answer one read', type: 'duration', min: '0ms', max: '1h' },
    writeLatency: { description: 'time to commit one write statement', type: 'duration', min: '0ms', max: '1h' },
    concurrency: { description: 'statements served at once; the rest queue', type: 'int', min: 1, max: 100_000 },
  },
  metrics: {
    counters: ['calls', 'reads', 'writes', 'rows', 'overloaded'],
    histograms: ['latency'],
    gauges: ['inFlight', 'queued'],
  },
  references: () => [],
  create: (config, ctx) =>
    new Database(
      ctx.name,
      { latency: config.latency, writeLatency: config.writeLatency ?? config.latency, concurrency: config.concurrency, queue: config.queue, key: config.key },
      ctx,
    ),
});
