/**
 * `patterns run <scenario> --live --processes`: every process group of the scenario (see
 * groups.ts) as its own child process, `patterns component <name> … --run <id>`, each
 * reaching the broker through its own fault proxy. The parent declares the topology, starts
 * the children, tells them t = 0 once all are connected, merges what they write (trace,
 * ledger entries, counters) into one trace, live table, message accounting and set of
 * verdicts, injects process faults (crash, pause, restart) and network faults, and cleans
 * up the broker whatever happens. A child that dies when nobody killed it ends the run
 * with exit 3 and the tail of its stderr.
 */
import type { ChalkInstance } from 'chalk';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ResultPromise } from 'execa';
import { runPrefix } from '../brokers/real.js';
import { parseBrokerUrl, type BrokerUrl } from '../brokers/url.js';
import { startManifest, type LiveManifest } from '../commands/broker/manifest.js';
import { newRunId } from '../commands/broker/run-id.js';
import type { CliIO } from '../commands/context.js';
import type { Executed, RunMode } from '../commands/run/execute.js';
import { clientSummaryOf } from './summary.js';
import type { Component } from '../core/component.js';
import { InfraError, InterruptedError, UsageError } from '../core/errors.js';
import { Metrics } from '../core/metrics.js';
import { RealClock, wallNow, wallSleep } from '../core/real-clock.js';
import { Trace, type SummaryEvent, type TraceEvent } from '../core/trace.js';
import { ExpectationChecker } from '../engine/expectations.js';
import type { RunResult } from '../engine/run.js';
import { LiveTable } from '../render/live.js';
import { NdjsonWriter } from '../render/ndjson.js';
import { plainLines } from '../render/plain.js';
import { scenarioHeading } from '../render/summary.js';
import type { Scenario } from '../scenario/model.js';
import type { ChildLine } from './component.js';
import { LedgerReplay } from './forwarding-ledger.js';
import { FaultProxy } from './fault-proxy.js';
import { processGroups, type ProcessGroup } from './groups.js';
import type { ProcessFault } from './process-faults.js';
import { openLive, openDepthWatch, requireBroker, cleanUp, createdBy, type Opened } from './run-live.js';
import { depthColumns, recordDepths, watchedQueues, type DepthTotals, type DepthWatch } from './depth-watch.js';
import { proxyTarget, throughProxy } from './broker-url.js';
import type { RedisBreakerStore } from './redis-breaker-store.js';
import { openStores, storeSpecs } from './stores.js';

export interface ProcessesOptions {
  mode: RunMode;
  io: CliIO;
  c: ChalkInstance;
  broker?: string | undefined;
  brokerSource?: string;
  runId?: string | undefined;
  /** Arguments that make a child load the same scenario (`--seed`, `--set`, `--variant`). */
  scenarioArgs: string[];
  processFaults?: readonly ProcessFault[];
  cwd?: string;
  /** The command that starts a child: node and the entry, by default this very CLI. */
  entry?: string;
}

/** One process group's child: its life (restarts start a new one), its counters, its proxy. */
interface Child {
  group: ProcessGroup;
  proxy: FaultProxy | undefined;
  url: string | undefined;
  process: ResultPromise | undefined;
  /** Counters of earlier lives (a restarted process starts from zero again). */
  base: Map<string, Record<string, number>>;
  last: Map<string, Record<string, number>>;
  held: { id: string; group?: string | undefined }[];
  stderr: string[];
  /** Set when the parent killed or stopped it on purpose. */
  expectedExit: boolean;
  /** For the live table's footer: starting, running, paused, killed, exited. */
  status: string;
  exited: Promise<void>;
  ready: Promise<void>;
  unexpected?: string;
}

const STDERR_TAIL = 20;
const READY_TIMEOUT_MS = 15_000;

export async function executeProcesses(scenario: Scenario, opts: ProcessesOptions): Promise<Executed & { runId: string }> {
  const { io, c, mode } = opts;
  const brokers = scenario.components.filter((s) => s.kind === 'broker');
  const stores = storeSpecs(scenario);
  const groups = processGroups(scenario);
  const networked = brokers.length > 0 || stores.length > 0;
  if (!networked && groups.length < 2) throw new UsageError(`${scenario.name} runs in one process: its components call each other directly (drop --processes)`);
  // Without a broker or a store the processes share nothing but the timeline (local breakers, say).
  const target: BrokerUrl | undefined = networked ? parseBrokerUrl(requireBroker(opts.broker, scenario), opts.brokerSource) : undefined;
  if (!target) {
    // nothing to open, declare or clean
  } else if (target.adapter === 'memory') throw new UsageError('--processes needs a real broker: the memory broker lives inside one process', ['e.g. --broker redis://127.0.0.1:6379']);
  if (target && stores.length > 0 && target.adapter !== 'redis') throw new UsageError(`${scenario.name}'s shared breakers keep their state in Redis when they run as processes: give --broker redis://…`);
  const runId = opts.runId ?? newRunId();
  const prefix = runPrefix(runId);
  const opened = new Map<string, Opened>();
  const children: Child[] = [];
  const clock = new RealClock();
  let manifest: LiveManifest | undefined;
  let parentStores = new Map<string, RedisBreakerStore>();
  const watches = new Map<string, DepthWatch>();
  const execa = (await import('execa')).execa;
  const entry = opts.entry ?? fileURLToPath(new URL('../../bin/patterns.js', import.meta.url));
  const started = wallNow();
  try {
    if (target) manifest = await startManifest(opts.cwd ?? io.cwd ?? process.cwd(), { runId, broker: target, scenario: scenario.name, started: new Date() });
    // The parent's own handle on the stores: only to remove their keys at the end.
    parentStores = await openStores(scenario, target, undefined, prefix, 5000);
    for (const spec of brokers) {
      const o = await openLive(target!, `${prefix}${spec.name}.`, spec.config as never, { io });
      opened.set(spec.name, o);
      // The children declare the durable subscriptions' queues; the parent removes them at the end.
      o.broker.ownQueues?.(watchedQueues(scenario, spec.name).map((q) => q.name));
      await manifest?.record(createdBy(o.broker));
    }

    // ---- the merged run: trace, metrics, components as the children describe them ----
    const trace = new Trace();
    const metrics = new Metrics();
    const states = new Map<string, string>();
    const columns = new Map<string, Record<string, string | number>>();
    const components = new Map<string, Component>(
      scenario.components.map((s) => [s.name, { name: s.name, kind: s.kind, state: () => states.get(s.name), columns: () => columns.get(s.name) ?? {} } as Component]),
    );
    const depths = new Map<string, DepthTotals>();
    for (const [name, o] of opened) {
      columns.set(name, { adapter: o.broker.adapter });
      // The broker's row: what every process saw of it, added up.
      const brokerName = name;
      components.set(brokerName, {
        ...components.get(brokerName)!,
        state: () => states.get(brokerName),
        columns: () => {
          const k = metrics.counters(brokerName);
          const held = depths.get(brokerName);
          return { adapter: o.broker.adapter, published: k['published'] ?? 0, delivered: k['delivered'] ?? 0, redelivered: k['redelivered'] ?? 0, acked: k['acked'] ?? 0, ...(held ? depthColumns(held) : {}) };
        },
      } as Component);
      states.set(name, 'UP');
      // What the broker holds, read from the broker itself: no child process can tell.
      const watch = await openDepthWatch(target!, o.broker.prefix, scenario, name, { io });
      if (watch) {
        watches.set(name, watch);
        const scope = metrics.scope(name);
        const m = { depth: scope.gauge('depth'), inFlight: scope.gauge('inFlight'), dlqSize: scope.gauge('dlqSize'), lag: scope.gauge('lag'), deadLettered: scope.counter('deadLettered') };
        watch.start((totals) => {
          depths.set(name, totals);
          recordDepths(m, totals);
        });
      }
    }
    const replay = new LedgerReplay(clock);
    let ndjson: NdjsonWriter | undefined;
    let live: LiveTable | undefined;
    if (mode === 'json') {
      ndjson = new NdjsonWriter((text) => io.stdout.write(text));
      trace.subscribe(ndjson.listener);
    } else if (mode === 'plain') {
      const width = Math.max(...scenario.components.map((x) => x.name.length), 5);
      trace.subscribe(plainLines(io.stdout, c, width), ['transition', 'fault']);
      io.stdout.write(`${scenarioHeading(scenario, c)} ${c.yellow('[live, processes]')}\n${c.dim(scenario.goal)}\n`);
      io.stdout.write(c.dim(`run ${runId} · ${target ? `${target.display}, names under ${prefix}` : 'no broker'} · processes: ${groups.map((g) => (g.members.length > 1 ? `${g.name} (${g.members.join(', ')})` : g.name)).join(' · ')}\n\n`));
    } else {
      live = new LiveTable(io.stdout, c, () =>
        [
          `${c.dim('processes')} ${children.map((ch) => `${ch.group.name} ${ch.status === 'running' ? c.green(ch.status) : c.yellow(ch.status)}`).join(c.dim(' · '))}`,
          c.dim(`live run ${runId} · real time · Ctrl-C stops, cleans up and shows the summary`),
        ].join('\n'),
      );
      trace.subscribe(live.listener, ['transition', 'fault']);
    }
    trace.subscribe((e) => {
      if (e.kind === 'transition') states.set(e.component, e.to);
    }, ['transition']);
    const checker = new ExpectationChecker(scenario.expectations, { kernel: clock, trace, metrics, components, faults: scenario.faults, duration: scenario.duration });

    const refreshCounters = () => {
      const totals = new Map<string, Record<string, number>>();
      for (const child of children) {
        for (const source of [child.base, child.last]) {
          for (const [component, counters] of source) {
            const t = totals.get(component) ?? {};
            for (const [k, v] of Object.entries(counters)) t[k] = (t[k] ?? 0) + v;
            totals.set(component, t);
          }
        }
      }
      for (const [component, counters] of totals) {
        const scope = metrics.scope(component);
        for (const [k, v] of Object.entries(counters)) {
          const counter = scope.counter(k);
          if (v > counter.value) counter.inc(v - counter.value);
        }
      }
    };

    const onLine = (child: Child, line: ChildLine) => {
      switch (line.kind) {
        case 'transition':
        case 'event':
        case 'fault':
          trace.emit(line as TraceEvent);
          return;
        case 'ledger': {
          const { kind: _k, ...op } = line;
          replay.apply(op);
          return;
        }
        case 'snapshot':
          for (const [component, counters] of Object.entries(line.counters)) child.last.set(component, counters);
          for (const [component, cols] of Object.entries(line.columns)) if (!opened.has(component)) columns.set(component, cols);
          for (const [component, state] of Object.entries(line.states)) if (!opened.has(component)) states.set(component, state);
          refreshCounters();
          return;
        case 'held':
          child.held = line.ids;
          return;
        default:
          return;
      }
    };

    const spawn = (child: Child) => {
      for (const [k, v] of child.last) child.base.set(k, sumCounters(child.base.get(k), v));
      child.last = new Map();
      child.expectedExit = false;
      delete child.unexpected;
      const url = child.url ?? target?.url;
      const args = [entry, 'component', child.group.name, '--scenario', scenario.file, ...(url ? ['--broker', url] : []), '--run', runId, ...opts.scenarioArgs];
      const p = execa(process.execPath, args, { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', reject: false, env: { ...process.env, NO_COLOR: '1' }, cleanup: true });
      child.process = p;
      child.status = 'starting';
      let markReady: () => void = () => {};
      child.ready = new Promise<void>((resolve) => (markReady = resolve));
      const lines = createInterface({ input: p.stdout! });
      // Every line is in only once the stream has closed: the exit alone can come first.
      const drained = new Promise<void>((resolve) => lines.once('close', () => resolve()));
      lines.on('line', (text) => {
        let line: ChildLine;
        try {
          line = JSON.parse(text) as ChildLine;
        } catch {
          return;
        }
        if (line.kind === 'ready') {
          child.status = 'running';
          markReady();
        }
        else onLine(child, line);
      });
      createInterface({ input: p.stderr! }).on('line', (text) => {
        child.stderr.push(text);
        if (child.stderr.length > STDERR_TAIL) child.stderr.shift();
      });
      child.exited = Promise.all([p, drained]).then(([r]) => {
        markReady();
        const how = r.signal ? `killed by ${r.signal}` : `exit code ${r.exitCode}`;
        child.status = r.signal ? 'killed' : 'exited';
        if (!child.expectedExit && (r.signal || r.exitCode !== 0)) child.unexpected = how;
      });
    };

    for (const g of groups) {
      const where = target ? proxyTarget(target) : undefined;
      const proxy = where ? await FaultProxy.start({ target: where }) : undefined;
      const child: Child = { group: g, proxy, url: proxy && target ? throughProxy(target.url, proxy.port) : undefined, process: undefined, base: new Map(), last: new Map(), held: [], stderr: [], expectedExit: false, status: 'starting', exited: Promise.resolve(), ready: Promise.resolve() };
      children.push(child);
      spawn(child);
    }
    await withDeadline(Promise.all(children.map((ch) => ch.ready)), READY_TIMEOUT_MS, io.signal);
    const dead = children.find((ch) => ch.unexpected);
    if (dead) throw crashed(dead);

    // ---- t = 0 for everyone ----
    const epoch = Math.round(Date.now() - clock.now());
    for (const ch of children) ch.process?.stdin?.write(`go ${epoch}\n`);
    trace.emit({
      kind: 'run',
      t: 0,
      scenario: scenario.name,
      title: scenario.title,
      pattern: scenario.pattern,
      variant: scenario.variant,
      seed: scenario.seed,
      durationMs: scenario.duration,
      components: scenario.components.map((s) => ({ name: s.name, kind: s.kind })),
    });
    const byName = (name: string) => children.find((ch) => ch.group.members.includes(name));
    scheduleBrokerFaults(scenario, clock, trace, children, states);
    for (const fault of opts.processFaults ?? []) {
      const child = byName(fault.target);
      if (!child) throw new UsageError(`--process-fault ${fault.text}: no process runs "${fault.target}" (processes: ${groups.map((g) => g.name).join(', ')})`);
      scheduleProcessFault(fault, child, clock, trace, () => {
        spawn(child);
        void child.ready.then(() => child.process?.stdin?.write(`go ${epoch}\n`));
      });
    }

    live?.start();
    let interrupted = false;
    try {
      while (clock.now() < scenario.duration) {
        if (io.signal.aborted) {
          interrupted = true;
          break;
        }
        const dead = children.find((ch) => ch.unexpected);
        if (dead) throw crashed(dead);
        live?.draw(view(scenario, clock.now(), components));
        ndjson?.flush();
        await wallSleep(Math.min(100, Math.max(1, scenario.duration - clock.now())));
      }
      // Each child ends at the same duration by itself; an interrupted run asks them to stop.
      for (const ch of children) {
        ch.expectedExit = true;
        if (interrupted) ch.process?.kill('SIGINT');
        else if (ch.process?.pid !== undefined) resume(ch);
      }
      await withDeadline(Promise.all(children.map((ch) => ch.exited)), 10_000, undefined).catch(() => {
        for (const ch of children) ch.process?.kill('SIGKILL');
      });
      live?.draw(view(scenario, Math.min(clock.now(), scenario.duration), components));
    } finally {
      live?.stop();
    }

    // ---- verdicts, as a simulated run gives them ----
    const end = Math.min(clock.now(), scenario.duration);
    replay.flush();
    replay.ledger.registerHolder(() => children.flatMap((ch) => ch.held));
    for (const [name, watch] of watches) {
      const found = await watch.deadLetters().catch(() => []);
      for (const { id, from } of found) replay.ledger.deadLettered(id, from);
      metrics.scope(name).counter('deadLettered').raiseTo(found.length);
    }
    const messages = replay.ledger.tracked > 0 ? replay.ledger.settle() : undefined;
    if (messages) {
      for (const p of messages.producers) for (const k of ['lost', 'pending', 'duplicates'] as const) metrics.scope(p.component).counter(k).inc(p[k]);
      for (const g of messages.groups) {
        for (const consumer of g.consumers) metrics.scope(consumer).counter('missed').inc(g.lost);
        // A consumer process counts redeliveries and repeated effects only within its own
        // life; across a killed and restarted process only the merged ledger knows them.
        if (g.consumers.length === 1) {
          const scope = metrics.scope(g.consumers[0]!);
          raiseTo(scope.counter('redelivered'), g.redelivered);
          raiseTo(scope.counter('duplicates'), g.duplicateEffects);
        }
      }
    }
    const expectations = checker.finish(end, interrupted);
    for (const e of expectations) trace.emit({ kind: 'expectation', t: end, ...e });
    const failed = expectations.filter((e) => !e.passed).length;
    const skipped = expectations.filter((e) => e.skipped).length;
    const summary: SummaryEvent = {
      kind: 'summary',
      t: end,
      scenario: scenario.name,
      variant: scenario.variant,
      seed: scenario.seed,
      passed: failed === 0 && !interrupted,
      expectations: { passed: expectations.length - failed - skipped, failed, skipped },
      clients: [],
      components: scenario.components.map((s) => {
        const state = states.get(s.name);
        return { name: s.name, kind: s.kind, counters: metrics.counters(s.name), ...(state !== undefined ? { state } : {}) };
      }),
      eventsRun: 0,
      interrupted,
      ...(messages ? { messages } : {}),
    };
    summary.clients = clientSummaryOf(scenario, metrics);
    trace.emit(summary);
    ndjson?.flush();
    const result: RunResult = { scenario, passed: summary.passed, interrupted, expectations, summary, wallMs: wallNow() - started, simulatedMs: end, live: true };
    return { result, injected: [], runId };
  } finally {
    clock.halt();
    for (const watch of watches.values()) await watch.stop().catch(() => undefined);
    for (const ch of children) {
      ch.expectedExit = true;
      if (ch.process && ch.process.exitCode === null) ch.process.kill('SIGKILL');
    }
    await Promise.all(children.map((ch) => ch.exited.catch(() => undefined)));
    for (const ch of children) await ch.proxy?.stop();
    for (const store of parentStores.values()) await store.dispose(true).catch(() => undefined);
    const clean = await cleanUp(opened, io);
    if (clean) await manifest?.remove();
  }
}

function raiseTo(counter: { value: number; inc(n?: number): void }, value: number): void {
  if (value > counter.value) counter.inc(value - counter.value);
}

function resume(ch: Child): void {
  // A paused child cannot finish by itself.
  try {
    ch.process?.kill('SIGCONT');
  } catch {
    // already gone
  }
}

function sumCounters(a: Record<string, number> | undefined, b: Record<string, number>): Record<string, number> {
  const out = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function crashed(child: Child): InfraError {
  const tail = child.stderr.slice(-STDERR_TAIL);
  return new InfraError(`component process ${child.group.name} died (${child.unexpected ?? 'unknown'}) and nothing was meant to kill it`, [
    ...(tail.length ? ['its last words on stderr:', ...tail.map((l) => `  ${l}`)] : ['it wrote nothing on stderr']),
    'everything the run created on the broker has been removed',
  ]);
}

function withDeadline<T>(p: Promise<T>, ms: number, signal: AbortSignal | undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new InfraError(`the component processes did not answer within ${ms / 1000}s`)), ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new InterruptedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

function view(scenario: Scenario, t: number, components: Map<string, Component>) {
  return {
    scenario: { name: scenario.name, title: scenario.title, pattern: scenario.pattern, goal: scenario.goal, variant: scenario.variant },
    seed: scenario.seed,
    t,
    duration: scenario.duration,
    speed: 1,
    paused: false,
    rows: [...components.values()].map((c) => ({ name: c.name, kind: c.kind, state: c.state(), columns: c.columns() })),
    activeFaults: [],
  };
}

/** `broker-unavailable` in a multi-process run: every process's proxy goes down. */
function scheduleBrokerFaults(scenario: Scenario, clock: RealClock, trace: Trace, children: Child[], states: Map<string, string>): void {
  const brokerNames = new Set(scenario.components.filter((s) => s.kind === 'broker').map((s) => s.name));
  for (const f of scenario.faults) {
    if (!brokerNames.has(f.target)) continue;
    const event = (phase: 'start' | 'end') => ({ kind: 'fault' as const, t: clock.now(), phase, id: f.id, fault: f.kind, target: f.target, description: f.description });
    clock.at(f.at, () => {
      trace.emit(event('start'));
      trace.emit({ kind: 'transition', t: clock.now(), component: f.target, from: states.get(f.target) ?? 'UP', to: 'DOWN', cause: `fault ${f.id} started` });
      for (const ch of children) void ch.proxy?.setDown(true);
    });
    if (f.until !== Infinity && f.until <= scenario.duration) {
      clock.at(f.until, () => {
        trace.emit(event('end'));
        trace.emit({ kind: 'transition', t: clock.now(), component: f.target, from: 'DOWN', to: 'UP', cause: `fault ${f.id} ended` });
        for (const ch of children) void ch.proxy?.setDown(false);
      });
    }
  }
}

function scheduleProcessFault(fault: ProcessFault, child: Child, clock: RealClock, trace: Trace, respawn: () => void): void {
  const event = (phase: 'start' | 'end') => ({ kind: 'fault' as const, t: clock.now(), phase, id: fault.id, fault: `process-${fault.kind}`, target: child.group.name, description: fault.text });
  const signal = (s: NodeJS.Signals) => {
    try {
      child.process?.kill(s);
    } catch {
      // already gone
    }
  };
  clock.at(fault.at, () => {
    trace.emit(event('start'));
    switch (fault.kind) {
      case 'crash':
      case 'restart':
        child.expectedExit = true;
        signal('SIGKILL');
        if (fault.kind === 'restart') void child.exited.then(respawn);
        break;
      case 'pause':
        signal('SIGSTOP');
        child.status = 'paused';
        break;
      case 'net-down':
        void child.proxy?.setDown(true);
        break;
      case 'net-reset':
        child.proxy?.reset();
        break;
      case 'latency':
        child.proxy?.setLatency(fault.latencyMs ?? 0);
        break;
    }
  });
  if (fault.forMs !== undefined) {
    clock.at(fault.at + fault.forMs, () => {
      trace.emit(event('end'));
      switch (fault.kind) {
        case 'crash':
          void child.exited.then(respawn);
          break;
        case 'pause':
          signal('SIGCONT');
          child.status = 'running';
          break;
        case 'net-down':
          void child.proxy?.setDown(false);
          break;
        case 'latency':
          child.proxy?.setLatency(0);
          break;
        default:
          break;
      }
    });
  }
}
