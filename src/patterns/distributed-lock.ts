import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import { memberTrace, type ComponentContext, type ComponentTrace } from '../core/component.js';
import type { Counter, Gauge, Histogram } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { count, duration } from '../scenario/fields.js';
import { FencedStore, type StoreTally } from './fenced-store.js';
import { LeaseStore } from './lease.js';
import { Process } from './process.js';

export const lockStates = ['SAFE', 'STALE_HOLDER'] as const;
type LockState = (typeof lockStates)[number];
export type WorkerState = 'IDLE' | 'WAITING' | 'HOLDING';

export interface LockConfig {
  workers: number;
  /** The lease on the lock runs out this long after it was granted. */
  ttl: number;
  /** Time in the critical section, between reading the record and writing it back (±20%). */
  hold: number;
  /** Mean time between a worker's jobs (exponential). */
  every: number;
  /** A worker refused the lock asks again after this (±20%). */
  retryEvery: number;
  /** One-way network delay to the lock service and the storage. */
  latency: number;
  /** The storage refuses reads and writes with an older lock token than one it has seen. */
  fencing: boolean;
}

interface Worker {
  name: string;
  process: Process;
  trace: ComponentTrace;
  state: WorkerState;
  wantedAt: number;
  token: number;
  /** Its lease ran out while it was still in its critical section. */
  stale: boolean;
  /** Between its read and its write. */
  working: boolean;
}

/**
 * A lock as a lease with a TTL (a Redis key with an expiry, a ZooKeeper ephemeral node):
 * workers take it in turn to read a record, work on it and write it back. The TTL frees the
 * lock when a holder dies; it also frees it when a holder is merely paused — which wakes up
 * and writes as if it still held it, over someone else's update. With fencing, each grant
 * carries a token that only grows, and the storage refuses an older token than one it has
 * seen. Corrupted writes (lost updates), refused stale writes and the wait for the lock are
 * counted.
 */
export class DistributedLock {
  readonly kind = 'distributed-lock';
  readonly name: string;
  readonly lease: LeaseStore;
  readonly storage: FencedStore;
  readonly workers: readonly Worker[];
  private current: LockState = 'SAFE';
  /** Faults waiting for a worker to enter its critical section. */
  private nextHolder: ((w: Worker) => void)[] = [];
  private seen: StoreTally = { accepted: 0, rejected: 0, stale: 0, lostUpdates: 0, splitTerms: 0 };
  private readonly m: {
    jobs: Counter;
    acquired: Counter;
    refused: Counter;
    expired: Counter;
    writes: Counter;
    accepted: Counter;
    rejected: Counter;
    corrupted: Counter;
    wait: Histogram;
    waiting: Gauge;
  };

  constructor(
    name: string,
    private readonly cfg: LockConfig,
    private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>,
  ) {
    this.name = name;
    this.lease = new LeaseStore(cfg.ttl, ctx.clock);
    this.storage = new FencedStore(cfg.fencing);
    const m = ctx.metrics;
    this.m = {
      jobs: m.counter('jobs'),
      acquired: m.counter('acquired'),
      refused: m.counter('refused'),
      expired: m.counter('expired'),
      writes: m.counter('writes'),
      accepted: m.counter('accepted'),
      rejected: m.counter('rejected'),
      corrupted: m.counter('corrupted'),
      wait: m.histogram('wait'),
      waiting: m.gauge('waiting'),
    };
    this.workers = Array.from({ length: cfg.workers }, (_, i) => {
      const n = `worker-${i + 1}`;
      return { name: n, process: new Process(n, ctx.clock, cfg.latency), trace: memberTrace(ctx.trace, n), state: 'IDLE', wantedAt: 0, token: 0, stale: false, working: false };
    });
    for (const w of this.workers) w.process.after(ctx.random.exponential(cfg.every), () => this.want(w));
  }

  state(): LockState {
    return this.current;
  }

  /** The worker in its critical section (between its read and its write) now, if any. */
  holder(): Worker | undefined {
    return this.workers.find((w) => w.working);
  }

  /** Stalls the holder in its critical section, or the next worker to enter one. */
  pause(cause: string): () => void {
    return this.strike((w) => w.process.pause(), ['paused', 'resumed'], cause);
  }

  /** Cuts the holder (or the next one) off from the network. */
  partition(cause: string): () => void {
    return this.strike((w) => w.process.partition(), ['cut-off', 'reconnected'], cause);
  }

  private strike(hit: (w: Worker) => () => void, [begins, ends]: [string, string], cause: string): () => void {
    let undo: (() => void) | undefined;
    let victim: Worker | undefined;
    const apply = (w: Worker) => {
      victim = w;
      w.trace.event(begins, { cause });
      undo = hit(w);
    };
    const now = this.holder();
    if (now) apply(now);
    else this.nextHolder.push(apply);
    return () => {
      this.nextHolder = this.nextHolder.filter((f) => f !== apply);
      if (victim && undo) {
        victim.trace.event(ends);
        undo();
      }
    };
  }

  columns() {
    const held = this.lease.current();
    const t = this.storage.tally;
    const cols: Record<string, string | number> = {
      lock: held ? `${held.holder}, token ${held.token}, ${formatDuration(held.expiresAt - this.ctx.clock.now())} left` : `free (last token ${this.lease.lastToken})`,
      waiting: this.workers.filter((w) => w.state === 'WAITING').length,
    };
    const stale = this.workers.filter((w) => w.stale);
    if (stale.length > 0) cols['stale holders'] = stale.map((w) => `${w.name} (token ${w.token})`).join(', ');
    const off = this.workers.filter((w) => w.process.isPaused || w.process.isCut);
    if (off.length > 0) cols['trouble'] = off.map((w) => `${w.name} ${w.process.isPaused ? 'paused' : 'cut off'}`).join(', ');
    cols['writes'] = `${t.accepted} accepted, ${t.lostUpdates} corrupted, ${t.rejected} fenced`;
    return cols;
  }

  report() {
    const t = this.storage.tally;
    return { acquired: this.m.acquired.value, 'writes accepted': t.accepted, corrupted: t.lostUpdates, fenced: t.rejected };
  }

  private want(w: Worker): void {
    this.m.jobs.inc();
    w.wantedAt = this.ctx.clock.now();
    this.setState(w, 'WAITING');
    this.ask(w);
  }

  private ask(w: Worker): void {
    w.process.request(
      () => this.lease.acquire(w.name),
      (answer) => {
        if (!answer.ok) {
          this.m.refused.inc();
          w.process.after(this.jittered(this.cfg.retryEvery), () => this.ask(w));
          return;
        }
        this.m.acquired.inc();
        this.m.wait.observe(this.ctx.clock.now() - w.wantedAt);
        w.token = answer.token;
        this.setState(w, 'HOLDING');
        w.trace.event('acquired', { token: answer.token });
        this.watchExpiry(w, answer.token, answer.expiresAt);
        this.work(w, answer.token);
      },
    );
  }

  /** Read the record, work on it, write it back, release — with no second look at the lease. */
  private work(w: Worker, token: number): void {
    w.process.request(
      () => this.storage.read(token),
      (version) => {
        if (version === undefined) {
          w.trace.event('fenced', { token, on: 'read' });
          this.finish(w, token, `${w.name}'s late read was refused (token ${token})`);
          return;
        }
        w.working = true;
        const strikes = this.nextHolder;
        this.nextHolder = [];
        for (const strike of strikes) strike(w);
        w.process.after(this.jittered(this.cfg.hold), () => {
          w.working = false;
          this.m.writes.inc();
          w.process.request(
            () => {
              const verdict = this.storage.write(w.name, token, version);
              const corrupted = this.count() > 0;
              if (corrupted) w.trace.event('corrupted', { token, read: version, overwrote: this.storage.currentVersion - 1 });
              return { verdict, corrupted };
            },
            ({ verdict, corrupted }) => {
              if (verdict === 'rejected') w.trace.event('fenced', { token, on: 'write' });
              this.finish(w, token, verdict === 'rejected' ? `${w.name}'s late write was refused (token ${token} < ${this.storage.highestToken})` : corrupted ? `${w.name}'s late write was accepted over newer updates` : `${w.name} finished its critical section`);
            },
          );
        });
      },
    );
  }

  private finish(w: Worker, token: number, cause: string): void {
    w.process.send(() => this.lease.release(w.name, token));
    w.trace.event('released', { token });
    if (w.stale) {
      w.stale = false;
      this.settle(cause);
    }
    this.setState(w, 'IDLE');
    w.process.after(this.ctx.random.exponential(this.cfg.every), () => this.want(w));
  }

  /** The lock service forgets a holder at its deadline whether or not the holder is done. */
  private watchExpiry(w: Worker, token: number, expiresAt: number): void {
    this.ctx.clock.setTimer(Math.max(0, expiresAt - this.ctx.clock.now()), () => {
      if (w.state !== 'HOLDING' || w.token !== token) return;
      this.m.expired.inc();
      w.stale = true;
      w.trace.event('lease-expired', { token });
      if (this.current === 'SAFE') {
        this.current = 'STALE_HOLDER';
        this.ctx.trace.transition('SAFE', 'STALE_HOLDER', `${w.name}'s lease (token ${token}) ran out while it was still in its critical section`);
      }
    });
  }

  private settle(cause: string): void {
    if (this.current === 'STALE_HOLDER' && !this.workers.some((x) => x.stale)) {
      this.current = 'SAFE';
      this.ctx.trace.transition('STALE_HOLDER', 'SAFE', cause);
    }
  }

  private setState(w: Worker, to: WorkerState): void {
    w.state = to;
    this.m.waiting.set(this.workers.filter((x) => x.state === 'WAITING').length);
  }

  /** Counts what the last write did; returns how many updates it lost. */
  private count(): number {
    const t = this.storage.tally;
    const lost = t.lostUpdates - this.seen.lostUpdates;
    this.m.accepted.inc(t.accepted - this.seen.accepted);
    this.m.rejected.inc(t.rejected - this.seen.rejected);
    this.m.corrupted.inc(lost);
    this.seen = { ...t };
    return lost;
  }

  private jittered(ms: number): number {
    return ms * this.ctx.random.uniform(0.8, 1.2);
  }
}

export const distributedLockKind = defineKind({
  kind: 'distributed-lock',
  role: 'worker',
  summary: 'workers take a lease lock in turn to read, change and write back a record; fencing tokens refuse a holder whose lease ran out',
  schema: z
    .object({
      kind: z.literal('distributed-lock'),
      description: z.string().optional(),
      workers: count({ min: 1, max: 50 }).default(3),
      ttl: duration({ min: 10, max: 3_600_000 }).default(2000),
      hold: duration({ min: 1, max: 3_600_000 }).default(100),
      every: duration({ min: 1, max: 3_600_000 }).default(500),
      retryEvery: duration({ min: 1, max: 60_000 }).default(50),
      latency: duration({ max: 60_000 }).default(2),
      fencing: z.boolean().default(true),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      if (cfg.hold * 1.2 + 4 * cfg.latency >= cfg.ttl) {
        ctx.addIssue({ code: 'custom', path: ['ttl'], message: `ttl (${formatDuration(cfg.ttl)}) must outlast a critical section (hold ${formatDuration(cfg.hold)} +20%, plus the round trips), or every holder loses the lock mid-work` });
      }
    }),
  knobs: {
    workers: { description: 'workers contending for the lock', type: 'int', min: 1, max: 50 },
    ttl: { description: 'the lock frees itself this long after it was taken: sooner after a crash, and sooner under a paused holder', type: 'duration', min: '200ms', max: '1h' },
    hold: { description: 'time in the critical section, between the read and the write', type: 'duration', min: '1ms', max: '10m' },
    every: { description: 'mean time between a worker’s jobs', type: 'duration', min: '1ms', max: '1h' },
    fencing: { description: 'the storage refuses an older lock token than one it has seen', type: 'boolean' },
  },
  metrics: {
    counters: ['jobs', 'acquired', 'refused', 'expired', 'writes', 'accepted', 'rejected', 'corrupted'],
    histograms: ['wait'],
    gauges: ['waiting'],
  },
  states: lockStates,
  references: () => [],
  create: (config, ctx) => new DistributedLock(ctx.name, config, ctx),
});
