/**
 * Test helpers: a simulated clock and a recording trace for exercising one component at a
 * time. Lives in src/ so exercises and tests share it; the build leaves it out of nothing
 * important (it has no side effects).
 */
import { traceFor, type ComponentContext, type Outcome } from '../core/component.js';
import { Kernel } from '../core/kernel.js';
import { Metrics } from '../core/metrics.js';
import { Random } from '../core/random.js';
import { Trace, type TraceEvent, type TransitionEvent } from '../core/trace.js';

export interface Bench {
  kernel: Kernel;
  trace: Trace;
  metrics: Metrics;
  events: TraceEvent[];
  transitions(component?: string): TransitionEvent[];
  ctx(name: string, seed?: number): ComponentContext;
}

export function testBench(): Bench {
  const kernel = new Kernel();
  const trace = new Trace();
  const metrics = new Metrics();
  const events: TraceEvent[] = [];
  trace.subscribe((e) => events.push(e));
  return {
    kernel,
    trace,
    metrics,
    events,
    transitions: (component) =>
      events.filter((e): e is TransitionEvent => e.kind === 'transition' && (component === undefined || e.component === component)),
    ctx: (name, seed = 1) => ({
      name,
      clock: kernel,
      random: new Random(seed).fork(name),
      trace: traceFor(trace, kernel, name),
      metrics: metrics.scope(name),
    }),
  };
}

export const ok: Outcome = { ok: true };
export const fail: Outcome = { ok: false, error: 'error' };
export const timedOut: Outcome = { ok: false, error: 'timeout' };
