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

/** What becomes of an arriving call: it takes a slot, waits for one, or is refused. */
export type Admission = 'run' | 'wait' | 'refuse';

/**
 * The decisions of a bulkhead, apart from its mechanics: who runs, who waits, who is refused,
 * and which waiting call a freed slot goes to. Calls are known by a ticket, numbered in order
 * of arrival. The mechanics hold the calls, run the queue timeouts, and tell the slots what
 * became of each.
 */
export interface Slots {
  /** Call `ticket` arrives. */
  acquire(ticket: number, now: number): Admission;
  /** A call that held a slot is done (answered, or its caller gave up): the waiting call the slot goes to, if any. */
  release(now: number): number | undefined;
  /** Waiting call `ticket` left the queue without a slot: it waited too long, or its caller gave up. */
  leave(ticket: number, now: number): void;
}

/** The built-in decisions: a counting semaphore with a bounded queue, first come first served. */
export class BoundedSlots implements Slots {
  private active = 0;
  private readonly waiting: number[] = [];
  private head = 0;
  /** Tickets that left the queue before reaching its front. */
  private readonly left = new Set<number>();

  constructor(private readonly cfg: Pick<BulkheadConfig, 'maxConcurrent' | 'queue'>) {}

  acquire(ticket: number): Admission {
    if (this.active < this.cfg.maxConcurrent) {
      this.active++;
      return 'run';
    }
    if (this.waiting.length - this.head - this.left.size < this.cfg.queue) {
      this.waiting.push(ticket);
      return 'wait';
    }
    return 'refuse';
  }

  release(): number | undefined {
    while (this.head < this.waiting.length) {
      const ticket = this.waiting[this.head++]!;
      if (!this.left.delete(ticket)) {
        this.compact();
        return ticket; // the slot passes straight to it
      }
    }
    this.waiting.length = this.head = 0;
    this.active--;
    return undefined;
  }

  leave(ticket: number): void {
    this.left.add(ticket);
  }

  /** Keeps the queue from growing without end while it is never empty. */
  private compact(): void {
    if (this.head > 256 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }
}

interface Waiter {
  call: Call;
  done: Done;
  next: Handler;
  arrivedAt: number;
  timer: Timer | undefined;
  /** Set once it holds a slot: cancelling it then gives the slot back. */
  cancel: Cancel | undefined;
}

/**
 * A semaphore with a bounded queue: at most `maxConcurrent` calls in flight, `queue` more
 * waiting (each at most `queueTimeout`), the rest refused. Give each dependency its own, and
 * a slow one can exhaust only its own compartment. One bulkhead used by several clients is a
 * pool they share.
 *
 * The decisions are `slots` (the built-in `BoundedSlots`, or an exercise's); this class holds
 * the calls, times the waits out, and keeps the state and the figures.
 */
export class Bulkhead implements Policy {
  readonly kind = 'bulkhead';
  readonly name: string;
  private active = 0;
  private tickets = 0;
  /** Calls waiting for a slot, by ticket. */
  private readonly waiting = new Map<number, Waiter>();
  private readonly state_: SettledState<BulkheadState>;
  private readonly full: Outcome;
  private readonly waitedTooLong: Outcome;
  private readonly m: { calls: Counter; admitted: Counter; rejected: Counter; timedOut: Counter; active: Gauge; waiting: Gauge; wait: Histogram };

  constructor(
    name: string,
    private readonly cfg: BulkheadConfig,
    private readonly ctx: Pick<ComponentContext, 'clock' | 'trace' | 'metrics'>,
    private readonly slots: Slots = new BoundedSlots(cfg),
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
      waiting: `${this.waiting.size}/${this.cfg.queue}`,
      rejected: this.m.rejected.value,
    };
    if (this.m.timedOut.value > 0) cols['waited too long'] = this.m.timedOut.value;
    return cols;
  }

  wrap(next: Handler): Handler {
    return (call, done) => {
      this.m.calls.inc();
      const now = this.ctx.clock.now();
      const ticket = ++this.tickets;
      const admission = this.slots.acquire(ticket, now);
      if (admission === 'run') return this.start(call, done, next, now);
      if (admission === 'wait') return this.enqueue(ticket, { call, done, next, arrivedAt: now, timer: undefined, cancel: undefined });
      this.m.rejected.inc();
      this.state_.observe('REJECTING', () => `full: ${this.active} busy and ${this.waiting.size} waiting; refused a call`);
      done(this.full);
      return noCancel;
    };
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

  private enqueue(ticket: number, waiter: Waiter): Cancel {
    this.waiting.set(ticket, waiter);
    this.m.waiting.set(this.waiting.size);
    this.state_.observe('QUEUEING', () => `all ${this.cfg.maxConcurrent} slots busy; calls wait`);
    const timeout = this.cfg.queueTimeout;
    if (timeout !== undefined) {
      waiter.timer = this.ctx.clock.setTimer(timeout, () => {
        this.leave(ticket);
        this.m.rejected.inc();
        this.m.timedOut.inc();
        this.state_.observe('REJECTING', () => `a call waited ${formatDuration(timeout)} without a slot`);
        waiter.done(this.waitedTooLong);
      });
    }
    return () => {
      if (this.waiting.has(ticket)) this.leave(ticket);
      else waiter.cancel?.();
    };
  }

  /** A waiting call leaves the queue without a slot. */
  private leave(ticket: number): void {
    const w = this.waiting.get(ticket)!;
    this.waiting.delete(ticket);
    w.timer?.cancel();
    this.slots.leave(ticket, this.ctx.clock.now());
    this.m.waiting.set(this.waiting.size);
  }

  private release(): void {
    this.active--;
    this.m.active.set(this.active);
    const ticket = this.slots.release(this.ctx.clock.now());
    if (ticket !== undefined) {
      const w = this.waiting.get(ticket);
      if (!w) throw new Error(`${this.name}: a slot went to call ${ticket}, which is not waiting`);
      this.waiting.delete(ticket);
      w.timer?.cancel();
      w.cancel = this.start(w.call, w.done, w.next, w.arrivedAt);
    }
    this.m.waiting.set(this.waiting.size);
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
