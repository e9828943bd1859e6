import type { KnobSpec } from '../components/kind.js';

/** A moment in a run, written `start`, `end`, `15s`, `outage.start`, `outage.end + 5s`. */
export interface TimeRef {
  anchor: 'start' | 'end' | 'absolute' | { fault: string; edge: 'start' | 'end' };
  offset: number;
  text: string;
}

export interface StateSelector {
  component: string;
  states: string[];
  text: string;
}

export type MetricUnit = 'count' | 'ratio' | 'factor' | 'ms' | 'gauge';

/** `payment.calls`, `checkout.successRate`, `checkout.latency.p99`, `payment.queued` (max). */
export interface MetricRef {
  component: string;
  name: string;
  type: 'counter' | 'ratio' | 'histogram' | 'gauge';
  stat?: HistogramStat;
  /** For ratios: the numerator and denominator counters. */
  parts?: readonly [string, string] | readonly [string, string, 'factor'];
  unit: MetricUnit;
  text: string;
}

export const histogramStats = ['p50', 'p90', 'p95', 'p99', 'p999', 'mean', 'max', 'count'] as const;
export type HistogramStat = (typeof histogramStats)[number];

export interface Bound {
  op: 'atMost' | 'atLeast' | 'equals';
  value: number;
  text: string;
}

interface ExpectationBase {
  id: string;
  says: string;
}

export type Expectation =
  | (ExpectationBase & { type: 'reaches'; component: string; state: string; after: TimeRef; within?: number | undefined })
  | (ExpectationBase & { type: 'metric'; metric: MetricRef; from: TimeRef; to: TimeRef; while?: StateSelector | undefined; bound: Bound })
  | (ExpectationBase & { type: 'final'; component: string; state: string })
  /** Does not apply to this variant (it names a component the variant removes). */
  | (ExpectationBase & { type: 'skipped'; reason: string });

export interface ComponentSpec {
  name: string;
  kind: string;
  /** Validated config, as the kind's factory takes it. */
  config: unknown;
  /**
   * Absolute path of the learner's file that implements this component (`implementation:` in
   * an exercise's scenario). Only `patterns check` runs it; everything else refuses the scenario.
   */
  implementation?: string;
}

export interface FaultSpec {
  id: string;
  kind: string;
  target: string;
  at: number;
  /** Exclusive end; Infinity when the fault lasts to the end of the run. */
  until: number;
  params: unknown;
  description: string;
}

export interface KnobRef {
  path: string;
  component: string;
  field: string;
  spec: KnobSpec;
  /** The value in the file, as written. */
  current: unknown;
}

export interface Scenario {
  file: string;
  name: string;
  title: string;
  pattern: string;
  goal: string;
  description?: string | undefined;
  seed: number;
  duration: number;
  sampleEvery: number;
  components: ComponentSpec[];
  faults: FaultSpec[];
  expectations: Expectation[];
  knobs: KnobRef[];
  /** 'main' or the name of the variant that was applied (e.g. 'baseline'). */
  variant: string;
  /** Title of the applied variant, when it is not 'main'. */
  variantTitle?: string | undefined;
  hasBaseline: boolean;
  /** Every variant the file declares, the baseline first. */
  variants: { name: string; title: string }[];
  /** The `--set` overrides applied, as typed; the trace records them so a replay can apply them. */
  overrides?: string[] | undefined;
  /** Extra measures `--compare` shows (the `compare:` field): metric windows judged against nothing. */
  compare?: Expectation[] | undefined;
}
