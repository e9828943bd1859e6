import type { ChalkInstance } from 'chalk';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatClock } from '../../core/units.js';
import { Run, type RunResult, type Subscription } from '../../engine/run.js';
import type { ManualFault } from '../../faults/manual.js';
import { LiveTable } from '../../render/live.js';
import { NdjsonWriter } from '../../render/ndjson.js';
import { plainLines } from '../../render/plain.js';
import { scenarioHeading } from '../../render/summary.js';
import { TimelineRecorder, type Timeline } from '../../render/timeline.js';
import type { Scenario } from '../../scenario/model.js';
import type { CliIO } from '../context.js';
import { listenKeys } from './keys.js';
import { TraceFile } from './trace-file.js';
import { WatchSession, type StoppedBy, type Watched } from './watch.js';

/**
 * live: the table redrawn in place, with hotkeys when stdin is a terminal · fast: flat out,
 * results at the end (the menu's "simulate fast") · plain: one line per transition · json:
 * the NDJSON trace.
 */
export type RunMode = 'live' | 'fast' | 'plain' | 'json';

/** Seconds of wall time a watched run aims for when no --speed is given. */
const WATCH_SECONDS = 12;

export function watchSpeed(scenario: Pick<Scenario, 'duration'>): number {
  return Math.max(1, scenario.duration / 1000 / WATCH_SECONDS);
}

export interface ExecuteOptions {
  mode: RunMode;
  io: CliIO;
  c: ChalkInstance;
  /** Several scenarios in a row (`--all`): plain mode prints nothing per transition. */
  many?: boolean;
  speed?: number | undefined;
  /** Faults injected by hand in the run being replayed. */
  manualFaults?: readonly ManualFault[] | undefined;
  /** `--trace FILE`: the NDJSON trace, whatever the screen shows. */
  traceFile?: string | undefined;
  /** Keep the timeline, for the end-of-run charts and `--report`. */
  timeline?: boolean;
}

export interface Executed {
  result: RunResult;
  timeline?: Timeline | undefined;
  /** How a watched run ended early: `q` or Ctrl-C. */
  stoppedBy?: StoppedBy | undefined;
  /** Ids of the faults injected by hand during this run. */
  injected: string[];
  /** Where the trace of a run with hand-injected faults was kept, so `--replay` can reproduce it. */
  keptTrace?: string | undefined;
}

export async function executeScenario(scenario: Scenario, opts: ExecuteOptions): Promise<Executed> {
  const { mode, io, c } = opts;
  const recorder = opts.timeline ? new TimelineRecorder() : undefined;
  const traceFile = opts.traceFile ? new TraceFile(opts.traceFile) : undefined;
  const listeners: Subscription[] = [];
  if (recorder) listeners.push(recorder.listener);
  if (traceFile) listeners.push(traceFile.listener);
  const runOptions = { manualFaults: opts.manualFaults ?? [] };
  try {
    if (mode === 'json') {
      const ndjson = new NdjsonWriter((text) => io.stdout.write(text));
      const run = new Run(scenario, [ndjson.listener, ...listeners], runOptions);
      const result = await run.execute({ speed: opts.speed ?? Infinity, signal: io.signal, onFrame: () => ndjson.flush() });
      ndjson.flush();
      return { result, timeline: recorder?.timeline, injected: [] };
    }
    if (mode === 'plain' || mode === 'fast') {
      if (mode === 'plain' && !opts.many) {
        const width = Math.max(...scenario.components.map((x) => x.name.length), 5);
        listeners.unshift({ listener: plainLines(io.stdout, c, width), kinds: ['transition', 'fault'] });
        io.stdout.write(`${scenarioHeading(scenario, c)}\n${c.dim(scenario.goal)}\n\n`);
      }
      const run = new Run(scenario, listeners, runOptions);
      const result = await run.execute({ speed: opts.speed ?? Infinity, signal: io.signal });
      return { result, timeline: recorder?.timeline, injected: [] };
    }
    return await watch(scenario, opts, listeners, recorder);
  } finally {
    traceFile?.close();
  }
}

/** A watched run: the live table, and on a terminal the hotkeys in its footer. */
async function watch(scenario: Scenario, opts: ExecuteOptions, listeners: Subscription[], recorder: TimelineRecorder | undefined): Promise<Executed> {
  const { io, c } = opts;
  const keys = io.stdin?.isTTY ? io.stdin : undefined;
  const cwd = io.cwd ?? process.cwd();
  let session: WatchSession | undefined;
  let ended = false;
  // The last frame stays on screen above the summary: without hotkeys that no longer work.
  const live = new LiveTable(io.stdout, c, () => (ended ? undefined : (session?.footer(io.stdout.columns) ?? c.dim('Ctrl-C stops the run and shows the summary'))));
  // Kept only if a fault is injected by hand: then it is what `--replay` needs.
  const keep = keys && !opts.traceFile ? TraceFile.temporary() : undefined;
  const liveSub: Subscription = { listener: live.listener, kinds: ['transition', 'fault'] };
  const run = new Run(scenario, [liveSub, ...listeners, ...(keep ? [keep.listener] : [])], { manualFaults: opts.manualFaults ?? [] });
  if (keys) session = new WatchSession(run, { c, now: () => Date.now(), writeSnapshot: (r) => writeSnapshot(cwd, r, live) });
  const signal = session ? AbortSignal.any([io.signal, session.stop.signal]) : io.signal;
  live.start();
  let stopKeys = () => {};
  let result: RunResult;
  try {
    if (keys && session) {
      const s = session;
      stopKeys = listenKeys(keys, (key) => {
        s.key(key);
        live.draw(run.view());
      });
    }
    result = await run.execute({
      speed: opts.speed ?? watchSpeed(scenario),
      signal,
      frameMs: 50,
      onFrame: (view) => {
        live.draw(view);
        keep?.flush();
      },
    });
    ended = true;
    live.draw(run.view());
  } finally {
    stopKeys();
    live.stop();
  }
  const injected = session?.injected ?? [];
  let keptTrace: string | undefined;
  if (keep && injected.length > 0) {
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    keptTrace = path.relative(cwd, keep.keepAs(path.join(cwd, '.patterns', 'runs', `${scenario.name}-seed${scenario.seed}-${stamp}.ndjson`)));
  } else {
    keep?.discard();
    // With --trace the trace is already kept where the user asked.
    if (opts.traceFile && injected.length > 0) keptTrace = opts.traceFile;
  }
  return { result, timeline: recorder?.timeline, stoppedBy: session?.stoppedBy, injected, keptTrace };
}

/** `s` during a watched run: the current frame as plain text, in `.patterns/snapshots/`. */
function writeSnapshot(cwd: string, run: Watched, live: LiveTable): string {
  const view = run.view();
  const dir = path.join(cwd, '.patterns', 'snapshots');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${view.scenario.name}-seed${view.seed}-${formatClock(view.t)}.txt`);
  const header = `# patterns snapshot · ${view.scenario.name} (${view.scenario.variant}) · seed ${view.seed} · at ${formatClock(view.t)}\n`;
  writeFileSync(file, header + live.snapshot(view), 'utf8');
  return path.relative(cwd, file);
}
