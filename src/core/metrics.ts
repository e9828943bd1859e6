import { Sketch } from './sketch.js';
import type { LatencySummary, MetricEvent } from './trace.js';

export class Counter {
  value = 0;
  private sampled = 0;

  inc(n = 1): void {
    this.value += n;
  }

  /** Up to `value` if below it: a total learnt from elsewhere (another process, the broker) that only grows. */
  raiseTo(value: number): void {
    if (value > this.value) this.value = value;
  }

  /** Change since the previous call. */
  takeDelta(): number {
    const d = this.value - this.sampled;
    this.sampled = this.value;
    return d;
  }
}

export class Gauge {
  value = 0;
  max = 0;
  private taps: { max: number }[] = [];

  set(v: number): void {
    this.value = v;
    if (v > this.max) this.max = v;
    for (const tap of this.taps) if (v > tap.max) tap.max = v;
  }

  tap(): { max: number; release(): void } {
    const entry = { max: this.value };
    this.taps.push(entry);
    return {
      get max() {
        return entry.max;
      },
      release: () => {
        this.taps = this.taps.filter((t) => t !== entry);
      },
    };
  }
}

export class Histogram {
  readonly total = new Sketch();
  private interval = new Sketch();
  private taps: Sketch[] = [];

  observe(v: number): void {
    const index = Sketch.indexOf(v);
    this.total.addAt(v, index);
    this.interval.addAt(v, index);
    const taps = this.taps;
    for (let i = 0; i < taps.length; i++) taps[i]!.addAt(v, index);
  }

  /** A sketch that receives every observation until released (expectation windows). */
  tap(): { sketch: Sketch; release(): void } {
    const sketch = new Sketch();
    this.taps.push(sketch);
    return { sketch, release: () => (this.taps = this.taps.filter((t) => t !== sketch)) };
  }

  takeInterval(): Sketch {
    const s = this.interval;
    this.interval = new Sketch();
    return s;
  }
}

/** What one component may record. Names are declared by its kind (see patterns/registry). */
export interface ComponentMetrics {
  counter(name: string): Counter;
  gauge(name: string): Gauge;
  histogram(name: string): Histogram;
}

interface ComponentSeries {
  counters: Map<string, Counter>;
  gauges: Map<string, Gauge>;
  histograms: Map<string, Histogram>;
}

export function summarize(sketch: Sketch): LatencySummary {
  const [p50, p95, p99] = sketch.quantiles([0.5, 0.95, 0.99]) as [number, number, number];
  return { count: sketch.count, p50: round(p50), p95: round(p95), p99: round(p99), max: round(sketch.count === 0 ? NaN : sketch.max) };
}

function round(v: number): number {
  return Number.isFinite(v) ? Math.round(v * 1000) / 1000 : 0;
}

export class Metrics {
  private components = new Map<string, ComponentSeries>();

  scope(component: string): ComponentMetrics {
    const series = this.seriesOf(component);
    return {
      counter: (name) => getOrCreate(series.counters, name, () => new Counter()),
      gauge: (name) => getOrCreate(series.gauges, name, () => new Gauge()),
      histogram: (name) => getOrCreate(series.histograms, name, () => new Histogram()),
    };
  }

  counter(component: string, name: string): Counter | undefined {
    return this.components.get(component)?.counters.get(name);
  }

  gauge(component: string, name: string): Gauge | undefined {
    return this.components.get(component)?.gauges.get(name);
  }

  histogram(component: string, name: string): Histogram | undefined {
    return this.components.get(component)?.histograms.get(name);
  }

  counters(component: string): Record<string, number> {
    const out: Record<string, number> = {};
    const series = this.components.get(component);
    if (series) for (const [name, c] of series.counters) out[name] = c.value;
    return out;
  }

  /** One event per component that did anything in the bucket ending at `t`. */
  sample(t: number, intervalMs: number): MetricEvent[] {
    const events: MetricEvent[] = [];
    for (const [component, series] of this.components) {
      let active = false;
      const counters: Record<string, number> = {};
      for (const [name, c] of series.counters) {
        const d = c.takeDelta();
        counters[name] = d;
        if (d !== 0) active = true;
      }
      let latency: Record<string, LatencySummary> | undefined;
      for (const [name, h] of series.histograms) {
        const s = h.takeInterval();
        if (s.count > 0) {
          latency ??= {};
          latency[name] = summarize(s);
          active = true;
        }
      }
      let gauges: Record<string, number> | undefined;
      for (const [name, g] of series.gauges) {
        gauges ??= {};
        gauges[name] = g.value;
        if (g.value !== 0) active = true;
      }
      if (!active) continue;
      const event: MetricEvent = { kind: 'metric', t, component, intervalMs, counters };
      if (gauges) event.gauges = gauges;
      if (latency) event.latency = latency;
      events.push(event);
    }
    return events;
  }

  private seriesOf(component: string): ComponentSeries {
    return getOrCreate(this.components, component, () => ({
      counters: new Map(),
      gauges: new Map(),
      histograms: new Map(),
    }));
  }
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

/** Metrics that go nowhere, for patterns used outside a run (benchmarks, library use). */
export const discardMetrics: ComponentMetrics = (() => {
  const counter = new Counter();
  const gauge = new Gauge();
  const histogram = new Histogram();
  // Shared sinks: values are never read, so sharing one of each is harmless and allocation-free.
  return { counter: () => counter, gauge: () => gauge, histogram: () => histogram };
})();
