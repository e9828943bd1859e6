import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import type { Timer } from '../core/clock.js';
import { noCancel, type Call, type Cancel, type ComponentContext, type Done, type Handler, type Outcome, type Policy } from '../core/component.js';
import type { Counter, Gauge, Histogram } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { count, duration } from '../scenario/fields.js';
import { SettledState } from './settled-state.js';

export interface BulkheadConfig {
  /** Calls allowed through at once: the size of the compartment. */
  maxConcurrent: number;
  /** Calls that may wait for a slot; more are refused at once. */
  queue: number;
  /** How long a call may wait for a slot before it is refused; none: as long as its caller waits. */
  queueTimeout?: number | undefined;
}

export type BulkheadState = 'ACCEPTING' | 'QUEUEING' | 'REJECTING';

interface Waiter {
  call: Call;
  done: Done;
  next: Handler;
  arrivedAt: number;
  timer: Timer | undefined;
  /** Set once it has left the queue (started, timed out, or its caller gave up). */
  gone: boolean;
  cancel: Cancel;
}

/**
 * A semaphore with a bounded queue: at most `maxConcurrent` calls in flight, `queue` more
 * waiting (each at most `queueTimeout`), the rest refused. Give each dependency its own, and
 * a slow one can exhaust only its own compartment. One bulkhead used by several clients is a
 * pool they share.
 */
export class Bulkhead implements Policy {
  readonly kind = 'bulkhead';
  readonly name: string;
  private active = 0;
  private waiting: Waiter[] = [];
  private head = 0;
  /** Waiters still in the queue (gone ones may linger in the array until they reach its front). */
  private inQueue = 0;
  private readonly state_: SettledState<BulkheadState>;
  private readonly full: Outcome;
  private readonly waitedTooLong: Outcome;
  private readonly m: { calls: Counter; admitted: Counter; rejected: Counter; timedOut: Counter; active: Gauge; waiting: Gauge; wait: Histogram };

  constructor(
    name: string,
    private readonly cfg: BulkheadConfig,
    private readonly ctx: Pick<ComponentContext, 'clock' | 'trace' | 'metrics'>,
  ) {
    this.name = name;
    this.state_ = new SettledState<BulkheadState>(['ACCEPTING', 'QUEUEING', 'REJECTING'], 1000, ctx, (from) =>
      from === 'REJECTING' ? 'nothing refused' : 'no call waited',
    );
    this.full = Object.freeze({ ok: false, error: 'rejected', by: name, detail: `bulkhead full: ${cfg.maxConcurrent} busy, ${cfg.queue} waiting` });
    this.waitedTooLong = Object.freeze({ ok: false, error: 'rejected', by: name, detail: `no slot within ${formatDuration(cfg.queueTimeout ?? 0)}` });
    const m = ctx.metrics;
    this.m = {
      calls: m.counter('calls'),
      admitted: m.counter('admitted'),
      rejected: m.counter('rejected'),
      timedOut: m.counter('timedOut'),
      active: m.gauge('active'),
      waiting: m.gauge('waiting'),
      wait: m.histogram('wait'),
    };
  }

  state(): BulkheadState {
    return this.state_.current;
  }

  columns() {
    const cols: Record<string, string | number> = {
      busy: `${this.active}/${this.cfg.maxConcurrent}`,
      waiting: `${this.queued()}/${this.cfg.queue}`,
      rejected: this.m.rejected.value,
    };
    if (this.m.timedOut.value > 0) cols['waited too long'] = this.m.timedOut.value;
    return cols;
  }

  wrap(next: Handler): Handler {
    return (call, done) => {
      this.m.calls.inc();
      if (this.active < this.cfg.maxConcurrent) return this.start(call, done, next, this.ctx.clock.now());
      if (this.queued() < this.cfg.queue) return this.enqueue(call, done, next);
      this.m.rejected.inc();
      this.state_.observe('REJECTING', () => `full: ${this.active} busy and ${this.queued()} waiting; refused a call`);
      done(this.full);
      return noCancel;
    };
  }

  private queued(): number {
    return this.inQueue;
  }

  /** Takes a waiter out of the queue, once. */
  private leave(w: Waiter): boolean {
    if (w.gone) return false;
    w.gone = true;
    w.timer?.cancel();
    this.inQueue--;
    return true;
  }

  private start(call: Call, done: Done, next: Handler, arrivedAt: number): Cancel {
    const clock = this.ctx.clock;
    this.active++;
    this.m.active.set(this.active);
    this.m.admitted.inc();
    this.m.wait.observe(clock.now() - arrivedAt);
    let settled = false;
    const cancel = next(call, (outcome) => {
      if (settled) return;
      settled = true;
      this.release();
      done(outcome);
    });
    // A caller that stops waiting gives its slot back: the connection is closed.
    return () => {
      if (settled) return;
      settled = true;
      cancel();
      this.release();
    };
  }

  private enqueue(call: Call, done: Done, next: Handler): Cancel {
    const waiter: Waiter = { call, done, next, arrivedAt: this.ctx.clock.now(), timer: undefined, gone: false, cancel: noCancel };
    this.waiting.push(waiter);
    this.inQueue++;
    this.m.waiting.set(this.queued());
    this.state_.observe('QUEUEING', () => `all ${this.cfg.maxConcurrent} slots busy; calls wait`);
    const timeout = this.cfg.queueTimeout;
    if (timeout !== undefined) {
      waiter.timer = this.ctx.clock.setTimer(timeout, () => {
        if (!this.leave(waiter)) return;
        this.m.rejected.inc();
        this.m.timedOut.inc();
        this.state_.observe('REJECTING', () => `a call waited ${formatDuration(timeout)} without a slot`);
        this.compact();
        done(this.waitedTooLong);
      });
    }
    return () => {
      if (this.leave(waiter)) this.compact();
      else waiter.cancel();
    };
  }

  private release(): void {
    this.active--;
    this.m.active.set(this.active);
    while (this.active < this.cfg.maxConcurrent && this.head < this.waiting.length) {
      const w = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined as never;
      if (!this.leave(w)) continue;
      w.cancel = this.start(w.call, w.done, w.next, w.arrivedAt);
    }
    this.compact();
  }

  /** Drops finished waiters from the front, and keeps the array from growing without end. */
  private compact(): void {
    while (this.head < this.waiting.length && this.waiting[this.head]!.gone) this.head++;
    if (this.head > 256 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    this.m.waiting.set(this.queued());
  }
}

export const bulkheadKind = defineKind({
  kind: 'bulkhead',
  role: 'policy',
  summary: 'caps the calls in flight to one dependency, with a bounded queue; the rest are refused',
  schema: z
    .object({
      kind: z.literal('bulkhead'),
      description: z.string().optional(),
      maxConcurrent: count({ min: 1, max: 100_000 }),
      queue: count({ min: 0, max: 1_000_000 }).default(0),
      queueTimeout: duration({ min: 0, max: 3_600_000 }).optional(),
    })
    .strict(),
  knobs: {
    maxConcurrent: { description: 'calls in flight at once', type: 'int', min: 1, max: 100_000 },
    queue: { description: 'calls that may wait for a slot', type: 'int', min: 0, max: 1_000_000 },
    queueTimeout: { description: 'longest wait for a slot before refusing', type: 'duration', min: '0ms', max: '1h' },
  },
  metrics: {
    counters: ['calls', 'admitted', 'rejected', 'timedOut'],
    histograms: ['wait'],
    gauges: ['active', 'waiting'],
    ratios: { rejectionRate: ['rejected', 'calls'] },
  },
  states: ['ACCEPTING', 'QUEUEING', 'REJECTING'],
  references: () => [],
  create: (config, ctx) => new Bulkhead(ctx.name, { maxConcurrent: config.maxConcurrent, queue: config.queue, queueTimeout: config.queueTimeout }, ctx),
});
