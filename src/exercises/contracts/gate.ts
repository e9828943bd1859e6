import { noCancel, type Columns, type FailureKind, type Handler, type Outcome, type Policy } from '../../core/component.js';
import type { Counter } from '../../core/metrics.js';
import { formatDuration } from '../../core/units.js';
import type { LearnerCalls } from '../learner.js';
import { declaredCounters, missingFunctions, type BuildArgs, type Contract } from './contract.js';

/**
 * The learner's side of a gate: something that admits or refuses each call and hears how the
 * admitted ones ended, and whose state is the learner's own — a circuit breaker. (Limiters
 * and bulkheads have their own contracts, `bucket` and `slots`: their states settle on the
 * built-in's timers, and a bulkhead holds calls.)
 */
export interface LearnerGate {
  /** `false` refuses the call; any other value admits it and comes back as `permit`. */
  tryAcquire(now: number): unknown;
  onSuccess(now: number, durationMs: number, permit: unknown): void;
  onFailure(now: number, durationMs: number, permit: unknown): void;
  /** Optional: an admitted call ended in a way that does not count (cancelled, or a failure outside recordOn). */
  onIgnored?(now: number, permit: unknown): void;
  /** The current state, when the built-in has states: a property, a getter or a method. */
  readonly state?: string | (() => string);
}

const DEFAULT_RECORD_ON: readonly FailureKind[] = ['error', 'timeout', 'unavailable', 'overloaded'];

export const gateContract: Contract = {
  name: 'gate',
  hooks: ['tryAcquire', 'onSuccess', 'onFailure', 'onIgnored', 'state'],
  shape: (learner) => missingFunctions(learner, 'your object', ['tryAcquire', 'onSuccess', 'onFailure']),
  build: (learner, args) => new GateStandIn(learner as LearnerGate, args),
};

/**
 * Takes the built-in's place in the call chain, as `CircuitBreaker.wrap` does: asks the
 * learner before each call, reports each admitted call's outcome, and turns every change of
 * the learner's `state` into a transition whose cause names the function that made it.
 */
class GateStandIn implements Policy {
  readonly kind: string;
  readonly name: string;
  private readonly gate: LearnerGate;
  private readonly calls: LearnerCalls;
  private readonly args: BuildArgs;
  private readonly states: readonly string[];
  private readonly recordOn: ReadonlySet<FailureKind>;
  private readonly rejection: Outcome;
  private readonly m: Record<'calls' | 'allowed' | 'rejected' | 'successes' | 'failures', Counter | undefined>;
  private current: string | undefined;

  constructor(gate: LearnerGate, args: BuildArgs) {
    this.gate = gate;
    this.args = args;
    this.calls = args.calls;
    this.kind = args.kind.kind;
    this.name = args.ctx.name;
    this.states = args.kind.states ?? [];
    const cfg = args.spec.config as { recordOn?: readonly FailureKind[] };
    this.recordOn = new Set(cfg.recordOn ?? DEFAULT_RECORD_ON);
    this.rejection = Object.freeze({ ok: false, error: 'rejected', by: this.name, detail: 'refused by your tryAcquire' });
    this.m = declaredCounters(args.kind, args.ctx, ['calls', 'allowed', 'rejected', 'successes', 'failures']);
    if (this.states.length > 0 && !('state' in gate)) {
      throw this.calls.invalid('state', 0, `your object has no state: ${this.kind} moves between ${this.states.join(', ')}, and the simulator reads state after each call into your code`);
    }
    this.current = this.readState('state', 0);
  }

  state(): string | undefined {
    return this.current;
  }

  columns(): Columns {
    return { 'let through': this.m.allowed?.value ?? 0, rejected: this.m.rejected?.value ?? 0 };
  }

  wrap(next: Handler): Handler {
    const clock = this.args.ctx.clock;
    const gate = this.gate;
    const calls = this.calls;
    return (call, done) => {
      const now = clock.now();
      this.m.calls?.inc();
      const permit = calls.call('tryAcquire', now, () => gate.tryAcquire(now));
      this.observe('tryAcquire', now);
      if (permit === false) {
        this.m.rejected?.inc();
        done(this.rejection);
        return noCancel;
      }
      if (permit === undefined || permit === null) {
        throw calls.invalid('tryAcquire', now, `tryAcquire returned ${String(permit)}: return true to let the call through, false to refuse it (or a permit of your own, which comes back to onSuccess/onFailure)`);
      }
      this.m.allowed?.inc();
      let settled = false;
      const cancel = next(call, (outcome) => {
        if (settled) return;
        settled = true;
        const end = clock.now();
        const took = end - now;
        if (outcome.ok) {
          this.m.successes?.inc();
          calls.call('onSuccess', end, () => gate.onSuccess(end, took, permit));
          this.observe('onSuccess', end, took);
        } else if (this.recordOn.has(outcome.error)) {
          this.m.failures?.inc();
          calls.call('onFailure', end, () => gate.onFailure(end, took, permit));
          this.observe('onFailure', end, took);
        } else {
          this.ignored(end, permit);
        }
        done(outcome);
      });
      return () => {
        if (settled) return;
        settled = true;
        this.ignored(clock.now(), permit);
        cancel();
      };
    };
  }

  private ignored(now: number, permit: unknown): void {
    const onIgnored = this.gate.onIgnored;
    if (typeof onIgnored !== 'function') return;
    this.calls.call('onIgnored', now, () => onIgnored.call(this.gate, now, permit));
    this.observe('onIgnored', now);
  }

  /** Emits a transition when the learner's state changed during `hook`. */
  private observe(hook: string, now: number, took?: number): void {
    if (this.states.length === 0) return;
    const next = this.readState(hook, now);
    if (next === this.current) return;
    const from = this.current ?? '';
    this.current = next;
    const after = took === undefined ? '' : ` (the call took ${formatDuration(took)})`;
    this.args.ctx.trace.transition(from, next!, `in your ${hook}${after}`);
  }

  private readState(hook: string, now: number): string | undefined {
    if (this.states.length === 0) return undefined;
    // A getter is learner code too: read it through the same door.
    const value = this.calls.call('state', now, () => {
      const raw = this.gate.state;
      return typeof raw === 'function' ? raw.call(this.gate) : raw;
    });
    if (typeof value !== 'string' || !this.states.includes(value)) {
      throw this.calls.invalid(hook, now, `after ${hook}, state is ${JSON.stringify(value)}; a ${this.kind} is one of ${this.states.join(', ')}`);
    }
    return value;
  }
}
