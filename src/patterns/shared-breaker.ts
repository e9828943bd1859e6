/**
 * A circuit breaker whose state lives in a store every client shares (`breaker-store`),
 * instead of in each client. With N clients each keeping its own breaker, a dead
 * dependency still receives N × threshold failures before all of them stop, and N probes
 * every `openFor`; with one shared state it receives `threshold` and one probe. The cost: a
 * round trip to the store before and after every call, and the store as a dependency of
 * its own (when it is unreachable the breaker lets calls through: `onStoreDown`).
 */
import { z } from 'zod';
import type { ComponentContext, Handler, Outcome, Policy } from '../core/component.js';
import type { Counter } from '../core/metrics.js';
import { count, duration } from '../scenario/fields.js';
import { defineKind } from '../components/kind.js';
import { BreakerStoreComponent, type BreakerRule, type BreakerStore } from './breaker-store.js';
import { breakerStates, type BreakerState } from './circuit-breaker.js';

export interface SharedBreakerConfig {
  store: string;
  key: string;
  failureThreshold: number;
  openFor: number;
}

const noCancel = () => {};

export class SharedBreaker implements Policy {
  readonly kind = 'shared-breaker';
  private seen: BreakerState = 'CLOSED';
  private readonly rule: BreakerRule;
  private readonly rejection: Outcome;
  private readonly m: { calls: Counter; allowed: Counter; rejected: Counter; failures: Counter; probes: Counter };

  constructor(
    readonly name: string,
    private readonly cfg: SharedBreakerConfig,
    private readonly store: BreakerStore,
    private readonly ctx: Pick<ComponentContext, 'clock' | 'trace' | 'metrics'>,
  ) {
    this.rule = { threshold: cfg.failureThreshold, openFor: cfg.openFor };
    this.rejection = Object.freeze({ ok: false, error: 'rejected', by: name, detail: 'shared circuit open' });
    const m = ctx.metrics;
    this.m = { calls: m.counter('calls'), allowed: m.counter('allowed'), rejected: m.counter('rejected'), failures: m.counter('failures'), probes: m.counter('probes') };
  }

  state(): BreakerState {
    return this.seen;
  }

  columns() {
    return { 'let through': this.m.allowed.value, rejected: this.m.rejected.value, probes: this.m.probes.value };
  }

  wrap(next: Handler): Handler {
    const clock = this.ctx.clock;
    return (call, done) => {
      this.m.calls.inc();
      let cancelled = false;
      let cancelInner = noCancel;
      this.store.admit(this.cfg.key, clock.now(), (admission, state) => {
        this.see(state, 'read from the store');
        if (cancelled) return;
        if (admission === 'reject') {
          this.m.rejected.inc();
          done(this.rejection);
          return;
        }
        this.m.allowed.inc();
        const probe = admission === 'probe';
        if (probe) this.m.probes.inc();
        cancelInner = next(call, (outcome) => {
          const failed = !outcome.ok && outcome.error !== 'rejected';
          if (failed) this.m.failures.inc();
          this.store.record(this.cfg.key, clock.now(), { failed, probe }, this.rule, (after) => this.see(after, probe ? (failed ? 'the probe failed' : 'the probe succeeded') : failed ? 'failures reached the threshold' : 'a success'));
          done(outcome);
        });
      });
      return () => {
        cancelled = true;
        cancelInner();
      };
    };
  }

  /** The state as this client last saw it in the store: its own row moves when it learns. */
  private see(state: BreakerState, cause: string): void {
    if (state === this.seen) return;
    const from = this.seen;
    this.seen = state;
    this.ctx.trace.transition(from, state, cause);
  }
}

export const sharedBreakerKind = defineKind({
  kind: 'shared-breaker',
  role: 'policy',
  summary: 'a circuit breaker whose state is shared by every client through a store',
  schema: z
    .object({
      kind: z.literal('shared-breaker'),
      description: z.string().optional(),
      store: z.string({ error: 'expected the name of a breaker-store component' }),
      key: z.string().default('default'),
      failureThreshold: count({ min: 1, max: 100_000 }).default(5),
      openFor: duration({ min: 1, max: 3_600_000 }).default(5000),
    })
    .strict(),
  knobs: {
    failureThreshold: { description: 'failures in a row, across every client, that open the breaker', type: 'int', min: 1, max: 100_000 },
    openFor: { description: 'how long everyone fails fast before one probe', type: 'duration', min: '1ms', max: '1h' },
  },
  metrics: {
    counters: ['calls', 'allowed', 'rejected', 'failures', 'probes'],
    ratios: { rejectionRate: ['rejected', 'calls'] },
  },
  states: breakerStates,
  references: (config) => [{ field: 'store', name: config.store, role: 'monitor' }],
  create: (config, ctx, resolve) => {
    const store = resolve.component(config.store);
    if (!(store instanceof BreakerStoreComponent)) throw new Error(`internal: ${config.store} is not a breaker store`);
    return new SharedBreaker(ctx.name, config, store.counted(), ctx);
  },
});
