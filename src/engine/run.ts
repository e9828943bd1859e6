import { MessageLedger } from '../brokers/ledger.js';
import { Client } from '../components/client.js';
import type { Columns } from '../core/component.js';
import { ScenarioError } from '../core/errors.js';
import { Kernel } from '../core/kernel.js';
import { Metrics, summarize } from '../core/metrics.js';
import { Random } from '../core/random.js';
import type { Scheduler } from '../core/clock.js';
import { wallNow, wallSleep, yieldToHost } from '../core/real-clock.js';
import { Trace, type ClientSummary, type Json, type SummaryEvent, type TraceEvent, type TraceListener } from '../core/trace.js';
import { injectionTime, manualFaultSpec, type ManualFault } from '../faults/manual.js';
import { faultKindOf } from '../faults/registry.js';
import type { FaultSpec, Scenario } from '../scenario/model.js';
import { formatCount } from '../core/units.js';
import { ExpectationChecker, type ExpectationResult } from './expectations.js';
import { Pacer } from './pacer.js';
import { buildTopology, type ComponentOverride, type Topology } from './topology.js';

export interface RunView {
  scenario: Pick<Scenario, 'name' | 'title' | 'pattern' | 'goal' | 'variant'>;
  seed: number;
  t: number;
  duration: number;
  speed: number;
  paused: boolean;
  rows: { name: string; kind: string; state?: string | undefined; columns: Columns }[];
  activeFaults: { id: string; fault: string; target: string; description: string; until: number }[];
}

/** A trace listener, optionally for some kinds of event only (see Trace.subscribe). */
export type Subscription = TraceListener | { listener: TraceListener; kinds: readonly TraceEvent['kind'][] };

export interface RunResult {
  scenario: Scenario;
  passed: boolean;
  interrupted: boolean;
  expectations: ExpectationResult[];
  /** The scenario's extra `compare:` measures, when it declares any (never judged). */
  measures?: ExpectationResult[];
  summary: SummaryEvent;
  /** Wall-clock milliseconds the run took (never part of the trace: it is not deterministic). */
  wallMs: number;
  simulatedMs: number;
  /** Ran on the real clock (`--live`): `simulatedMs` is real time, and the run is not reproducible. */
  live?: true;
}

export interface ExecuteOptions {
  /** Simulated ms per wall ms; Infinity runs as fast as the machine can. */
  speed: number;
  signal?: AbortSignal | undefined;
  /** Called with a fresh view about every `frameMs` of wall time (watched runs). */
  onFrame?: ((view: RunView) => void) | undefined;
  frameMs?: number;
  /** Live runs: what must be learnt before the verdicts (what the broker's dead-letter queues hold). */
  beforeVerdicts?: (() => Promise<void>) | undefined;
}

export interface RunOptions {
  /** Faults injected by hand in an earlier run, replayed at the same instants. */
  manualFaults?: readonly ManualFault[];
  /** Components built from something else than their kind: a learner's implementation, a live run's real broker. */
  overrides?: ReadonlyMap<string, ComponentOverride>;
  /**
   * The real clock of a live run (`executeLive`); without it the run is simulated on its
   * kernel. Pattern code cannot tell the difference: it only sees a Clock.
   */
  clock?: Scheduler;
  /** The message ledger to use (a live component process forwards its entries to the parent). */
  messages?: MessageLedger;
}

/** What a keypress asks for: a fault kind on a component, from now on. */
export type FaultRequest = Omit<ManualFault, 'id' | 'at'>;

/** Events a fast run processes before it lets signals and I/O through. */
const SLICE = 20_000;
/** Events at one instant after which a run is declared stuck. */
const STALL_LIMIT = 2_000_000;

/**
 * One run of one scenario under the simulated clock: builds the topology, schedules the
 * faults, the metric samples and the expectation windows, drives the kernel (as fast as
 * possible or paced for watching), and reports.
 */
export class Run {
  readonly trace = new Trace();
  readonly kernel = new Kernel();
  /** What every component, fault, sample and window is scheduled on: the kernel, or a live run's real clock. */
  readonly clock: Scheduler;
  readonly metrics = new Metrics();
  /** Where every message went; settled when the run ends. */
  readonly messages: MessageLedger;
  readonly topology: Topology;
  private readonly checker: ExpectationChecker;
  private readonly measures: ExpectationChecker | undefined;
  private readonly active = new Map<string, FaultSpec>();
  private manualCount = 0;
  private pacer: Pacer | undefined;
  private sampledAt = 0;

  constructor(
    readonly scenario: Scenario,
    listeners: readonly Subscription[] = [],
    options: RunOptions = {},
  ) {
    this.clock = options.clock ?? this.kernel;
    this.messages = options.messages ?? new MessageLedger(this.clock);
    for (const l of listeners) {
      if (typeof l === 'function') this.trace.subscribe(l);
      else this.trace.subscribe(l.listener, l.kinds);
    }
    const random = new Random(scenario.seed);
    this.topology = buildTopology(scenario.components, {
      clock: this.clock,
      random,
      trace: this.trace,
      metrics: this.metrics,
      duration: scenario.duration,
      overrides: options.overrides,
      messages: this.messages,
    });
    this.trace.emit({
      kind: 'run',
      t: 0,
      scenario: scenario.name,
      title: scenario.title,
      pattern: scenario.pattern,
      variant: scenario.variant,
      seed: scenario.seed,
      durationMs: scenario.duration,
      components: this.topology.order.map((name) => {
        const c = this.topology.components.get(name)!;
        const entry: { name: string; kind: string; state?: string; chain?: string[] } = { name, kind: c.kind };
        const state = c.state();
        if (state !== undefined) entry.state = state;
        if (c instanceof Client) entry.chain = c.chain;
        return entry;
      }),
      ...(scenario.overrides?.length ? { set: [...scenario.overrides] } : {}),
    });
    for (const fault of scenario.faults) this.scheduleFault(fault);
    for (const manual of options.manualFaults ?? []) this.scheduleManual(manual);
    const judge = {
      kernel: this.clock,
      trace: this.trace,
      metrics: this.metrics,
      components: this.topology.components,
      faults: scenario.faults,
      duration: scenario.duration,
    };
    this.checker = new ExpectationChecker(scenario.expectations, judge);
    this.measures = scenario.compare?.length ? new ExpectationChecker(scenario.compare, judge) : undefined;
    this.scheduleSamples();
  }

  /**
   * Injects a fault by hand (a keypress during a watched run). It starts at the next
   * microsecond of simulated time and goes into the trace like a scheduled fault, marked
   * manual and with its parameters, so `run --replay` can reproduce it.
   */
  injectFault(request: FaultRequest): FaultSpec {
    const manual: ManualFault = { ...request, id: `manual-${this.manualCount + 1}`, at: injectionTime(this.clock.now()) };
    return this.scheduleManual(manual);
  }

  private scheduleManual(manual: ManualFault): FaultSpec {
    const spec = manualFaultSpec(manual, this.topology.components);
    if (typeof spec === 'string') throw new RangeError(spec);
    this.manualCount++;
    const extra = { manual: true as const, params: manual.params, ...(manual.forMs !== undefined ? { forMs: manual.forMs } : {}) };
    this.scheduleFault(spec, extra);
    return spec;
  }

  view(): RunView {
    const s = this.scenario;
    return {
      scenario: { name: s.name, title: s.title, pattern: s.pattern, goal: s.goal, variant: s.variant },
      seed: s.seed,
      t: this.clock.now(),
      duration: s.duration,
      speed: this.pacer?.speed ?? Infinity,
      paused: this.pacer?.isPaused ?? false,
      rows: this.topology.order.map((name) => {
        const c = this.topology.components.get(name)!;
        return { name, kind: c.kind, state: c.state(), columns: c.columns() };
      }),
      activeFaults: [...this.active.values()].map((f) => ({ id: f.id, fault: f.kind, target: f.target, description: f.description, until: f.until })),
    };
  }

  async execute(opts: ExecuteOptions): Promise<RunResult> {
    const started = wallNow();
    const duration = this.scenario.duration;
    const frameMs = opts.frameMs ?? 50;
    let interrupted = false;
    let stalled = 0;
    const advance = (until: number): boolean => {
      const before = this.kernel.now();
      const done = this.kernel.runUntil(until, SLICE);
      if (!done && this.kernel.now() === before) {
        stalled += SLICE;
        if (stalled >= STALL_LIMIT) throw this.stuck();
      } else {
        stalled = 0;
      }
      return done;
    };
    if (opts.speed === Infinity && !opts.onFrame) {
      while (!advance(duration)) {
        await yieldToHost();
        if (opts.signal?.aborted) {
          interrupted = true;
          break;
        }
      }
    } else {
      this.pacer = new Pacer(opts.speed, wallNow());
      let lastFrame = -Infinity;
      while (this.kernel.now() < duration) {
        if (opts.signal?.aborted) {
          interrupted = true;
          break;
        }
        const target = Math.min(duration, this.pacer.target(wallNow()));
        const reached = advance(target);
        const now = wallNow();
        if (opts.onFrame && (now - lastFrame >= frameMs || this.kernel.now() >= duration)) {
          lastFrame = now;
          opts.onFrame(this.view());
        }
        if (reached && this.kernel.now() < duration) await wallSleep(Math.max(1, frameMs / 2));
        else await yieldToHost();
      }
    }
    return this.finish(interrupted, wallNow() - started);
  }

  /** Changes the pace of a watched run. */
  setSpeed(speed: number): void {
    this.pacer?.setSpeed(speed, wallNow(), this.kernel.now());
  }

  togglePause(): boolean {
    const p = this.pacer;
    if (!p) return false;
    if (p.isPaused) p.resume(wallNow(), this.kernel.now());
    else p.pause(wallNow(), this.kernel.now());
    return p.isPaused;
  }

  /**
   * A live run: the real clock drives every timer; this only waits for the scenario's
   * duration (or the signal), drawing frames, then judges as a simulated run does.
   */
  async executeLive(opts: Omit<ExecuteOptions, 'speed'>): Promise<RunResult> {
    if (this.clock === this.kernel) throw new Error('internal: executeLive needs the run to be built with a real clock');
    const started = wallNow();
    const duration = this.scenario.duration;
    const frameMs = opts.frameMs ?? 100;
    let interrupted = false;
    while (this.clock.now() < duration) {
      if (opts.signal?.aborted) {
        interrupted = true;
        break;
      }
      opts.onFrame?.(this.view());
      await wallSleep(Math.max(1, Math.min(frameMs, duration - this.clock.now())));
    }
    // Timers due at the very end get their turn before the verdicts.
    await yieldToHost();
    await opts.beforeVerdicts?.();
    return this.finish(interrupted, wallNow() - started);
  }

  private finish(interrupted: boolean, wallMs: number): RunResult {
    // A live run may overshoot its duration by a timer's lateness; its verdicts are at the duration.
    const end = Math.min(this.clock.now(), this.scenario.duration);
    // Settled counters (lost, pending, missed) land before the last sample and the verdicts.
    if (this.messages.tracked > 0) this.messages.settle();
    this.flushSample(end);
    const expectations = this.checker.finish(end, interrupted);
    const measures = this.measures?.finish(end, interrupted);
    for (const e of expectations) this.trace.emit({ kind: 'expectation', t: end, ...e });
    const summary = this.summary(end, expectations, interrupted);
    this.trace.emit(summary);
    const live = this.clock !== this.kernel ? { live: true as const } : {};
    return { scenario: this.scenario, passed: summary.passed, interrupted, expectations, ...(measures ? { measures } : {}), summary, wallMs, simulatedMs: end, ...live };
  }

  private summary(t: number, expectations: ExpectationResult[], interrupted: boolean): SummaryEvent {
    const clients: ClientSummary[] = [];
    const components: SummaryEvent['components'] = [];
    for (const name of this.topology.order) {
      const c = this.topology.components.get(name)!;
      const counters = this.metrics.counters(name);
      const entry: SummaryEvent['components'][number] = { name, kind: c.kind, counters };
      const state = c.state();
      if (state !== undefined) entry.state = state;
      if (c.report) entry.report = c.report();
      components.push(entry);
      if (c instanceof Client) clients.push(clientSummary(name, counters, this.metrics));
    }
    const failed = expectations.filter((e) => !e.passed).length;
    const skipped = expectations.filter((e) => e.skipped).length;
    const messages = this.messages.tracked > 0 ? { messages: this.messages.settle() } : {};
    return {
      kind: 'summary',
      t,
      scenario: this.scenario.name,
      variant: this.scenario.variant,
      seed: this.scenario.seed,
      passed: failed === 0 && !interrupted,
      expectations: { passed: expectations.length - failed - skipped, failed, skipped },
      clients,
      components,
      eventsRun: this.kernel.eventsRun,
      interrupted,
      ...messages,
    };
  }

  private scheduleFault(fault: FaultSpec, manual?: { manual: true; params: Record<string, Json>; forMs?: number }): void {
    const kind = faultKindOf(fault.kind)!;
    const target = this.topology.components.get(fault.target)!;
    const event = (phase: 'start' | 'end') => ({ kind: 'fault', t: this.clock.now(), phase, id: fault.id, fault: fault.kind, target: fault.target, description: fault.description }) as const;
    let undo: (() => void) | undefined;
    this.clock.at(fault.at, () => {
      this.active.set(fault.id, fault);
      this.trace.emit({ ...event('start'), ...manual });
      undo = kind.apply(target, fault.params, `fault ${fault.id}`);
    });
    if (fault.until !== Infinity && fault.until <= this.scenario.duration) {
      this.clock.at(fault.until, () => {
        this.active.delete(fault.id);
        this.trace.emit({ ...event('end'), ...(manual ? { manual: true } : {}) });
        undo?.();
      });
    }
  }

  private scheduleSamples(): void {
    const every = this.scenario.sampleEvery;
    const tick = () => {
      this.flushSample(this.clock.now());
      const next = this.clock.now() + every;
      if (next <= this.scenario.duration) this.clock.setTimer(every, tick);
    };
    if (every <= this.scenario.duration) this.clock.setTimer(every, tick);
  }

  private flushSample(t: number): void {
    if (t <= this.sampledAt || !this.trace.wants('metric')) return;
    const interval = t - this.sampledAt;
    this.sampledAt = t;
    for (const event of this.metrics.sample(t, interval)) this.trace.emit(event);
  }

  private stuck(): ScenarioError {
    return new ScenarioError([
      {
        file: this.scenario.file,
        message: `the simulation stopped advancing at ${(this.kernel.now() / 1000).toFixed(3)}s: ${formatCount(STALL_LIMIT)} events happened at the same instant`,
        suggestion: 'a closed-loop load with think: 0 against a zero-latency service calls forever without time passing; add think time or latency',
      },
    ]);
  }
}

function clientSummary(name: string, counters: Record<string, number>, metrics: Metrics): ClientSummary {
  const latency = metrics.histogram(name, 'latency');
  const get = (k: string) => counters[k] ?? 0;
  const calls = get('calls');
  const finished = get('ok') + get('failed') + get('rejected') + get('fallback');
  return {
    component: name,
    calls,
    ok: get('ok'),
    failed: get('failed'),
    rejected: get('rejected'),
    fallback: get('fallback'),
    inFlight: calls - finished,
    latency: latency ? summarize(latency.total) : { count: 0, p50: 0, p95: 0, p99: 0, max: 0 },
  };
}

/** Convenience for tests and `--all`: run a scenario to the end as fast as possible. */
export async function runToEnd(scenario: Scenario, listeners: readonly Subscription[] = []): Promise<RunResult> {
  return new Run(scenario, listeners).execute({ speed: Infinity });
}

