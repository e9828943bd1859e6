import type { Clock } from './clock.js';
import { discardMetrics, type ComponentMetrics } from './metrics.js';
import { Random } from './random.js';
import type { Json, Trace } from './trace.js';

/**
 * How a call ends. Calls are callback-driven rather than promise-driven so the simulator can
 * run them synchronously inside the discrete-event loop; under a real clock the same code is
 * driven by real timers and sockets.
 */
export type FailureKind =
  /** the dependency answered with an error */
  | 'error'
  /** a timeout policy gave up waiting */
  | 'timeout'
  /** the dependency could not be reached (down, connection refused or reset) */
  | 'unavailable'
  /** the dependency refused the call because it is full */
  | 'overloaded'
  /** a policy refused the call before it left (breaker open, budget spent, ...) */
  | 'rejected';

export const failureKinds = ['error', 'timeout', 'unavailable', 'overloaded', 'rejected'] as const satisfies readonly FailureKind[];

export type Outcome =
  | { readonly ok: true; readonly fallback?: boolean }
  | {
      readonly ok: false;
      readonly error: FailureKind;
      readonly by?: string;
      readonly detail?: string;
      /** When the refuser says to come back (HTTP 429/503 Retry-After), in ms. */
      readonly retryAfterMs?: number;
    };

export interface Call {
  /** Unique within a run. Retries of a call keep its id, so it doubles as an idempotency key. */
  readonly id: number;
  /** When the caller started it (simulated or real ms). */
  readonly startedAt: number;
  /**
   * What kind of request it is, as the load generator's `mix` describes it: a key such as
   * `user: user-17`, and tags such as `tier: premium`, `priority: critical`, `route: /orders`.
   * Policies that work per key or per class (limiters, shedding, routing) read these.
   */
  readonly tags?: Readonly<Record<string, string>>;
}

export type Done = (outcome: Outcome) => void;
/** Stops waiting for a call. Work already handed to a dependency goes on, as it would for real. */
export type Cancel = () => void;
export type Handler = (call: Call, done: Done) => Cancel;

export const noCancel: Cancel = () => {};
export const OK: Outcome = Object.freeze({ ok: true });

/** Where a component writes what it does. It never prints. */
export interface ComponentTrace {
  transition(from: string, to: string, cause: string, data?: Record<string, Json>): void;
  event(name: string, data?: Record<string, Json>): void;
  /** False when nobody listens, so hot paths can skip building event data. */
  readonly enabled: boolean;
  /**
   * The trace of one member of this component that has a state machine of its own (an
   * instance behind a balancer, a registration), named `component/member` in the trace.
   */
  member?(name: string): ComponentTrace;
}

/** A member's trace, or a silent one where the trace offers none. */
export function memberTrace(trace: ComponentTrace, member: string): ComponentTrace {
  return trace.member?.(member) ?? silentTrace;
}

/** Everything a component may use. Components take the narrowest slice they need. */
export interface ComponentContext {
  readonly name: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly trace: ComponentTrace;
  readonly metrics: ComponentMetrics;
}

/** A row's worth of internals for the live table and summary. */
export type Columns = Record<string, string | number>;

export interface Component {
  readonly name: string;
  readonly kind: string;
  /** Current state of its state machine, if it has one. */
  state(): string | undefined;
  /** Internals worth a glance (tokens, window fill, queue depth...). */
  columns(): Columns;
  /**
   * Optional: figures worth reporting once the run is over (largest burst, fairness...), for
   * the summary, where variants run side by side can be compared.
   */
  report?(): Columns;
}

/** A component that stands between a caller and its dependency. */
export interface Policy extends Component {
  wrap(next: Handler): Handler;
}

/** A component that answers calls. */
export interface Callee extends Component {
  handle: Handler;
}

export function traceFor(trace: Trace, clock: Pick<Clock, 'now'>, component: string): ComponentTrace {
  return {
    get enabled() {
      return trace.hasListeners;
    },
    transition(from, to, cause, data) {
      trace.emit(data ? { kind: 'transition', t: clock.now(), component, from, to, cause, data } : { kind: 'transition', t: clock.now(), component, from, to, cause });
    },
    event(name, data) {
      trace.emit(data ? { kind: 'event', t: clock.now(), component, name, data } : { kind: 'event', t: clock.now(), component, name });
    },
    member: (member) => traceFor(trace, clock, `${component}/${member}`),
  };
}

const silentTrace: ComponentTrace = { enabled: false, transition() {}, event() {}, member: () => silentTrace };

/**
 * A context for using a pattern outside a run (library use, benchmarks, tests):
 * nothing is traced or measured unless asked.
 */
export function standaloneContext(
  name: string,
  parts: Pick<ComponentContext, 'clock'> & Partial<Omit<ComponentContext, 'name' | 'clock'>>,
): ComponentContext {
  return {
    name,
    clock: parts.clock,
    random: parts.random ?? new Random(0, name),
    trace: parts.trace ?? silentTrace,
    metrics: parts.metrics ?? discardMetrics,
  };
}
