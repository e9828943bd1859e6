import type { ComponentContext } from '../core/component.js';
import type { Counter, Gauge, Histogram } from '../core/metrics.js';

/** One step of a saga: who does it, and the state the saga is in once it is done. */
export interface SagaStep {
  participant: string;
  state: string;
}

export type Ending = 'success' | 'cancelled' | 'failed';

export interface SagaRecord {
  readonly id: string;
  /** Who placed it (the call's key tag): readers see their own latest saga. */
  readonly user: string | undefined;
  readonly startedAt: number;
  state: string;
  ended: Ending | undefined;
  /** A step failed (or never answered): the saga can no longer succeed. */
  failed: boolean;
  /** Reads that saw a step's state (stock reserved, card charged) while it was still running. */
  intermediateReads: number;
}

export const PENDING = 'PENDING';
export const COMPENSATING = 'COMPENSATING';
export const CANCELLED = 'CANCELLED';
export const FAILED = 'FAILED';

export const sagaCounters = [
  'started',
  'completed',
  'failed',
  'compensated',
  'uncompensated',
  'commands',
  'retries',
  'timeouts',
  'lateReplies',
  'reads',
  'readsPending',
  'dirtyReads',
  'dangling',
  'unfinished',
  'needlessUndos',
  'undoneOutOfOrder',
] as const;

/**
 * The saga log of the service that starts sagas: every saga's state (PENDING, then each
 * step's state, or COMPENSATING then CANCELLED), kept in its database so it survives a
 * crash. Hundreds of sagas run at once, so the table shows counts per state and each saga's
 * moves go to the trace as `saga` events. Readers see the states as they are — a saga
 * has no isolation: a reader can see stock reserved for an order that is then cancelled.
 */
export class SagaBook {
  /** Every state a saga can be in, in the order a saga goes through them. */
  readonly states: readonly string[];
  readonly success: string;
  private readonly counts = new Map<string, number>();
  private readonly sagas = new Map<string, SagaRecord>();
  private readonly latest = new Map<string, SagaRecord>();
  private started = 0;
  private readonly m: Record<(typeof sagaCounters)[number], Counter> & { inProgress: Gauge; compensating: Gauge; duration: Histogram };

  constructor(
    private readonly name: string,
    steps: readonly SagaStep[],
    private readonly ctx: Pick<ComponentContext, 'clock' | 'trace' | 'metrics'>,
  ) {
    this.success = steps[steps.length - 1]!.state;
    this.states = [PENDING, ...steps.map((s) => s.state), COMPENSATING, CANCELLED, FAILED];
    for (const s of this.states) this.counts.set(s, 0);
    const m = ctx.metrics;
    this.m = {
      ...(Object.fromEntries(sagaCounters.map((c) => [c, m.counter(c)])) as Record<(typeof sagaCounters)[number], Counter>),
      inProgress: m.gauge('inProgress'),
      compensating: m.gauge('compensating'),
      duration: m.histogram('duration'),
    };
  }

  get metrics() {
    return this.m;
  }

  count(state: string): number {
    return this.counts.get(state) ?? 0;
  }

  get(id: string): SagaRecord | undefined {
    return this.sagas.get(id);
  }

  /** Sagas still running, oldest first. */
  *running(): IterableIterator<SagaRecord> {
    for (const s of this.sagas.values()) if (!s.ended) yield s;
  }

  all(): IterableIterator<SagaRecord> {
    return this.sagas.values();
  }

  open(user: string | undefined): SagaRecord {
    const saga: SagaRecord = { id: `${this.name}-${++this.started}`, user, startedAt: this.ctx.clock.now(), state: PENDING, ended: undefined, failed: false, intermediateReads: 0 };
    this.sagas.set(saga.id, saga);
    if (user !== undefined) this.latest.set(user, saga);
    this.counts.set(PENDING, this.count(PENDING) + 1);
    this.m.started.inc();
    this.refreshGauges();
    this.event(saga, '', PENDING, 'placed');
    return saga;
  }

  /** A step is done: the saga takes the step's state (the last step's state ends it). */
  advance(saga: SagaRecord, to: string, cause: string): void {
    if (saga.ended || saga.failed) return;
    this.move(saga, to, cause);
    if (to === this.success) this.end(saga, 'success');
  }

  /** A step failed or never answered: compensate what was done, or (without compensation) give up. */
  fail(saga: SagaRecord, cause: string, compensate: boolean): void {
    if (saga.ended || saga.failed) return;
    saga.failed = true;
    this.m.failed.inc();
    if (!compensate) {
      this.move(saga, FAILED, `${cause}; nothing compensates`);
      this.end(saga, 'failed');
      return;
    }
    this.move(saga, COMPENSATING, cause);
  }

  /** Every step that was done is undone. */
  cancelled(saga: SagaRecord, cause: string): void {
    if (saga.ended) return;
    this.move(saga, CANCELLED, cause);
    this.end(saga, 'cancelled');
  }

  /** A read of the caller's latest saga: what it sees, counted. */
  read(user: string | undefined): void {
    this.m.reads.inc();
    const saga = user === undefined ? undefined : this.latest.get(user);
    if (!saga || saga.ended) return;
    this.m.readsPending.inc();
    if (saga.state !== PENDING && saga.state !== COMPENSATING) saga.intermediateReads++;
  }

  /**
   * At the end of the run: holds left for sagas that did not succeed (`held` asks the
   * participants), and sagas not finished — including failed ones still compensating.
   */
  settle(held: (saga: string) => number): void {
    for (const saga of this.sagas.values()) {
      if (!saga.ended) {
        this.m.unfinished.inc();
        if (saga.failed) this.m.uncompensated.inc();
        continue;
      }
      if (saga.ended !== 'success') this.m.dangling.inc(held(saga.id));
    }
  }

  private move(saga: SagaRecord, to: string, cause: string): void {
    const from = saga.state;
    if (from === to) return;
    saga.state = to;
    this.counts.set(from, this.count(from) - 1);
    this.counts.set(to, this.count(to) + 1);
    this.refreshGauges();
    this.event(saga, from, to, cause);
  }

  private end(saga: SagaRecord, ending: Ending): void {
    saga.ended = ending;
    this.m.duration.observe(this.ctx.clock.now() - saga.startedAt);
    if (ending === 'success') this.m.completed.inc();
    else if (ending === 'cancelled') this.m.compensated.inc();
    else this.m.uncompensated.inc();
    if (ending !== 'success') this.m.dirtyReads.inc(saga.intermediateReads);
    this.refreshGauges();
  }

  private event(saga: SagaRecord, from: string, to: string, cause: string): void {
    if (this.ctx.trace.enabled) this.ctx.trace.event('saga', from ? { id: saga.id, from, to, cause } : { id: saga.id, to, cause });
  }

  private refreshGauges(): void {
    const finished = this.count(this.success) + this.count(CANCELLED) + this.count(FAILED);
    this.m.inProgress.set(this.started - finished);
    this.m.compensating.set(this.count(COMPENSATING));
  }
}
