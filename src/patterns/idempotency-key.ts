import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import { noCancel, type Call, type ComponentContext, type Done, type Handler, type Outcome, type Policy } from '../core/component.js';
import type { Counter, Gauge } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { duration } from '../scenario/fields.js';

export interface IdempotencyConfig {
  /** How long a stored answer is kept after the request completed. */
  ttl: number;
  /** A duplicate that arrives while the first is still being served: waits for its answer, or is refused (409). */
  inFlight: 'wait' | 'reject';
  /** Store failed answers too (replay the error), or forget the key so a retry can try again. */
  storeFailures: boolean;
}

/** A key's life: IN_FLIGHT while the first request is served, then STORED until the TTL, or RELEASED after a failure that is not stored. */
export type KeyState = 'IN_FLIGHT' | 'STORED' | 'RELEASED' | 'EXPIRED';

interface Entry {
  key: number;
  state: 'IN_FLIGHT' | 'STORED';
  outcome: Outcome | undefined;
  waiters: Done[];
  /** Duplicates seen: a key used once is not news, so only keys with duplicates are traced. */
  duplicates: number;
}

/**
 * Server-side idempotency keys: the first request with a key is executed and its answer
 * stored; a duplicate (a retry after a timeout, a double click) gets the stored answer
 * instead of a second execution, or — while the first is still running — waits for it or
 * is refused with 409. The key is the call's id, which retries and duplicates keep.
 * Place it on the server side, in front of the call that has the effect.
 */
export class IdempotencyKey implements Policy {
  readonly kind = 'idempotency-key';
  readonly name: string;
  private readonly cfg: IdempotencyConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'trace'>;
  private readonly store = new Map<number, Entry>();
  /** Stored entries in completion order, which with one TTL is also expiry order. */
  private expiries: { entry: Entry; at: number }[] = [];
  private expiriesHead = 0;
  private inFlight = 0;
  private readonly conflict: Outcome;
  private readonly m: {
    calls: Counter;
    executed: Counter;
    replayed: Counter;
    waited: Counter;
    conflicts: Counter;
    released: Counter;
    expired: Counter;
    stored: Gauge;
  };

  constructor(name: string, cfg: IdempotencyConfig, ctx: Pick<ComponentContext, 'clock' | 'trace' | 'metrics'>) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.conflict = Object.freeze({ ok: false, error: 'rejected', by: name, detail: '409 conflict: a request with this key is in flight' });
    const m = ctx.metrics;
    this.m = {
      calls: m.counter('calls'),
      executed: m.counter('executed'),
      replayed: m.counter('replayed'),
      waited: m.counter('waited'),
      conflicts: m.counter('conflicts'),
      released: m.counter('released'),
      expired: m.counter('expired'),
      stored: m.gauge('stored'),
    };
  }

  state(): undefined {
    return undefined;
  }

  columns() {
    this.expire();
    const m = this.m;
    const cols: Record<string, string | number> = { 'in flight': this.inFlight, stored: this.store.size - this.inFlight, executed: m.executed.value, replayed: m.replayed.value };
    if (this.cfg.inFlight === 'wait') cols['waited'] = m.waited.value;
    else cols['409s'] = m.conflicts.value;
    cols['ttl'] = formatDuration(this.cfg.ttl);
    return cols;
  }

  /** Where a key stands now, for tests. */
  stateOf(key: number): KeyState | undefined {
    this.expire();
    return this.store.get(key)?.state;
  }

  wrap(next: Handler): Handler {
    return (call, done) => {
      this.m.calls.inc();
      this.expire();
      const found = this.store.get(call.id);
      if (!found) return this.execute(next, call, done);
      found.duplicates++;
      if (found.state === 'STORED') {
        this.m.replayed.inc();
        this.note('replayed', found);
        done(found.outcome!);
        return noCancel;
      }
      if (this.cfg.inFlight === 'reject') {
        this.m.conflicts.inc();
        this.note('conflict', found);
        done(this.conflict);
        return noCancel;
      }
      this.m.waited.inc();
      this.note('waiting', found);
      return this.waitFor(found, done);
    };
  }

  private execute(next: Handler, call: Call, done: Done): () => void {
    const entry: Entry = { key: call.id, state: 'IN_FLIGHT', outcome: undefined, waiters: [], duplicates: 0 };
    this.store.set(call.id, entry);
    this.inFlight++;
    this.m.executed.inc();
    const cancel = this.waitFor(entry, done);
    // The server keeps working when the caller gives up: that is how the answer gets stored.
    next(call, (outcome) => this.complete(entry, outcome));
    return cancel;
  }

  private waitFor(entry: Entry, done: Done): () => void {
    entry.waiters.push(done);
    return () => {
      const i = entry.waiters.indexOf(done);
      if (i >= 0) entry.waiters.splice(i, 1);
    };
  }

  private complete(entry: Entry, outcome: Outcome): void {
    this.inFlight--;
    if (outcome.ok || this.cfg.storeFailures) {
      entry.state = 'STORED';
      entry.outcome = outcome;
      this.expiries.push({ entry, at: this.ctx.clock.now() + this.cfg.ttl });
      this.note('stored', entry, outcome.ok ? 'ok' : outcome.error);
    } else {
      this.store.delete(entry.key);
      this.m.released.inc();
      this.note('released', entry, outcome.error);
    }
    this.m.stored.set(this.store.size - this.inFlight);
    const waiters = entry.waiters;
    entry.waiters = [];
    for (const w of waiters) w(outcome);
  }

  private expire(): void {
    const now = this.ctx.clock.now();
    const q = this.expiries;
    while (this.expiriesHead < q.length && q[this.expiriesHead]!.at <= now) {
      const { entry } = q[this.expiriesHead]!;
      q[this.expiriesHead++] = undefined as never;
      this.store.delete(entry.key);
      this.m.expired.inc();
      this.note('expired', entry);
    }
    if (this.expiriesHead > 1024 && this.expiriesHead * 2 > q.length) {
      this.expiries = q.slice(this.expiriesHead);
      this.expiriesHead = 0;
    }
    this.m.stored.set(this.store.size - this.inFlight);
  }

  /**
   * A key's story, as events: per-key transitions would drown every other line of a run, and
   * only keys a duplicate touched are told at all (a key used once is not news).
   */
  private note(name: 'replayed' | 'conflict' | 'waiting' | 'stored' | 'released' | 'expired', entry: Entry, answer?: string): void {
    if (entry.duplicates === 0 || !this.ctx.trace.enabled) return;
    const data: Record<string, string | number> = { key: entry.key, state: name === 'released' ? 'RELEASED' : name === 'expired' ? 'EXPIRED' : entry.state, duplicates: entry.duplicates };
    if (answer !== undefined) data['answer'] = answer;
    this.ctx.trace.event(name, data);
  }
}

export const idempotencyKeyKind = defineKind({
  kind: 'idempotency-key',
  role: 'policy',
  summary: 'executes a request once per key; duplicates get the stored answer, wait for the first, or a 409',
  schema: z
    .object({
      kind: z.literal('idempotency-key'),
      description: z.string().optional(),
      ttl: duration({ min: 1, max: 7 * 86_400_000 }).default(86_400_000),
      inFlight: z.enum(['wait', 'reject']).default('wait'),
      storeFailures: z.boolean().default(false),
    })
    .strict(),
  knobs: {
    ttl: { description: 'how long an answer is kept for duplicates', type: 'duration', min: '1ms', max: '168h' },
    inFlight: { description: 'a duplicate of a request still running: wait for its answer, or reject (409)', type: 'enum', values: ['wait', 'reject'] },
    storeFailures: { description: 'replay failed answers too, instead of letting a retry try again', type: 'boolean' },
  },
  metrics: {
    counters: ['calls', 'executed', 'replayed', 'waited', 'conflicts', 'released', 'expired'],
    gauges: ['stored'],
    ratios: { executionsPerCall: ['executed', 'calls'], replayRate: ['replayed', 'calls'] },
  },
  references: () => [],
  create: (config, ctx) => new IdempotencyKey(ctx.name, config, ctx),
});
