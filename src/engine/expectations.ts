import type { Component } from '../core/component.js';
import type { Scheduler } from '../core/clock.js';
import type { Metrics } from '../core/metrics.js';
import { Sketch } from '../core/sketch.js';
import type { ExpectationEvent, Trace } from '../core/trace.js';
import { formatDuration, formatPercent } from '../core/units.js';
import type { Bound, Expectation, FaultSpec, MetricRef, TimeRef } from '../scenario/model.js';

export type ExpectationResult = Omit<ExpectationEvent, 'kind' | 't'>;

/** Resolves `outage.end + 5s` and friends to a time in the run, clamped to the run. */
export function resolveTime(ref: TimeRef, faults: readonly FaultSpec[], duration: number): number {
  let base: number;
  if (ref.anchor === 'start') base = 0;
  else if (ref.anchor === 'end') base = duration;
  else if (ref.anchor === 'absolute') base = 0;
  else {
    const anchor = ref.anchor;
    const fault = faults.find((f) => f.id === anchor.fault);
    base = fault ? (anchor.edge === 'start' ? fault.at : Math.min(fault.until, duration)) : 0;
  }
  return Math.min(duration, Math.max(0, base + ref.offset));
}

interface Check {
  finish(endTime: number): ExpectationResult;
  /** When the verdict is settled: a run interrupted before then cannot judge it. */
  settlesAt(): number;
}

/**
 * Watches a run and judges each expectation over exactly the window it names: a time range,
 * optionally narrowed to the moments a component spends in some states.
 */
export class ExpectationChecker {
  private readonly checks: Check[] = [];

  constructor(
    expectations: readonly Expectation[],
    private readonly run: {
      kernel: Pick<Scheduler, 'at' | 'now'>;
      trace: Trace;
      metrics: Metrics;
      components: Map<string, Component>;
      faults: readonly FaultSpec[];
      duration: number;
    },
  ) {
    for (const e of expectations) this.checks.push(this.build(e));
  }

  finish(endTime: number, interrupted = false): ExpectationResult[] {
    return this.checks.map((c) => {
      const result = c.finish(endTime);
      if (!interrupted || result.skipped || c.settlesAt() <= endTime) return result;
      return { ...result, passed: true, skipped: true, expected: `not judged: the run stopped at ${formatDuration(endTime)}, before ${formatDuration(c.settlesAt())}` };
    });
  }

  private build(e: Expectation): Check {
    const base = { id: e.id, says: e.says };
    switch (e.type) {
      case 'skipped':
        return { settlesAt: () => 0, finish: () => ({ ...base, passed: true, skipped: true, measured: 'n/a', expected: e.reason, value: null }) };
      case 'final':
        return {
          settlesAt: () => this.run.duration,
          finish: () => {
            const state = this.run.components.get(e.component)?.state() ?? '';
            return { ...base, passed: state === e.state, measured: `${e.component} ${state}`, expected: `${e.component} ${e.state}`, value: state };
          },
        };
      case 'reaches':
        return this.reaches(base, e);
      case 'metric':
        return this.metric(base, e);
    }
  }

  private reaches(base: { id: string; says: string }, e: Extract<Expectation, { type: 'reaches' }>): Check {
    const after = resolveTime(e.after, this.run.faults, this.run.duration);
    const component = this.run.components.get(e.component)!;
    let reachedAt: number | undefined;
    // Already there when the clock passes `after` counts as reaching it at once.
    this.run.kernel.at(after, () => {
      if (reachedAt === undefined && component.state() === e.state) reachedAt = after;
    });
    const unsubscribe = this.run.trace.subscribe(
      (ev) => {
        if (reachedAt !== undefined || ev.kind !== 'transition' || ev.component !== e.component) return;
        if (ev.to === e.state && ev.t >= after) reachedAt = ev.t;
      },
      ['transition'],
    );
    const settles = e.within !== undefined ? after + e.within : this.run.duration;
    const expected = e.within !== undefined ? `${e.state} within ${formatDuration(e.within)} of ${e.after.text}` : `${e.state} after ${e.after.text}`;
    return {
      settlesAt: () => reachedAt ?? settles,
      finish: () => {
        unsubscribe();
        if (reachedAt === undefined) {
          return { ...base, passed: false, measured: `never reached ${e.state} (ended ${component.state() ?? 'stateless'})`, expected, value: null };
        }
        const delay = reachedAt - after;
        const passed = e.within === undefined || delay <= e.within;
        return { ...base, passed, measured: `${e.state} ${formatDuration(delay)} after ${e.after.text}`, expected, value: round(delay) };
      },
    };
  }

  private metric(base: { id: string; says: string }, e: Extract<Expectation, { type: 'metric' }>): Check {
    const { kernel, trace } = this.run;
    const from = resolveTime(e.from, this.run.faults, this.run.duration);
    const to = resolveTime(e.to, this.run.faults, this.run.duration);
    const window = new MetricWindow(e.metric, this.run.metrics);
    let inTime = false;
    let inState = true;
    let unsubscribe = () => {};
    if (e.while) {
      const sel = e.while;
      const component = this.run.components.get(sel.component)!;
      inState = sel.states.includes(component.state() ?? '');
      unsubscribe = trace.subscribe(
        (ev) => {
          if (ev.kind !== 'transition' || ev.component !== sel.component) return;
          inState = sel.states.includes(ev.to);
          window.toggle(inTime && inState);
        },
        ['transition'],
      );
    }
    kernel.at(from, () => {
      inTime = true;
      window.toggle(inTime && inState);
    });
    if (to < this.run.duration) {
      kernel.at(to, () => {
        inTime = false;
        window.toggle(false);
      });
    }
    const where = [e.from.text !== 'start' || e.to.text !== 'end' ? `from ${e.from.text} to ${e.to.text}` : '', e.while ? `while ${e.while.text}` : '']
      .filter(Boolean)
      .join(', ');
    return {
      // A window tied to states is settled only at the end; otherwise at its own end.
      settlesAt: () => (e.while ? this.run.duration : to),
      finish: () => {
        unsubscribe();
        window.toggle(false);
        const value = window.value();
        const scope = where ? ` (${where})` : '';
        if (Number.isNaN(value)) {
          return { ...base, passed: false, measured: `${e.metric.text}: no data${scope}`, expected: boundText(e.bound, e.metric), value: null };
        }
        return {
          ...base,
          passed: holds(e.bound, value),
          measured: `${e.metric.text} = ${formatValue(value, e.metric)}${scope}`,
          expected: boundText(e.bound, e.metric),
          value: round(value),
        };
      },
    };
  }
}

/** Accumulates one metric over the stretches of time a window is open. */
class MetricWindow {
  private open = false;
  private readonly counters: { name: string; start: number; total: number }[] = [];
  private sketch = new Sketch();
  private releaseTap: (() => void) | undefined;
  private tapSketch: Sketch | undefined;
  private gaugeMax = NaN;
  private gaugeTap: { max: number; release(): void } | undefined;

  constructor(
    private readonly ref: MetricRef,
    private readonly metrics: Metrics,
  ) {
    const scope = metrics.scope(ref.component);
    if (ref.type === 'counter') this.counters.push({ name: ref.name, start: 0, total: 0 });
    if (ref.type === 'ratio') {
      const [num, den] = this.ratioParts();
      this.counters.push({ name: num, start: 0, total: 0 }, { name: den, start: 0, total: 0 });
    }
    // Create the series now so the window sees it from its first moment.
    for (const c of this.counters) scope.counter(c.name);
    if (ref.type === 'histogram') scope.histogram(ref.name);
    if (ref.type === 'gauge') scope.gauge(ref.name);
  }

  toggle(open: boolean): void {
    if (open === this.open) return;
    this.open = open;
    const scope = this.metrics.scope(this.ref.component);
    if (open) {
      for (const c of this.counters) c.start = scope.counter(c.name).value;
      if (this.ref.type === 'histogram') {
        const tap = scope.histogram(this.ref.name).tap();
        this.tapSketch = tap.sketch;
        this.releaseTap = tap.release;
      }
      if (this.ref.type === 'gauge') {
        this.gaugeTap = scope.gauge(this.ref.name).tap();
      }
    } else {
      for (const c of this.counters) c.total += scope.counter(c.name).value - c.start;
      if (this.tapSketch) {
        this.sketch.merge(this.tapSketch);
        this.releaseTap?.();
        this.tapSketch = undefined;
      }
      if (this.gaugeTap) {
        this.gaugeMax = Number.isNaN(this.gaugeMax) ? this.gaugeTap.max : Math.max(this.gaugeMax, this.gaugeTap.max);
        this.gaugeTap.release();
        this.gaugeTap = undefined;
      }
    }
  }

  value(): number {
    switch (this.ref.type) {
      case 'counter':
        return this.counters[0]!.total;
      case 'ratio': {
        const [num, den] = this.counters;
        return den!.total === 0 ? NaN : num!.total / den!.total;
      }
      case 'gauge':
        return this.gaugeMax;
      case 'histogram': {
        const s = this.sketch;
        switch (this.ref.stat!) {
          case 'count':
            return s.count;
          case 'mean':
            return s.mean();
          case 'max':
            return s.count === 0 ? NaN : s.max;
          case 'p50':
            return s.quantile(0.5);
          case 'p90':
            return s.quantile(0.9);
          case 'p95':
            return s.quantile(0.95);
          case 'p99':
            return s.quantile(0.99);
          case 'p999':
            return s.quantile(0.999);
        }
      }
    }
  }

  private ratioParts(): readonly [string, string] {
    if (!this.ref.parts) throw new Error(`internal: ratio ${this.ref.text} has no definition`);
    return [this.ref.parts[0], this.ref.parts[1]];
  }
}

const EPSILON = 1e-9;

export function holds(bound: Bound, value: number): boolean {
  switch (bound.op) {
    case 'atMost':
      return value <= bound.value + EPSILON;
    case 'atLeast':
      return value >= bound.value - EPSILON;
    case 'equals':
      return Math.abs(value - bound.value) <= EPSILON;
  }
}

function boundText(bound: Bound, ref: MetricRef): string {
  const sign = bound.op === 'atMost' ? '≤' : bound.op === 'atLeast' ? '≥' : '=';
  return `${ref.text} ${sign} ${formatValue(bound.value, ref)}`;
}

export function formatValue(value: number, ref: Pick<MetricRef, 'unit'>): string {
  switch (ref.unit) {
    case 'ms':
      return formatDuration(value);
    case 'ratio':
      return formatPercent(value, 2);
    case 'factor':
      return `${round(value)}×`;
    default:
      return String(round(value));
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
