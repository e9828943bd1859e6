import { z } from 'zod';
import { defineKind, type ComponentKind } from '../components/kind.js';
import { noCancel, type Call, type Columns, type ComponentContext, type Handler, type Outcome, type Policy } from '../core/component.js';
import type { Counter, Gauge } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { SettledState } from './settled-state.js';

/**
 * What every rate limiter shares, whatever its algorithm: one bucket per key (a tag such as
 * `user`) or one for everyone, other limits for some classes (a tag such as `tier`), refusals
 * as 429 with Retry-After, a LIMITING state while it refuses, and the figures worth comparing
 * (largest burst let through, fairness between keys).
 */

/** An algorithm's answer for one call: go now or after a wait, or come back after `retryAfter` ms. */
export type Decision = { admit: true; delay: number } | { admit: false; retryAfter: number };

/** One key's limit under one algorithm. */
export interface Bucket {
  take(now: number): Decision;
  /** Its internals, for the live table and refusals: "7/10 in this window", "3.2/20 tokens". */
  describe(now: number): string;
  /** Calls waiting to leave, for algorithms that queue. */
  queued?(now: number): number;
}

export interface LimiterConfig<P> {
  /** The tag whose value gets its own bucket (one per user); none: one bucket for everyone. */
  key?: string | undefined;
  params: P;
  /** Other limits for some classes of calls, by the value of a tag. */
  classes?: { by: string; limits: Record<string, Partial<P>> } | undefined;
}

interface Entry {
  label: string;
  bucket: Bucket;
  admitted: number;
  rejected: number;
  /** Times calls left in the last second, oldest first from `head`. */
  recent: number[];
  head: number;
}

export type LimiterState = 'ADMITTING' | 'LIMITING';
const BURST_SPAN = 1000;
const SETTLE = 1000;

export class RateLimiter<P> implements Policy {
  readonly name: string;
  /** Buckets by class, then by key; `entries` lists them all in creation order. */
  private readonly buckets = new Map<string, Map<string, Entry>>();
  private readonly entries: Entry[] = [];
  private readonly state_: SettledState<LimiterState>;
  private lastRefused: Entry | undefined;
  private largest: { count: number; label: string } = { count: 0, label: '' };
  private readonly m: { calls: Counter; admitted: Counter; rejected: Counter; burst: Gauge; keys: Gauge; queued: Gauge };

  constructor(
    readonly kind: string,
    name: string,
    private readonly cfg: LimiterConfig<P>,
    private readonly makeBucket: (params: P, now: number) => Bucket,
    private readonly ctx: Pick<ComponentContext, 'clock' | 'trace' | 'metrics'>,
  ) {
    this.name = name;
    this.state_ = new SettledState<LimiterState>(['ADMITTING', 'LIMITING'], SETTLE, ctx, () => 'nothing refused');
    const m = ctx.metrics;
    this.m = {
      calls: m.counter('calls'),
      admitted: m.counter('admitted'),
      rejected: m.counter('rejected'),
      burst: m.gauge('burst'),
      keys: m.gauge('keys'),
      queued: m.gauge('queued'),
    };
  }

  state(): LimiterState {
    return this.state_.current;
  }

  columns(): Columns {
    const now = this.ctx.clock.now();
    const cols: Columns = {};
    if (this.cfg.key === undefined && !this.cfg.classes) {
      const only = this.entries[0];
      if (only) cols['bucket'] = only.bucket.describe(now);
    } else {
      cols[this.cfg.key === undefined ? 'buckets' : 'keys'] = this.entries.length;
      const last = this.lastRefused;
      if (last) cols['last refused'] = `${last.label} (${last.bucket.describe(now)})`;
    }
    cols['admitted'] = this.m.admitted.value;
    cols['rejected'] = this.m.rejected.value;
    return cols;
  }

  report(): Columns {
    const out: Columns = { admitted: this.m.admitted.value, rejected: this.m.rejected.value };
    out['largest burst'] = this.largest.count > 0 ? `${this.largest.count}/s (${this.largest.label})` : '—';
    if (this.cfg.key !== undefined && this.entries.length > 1) {
      const limited = this.entries.filter((e) => e.rejected > 0);
      out['keys limited'] = `${limited.length} of ${this.entries.length}`;
      out['fairness'] = limited.length >= 2 ? jain(limited.map((e) => e.admitted)).toFixed(2) : '—';
    }
    return out;
  }

  /** The decision for one call, without sending it anywhere (tests, library use). */
  decide(call: Pick<Call, 'tags'>): { entry: Entry; decision: Decision } {
    const now = this.ctx.clock.now();
    const entry = this.entryFor(call.tags);
    const decision = entry.bucket.take(now);
    this.m.calls.inc();
    if (decision.admit) {
      entry.admitted++;
      this.m.admitted.inc();
    } else {
      entry.rejected++;
      this.m.rejected.inc();
      this.lastRefused = entry;
      this.state_.observe('LIMITING', () => `refused ${entry.label}: ${entry.bucket.describe(now)}; retry after ${formatDuration(decision.retryAfter)}`);
    }
    if (entry.bucket.queued) this.m.queued.set(entry.bucket.queued(now));
    return { entry, decision };
  }

  wrap(next: Handler): Handler {
    const clock = this.ctx.clock;
    return (call, done) => {
      const { entry, decision } = this.decide(call);
      if (!decision.admit) {
        done(this.refusal(entry, decision.retryAfter));
        return noCancel;
      }
      if (decision.delay <= 0) {
        this.left(entry, clock.now());
        return next(call, done);
      }
      // Queued (leaky bucket): the call leaves at its turn. A caller who stops waiting keeps
      // its place in the queue, as a slot already drawn from the bucket's schedule.
      let cancelled = false;
      let cancelNext: (() => void) | undefined;
      const timer = clock.setTimer(decision.delay, () => {
        this.left(entry, clock.now());
        if (entry.bucket.queued) this.m.queued.set(entry.bucket.queued(clock.now()));
        if (!cancelled) cancelNext = next(call, done);
      });
      return () => {
        cancelled = true;
        if (cancelNext) cancelNext();
        else timer.cancel();
      };
    };
  }

  private refusal(entry: Entry, retryAfter: number): Outcome {
    return { ok: false, error: 'rejected', by: this.name, detail: `429 too many requests (${entry.label})`, retryAfterMs: Math.max(0, retryAfter) };
  }

  /** Records a call leaving for the dependency: the per-key burst over the last second. */
  private left(entry: Entry, now: number): void {
    const r = entry.recent;
    r.push(now);
    // The span is (now − 1s, now]; the nanosecond keeps float noise from counting calls exactly 1 s apart together.
    while (entry.head < r.length && r[entry.head]! <= now - BURST_SPAN + 1e-6) entry.head++;
    if (entry.head > 64 && entry.head * 2 > r.length) {
      entry.recent = r.slice(entry.head);
      entry.head = 0;
    }
    const inSpan = entry.recent.length - entry.head;
    this.m.burst.set(inSpan);
    if (inSpan > this.largest.count) this.largest = { count: inSpan, label: entry.label };
  }

  private entryFor(tags: Call['tags']): Entry {
    const { key, classes } = this.cfg;
    const keyValue = key === undefined ? '' : (tags?.[key] ?? `(no ${key})`);
    const classValue = classes ? tags?.[classes.by] : undefined;
    const override = classValue !== undefined && Object.hasOwn(classes!.limits, classValue) ? classValue : undefined;
    // Buckets by class (overridden classes only; the rest share the default), then by key.
    const id = override ?? '';
    let byKey = this.buckets.get(id);
    if (!byKey) this.buckets.set(id, (byKey = new Map()));
    let entry = byKey.get(keyValue);
    if (!entry) {
      const cls = classes ? `${classes.by}=${override ?? '(default)'}` : undefined;
      const label = key === undefined ? (cls ?? 'everyone') : override !== undefined ? `${keyValue} ${cls}` : keyValue;
      const params = override !== undefined ? { ...this.cfg.params, ...classes!.limits[override] } : this.cfg.params;
      entry = { label, bucket: this.makeBucket(params, this.ctx.clock.now()), admitted: 0, rejected: 0, recent: [], head: 0 };
      byKey.set(keyValue, entry);
      this.entries.push(entry);
      this.m.keys.set(this.entries.length);
    }
    return entry;
  }
}

/** Jain's fairness index: 1 when every value is equal, 1/n when one takes everything. */
export function jain(values: readonly number[]): number {
  const sum = values.reduce((s, v) => s + v, 0);
  const squares = values.reduce((s, v) => s + v * v, 0);
  return squares === 0 ? 1 : (sum * sum) / (values.length * squares);
}

/** Fields every limiter takes besides its own parameters. */
export function limiterShape<S extends z.ZodRawShape>(kind: string, params: S) {
  return {
    kind: z.literal(kind),
    description: z.string().optional(),
    key: z.string().min(1).optional(),
    ...params,
    classes: z
      .object({ by: z.string().min(1), limits: z.record(z.string(), z.object(params).partial().strict()) })
      .strict()
      .optional(),
  };
}

/** A limiter's kind: its schema, the shared metrics and states, and how to make one key's bucket. */
export function defineLimiterKind<S extends z.ZodType<{ key?: string | undefined; classes?: { by: string; limits: Record<string, object> } | undefined }>, P>(spec: {
  kind: string;
  summary: string;
  schema: S;
  knobs: ComponentKind<S>['knobs'];
  params: (config: z.output<S>) => P;
  bucket: (params: P, now: number) => Bucket;
}): ComponentKind<S> {
  return defineKind({
    kind: spec.kind,
    role: 'policy',
    summary: spec.summary,
    schema: spec.schema,
    knobs: spec.knobs,
    metrics: {
      counters: ['calls', 'admitted', 'rejected'],
      gauges: ['burst', 'keys', 'queued'],
      ratios: { rejectionRate: ['rejected', 'calls'], admissionRate: ['admitted', 'calls'] },
    },
    states: ['ADMITTING', 'LIMITING'],
    references: () => [],
    create: (config, ctx) => {
      const c = config as z.output<S>;
      const cfg: LimiterConfig<P> = {
        key: c.key,
        params: spec.params(c),
        classes: c.classes ? { by: c.classes.by, limits: c.classes.limits as Record<string, Partial<P>> } : undefined,
      };
      return new RateLimiter(spec.kind, ctx.name, cfg, spec.bucket, ctx);
    },
  });
}
