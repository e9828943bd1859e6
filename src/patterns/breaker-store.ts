/**
 * Where a shared breaker keeps its state: one record per key, updated atomically, read by
 * every client that shares it. The simulated store lives in the run (each operation is a
 * round trip of `latency` on the run's clock); the Redis store (src/live/redis-breaker-store.ts)
 * does the same two operations as Lua scripts, so concurrent clients never race.
 *
 * The rule, per key: CLOSED counts failures in a row; `threshold` of them open it until
 * now + `openFor`; the first call after that is the one probe (HALF_OPEN, everyone else is
 * rejected); the probe's success closes it, its failure opens it again.
 */
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import type { Component, ComponentContext } from '../core/component.js';
import type { Counter } from '../core/metrics.js';
import { duration } from '../scenario/fields.js';
import { defineKind } from '../components/kind.js';
import type { BreakerState } from './circuit-breaker.js';

export type Admission = 'pass' | 'probe' | 'reject';

export interface BreakerRule {
  threshold: number;
  openFor: number;
}

/** Callbacks, never synchronous, as every store a real network sits in front of. */
export interface BreakerStore {
  admit(key: string, now: number, done: (admission: Admission, state: BreakerState) => void): void;
  record(key: string, now: number, outcome: { failed: boolean; probe: boolean }, rule: BreakerRule, done: (state: BreakerState) => void): void;
}

interface Entry {
  state: BreakerState;
  failures: number;
  openUntil: number;
}

/** The rule itself, on one entry: what the simulated store runs, and what the Redis script mirrors. */
export function admitEntry(e: Entry, now: number): Admission {
  if (e.state === 'CLOSED') return 'pass';
  if (e.state === 'OPEN' && now >= e.openUntil) {
    e.state = 'HALF_OPEN';
    return 'probe';
  }
  return 'reject';
}

export function recordEntry(e: Entry, now: number, outcome: { failed: boolean; probe: boolean }, rule: BreakerRule): void {
  if (outcome.probe) {
    if (outcome.failed) Object.assign(e, { state: 'OPEN', openUntil: now + rule.openFor, failures: 0 });
    else Object.assign(e, { state: 'CLOSED', failures: 0 });
    return;
  }
  if (e.state !== 'CLOSED') return;
  if (!outcome.failed) e.failures = 0;
  else if (++e.failures >= rule.threshold) Object.assign(e, { state: 'OPEN', openUntil: now + rule.openFor, failures: 0 });
}

export class MemoryBreakerStore implements BreakerStore {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Pick<Clock, 'setTimer'>,
    private readonly latencyMs: number,
  ) {}

  admit(key: string, now: number, done: (admission: Admission, state: BreakerState) => void): void {
    const e = this.entry(key);
    const admission = admitEntry(e, now);
    const state = e.state;
    this.clock.setTimer(this.latencyMs, () => done(admission, state));
  }

  record(key: string, now: number, outcome: { failed: boolean; probe: boolean }, rule: BreakerRule, done: (state: BreakerState) => void): void {
    const e = this.entry(key);
    recordEntry(e, now, outcome, rule);
    const state = e.state;
    this.clock.setTimer(this.latencyMs, () => done(state));
  }

  private entry(key: string): Entry {
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = { state: 'CLOSED', failures: 0, openUntil: 0 }));
    return e;
  }
}

/** The store as a component of a scenario: shared breakers name it. */
export class BreakerStoreComponent implements Component {
  readonly kind = 'breaker-store';
  store: BreakerStore;
  private readonly m: { reads: Counter; writes: Counter };

  constructor(
    readonly name: string,
    cfg: { latency: number },
    ctx: Pick<ComponentContext, 'clock' | 'metrics'>,
  ) {
    this.store = new MemoryBreakerStore(ctx.clock, cfg.latency);
    this.m = { reads: ctx.metrics.counter('reads'), writes: ctx.metrics.counter('writes') };
  }

  /** Counts every operation, whatever store is behind (a live run swaps in Redis). */
  counted(): BreakerStore {
    return {
      admit: (key, now, done) => {
        this.m.reads.inc();
        this.store.admit(key, now, done);
      },
      record: (key, now, outcome, rule, done) => {
        this.m.writes.inc();
        this.store.record(key, now, outcome, rule, done);
      },
    };
  }

  state(): undefined {
    return undefined;
  }

  columns() {
    return { reads: this.m.reads.value, writes: this.m.writes.value };
  }
}

export const breakerStoreKind = defineKind({
  kind: 'breaker-store',
  role: 'monitor',
  summary: 'where shared circuit breakers keep their state (in the run; Redis in a live run)',
  schema: z
    .object({
      kind: z.literal('breaker-store'),
      description: z.string().optional(),
      latency: duration({ max: 10_000 }).default(1),
    })
    .strict(),
  knobs: {
    latency: { description: 'one round trip to the store', type: 'duration', min: '0ms', max: '10s' },
  },
  metrics: { counters: ['reads', 'writes'] },
  references: () => [],
  create: (config, ctx) => new BreakerStoreComponent(ctx.name, config, ctx),
});

