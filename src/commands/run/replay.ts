import { readFile } from 'node:fs/promises';
import { UsageError } from '../../core/errors.js';
import type { FaultEvent, Json, RunStartEvent } from '../../core/trace.js';
import { formatClock, formatDuration } from '../../core/units.js';
import type { ManualFault } from '../../faults/manual.js';
import { colourLevel, makeChalk } from '../../render/colour.js';
import { resolveScenario } from '../../scenario/catalogue.js';
import { loadScenarioFile } from '../../scenario/load.js';
import type { CliIO } from '../context.js';
import { executeScenario, type RunMode } from './execute.js';
import { parseSpeed } from './flags.js';
import type { RunFlags, RunOutcome } from './index.js';
import { renderRunEnd, renderWatchedEnd } from './render.js';
import { quote } from './resolve.js';

/** What a trace says about the run that wrote it: enough to run it again. */
export interface ReplayPlan {
  scenario: string;
  variant: string;
  seed: number;
  set: string[];
  durationMs: number;
  manualFaults: ManualFault[];
  /** When the recorded run was stopped early (q, Ctrl-C). */
  stoppedAt?: number | undefined;
  /** Runs in the file after the first, which a replay ignores. */
  otherRuns: number;
}

/** Reads the first run of an NDJSON trace (docs/trace-format.md). */
export function parseReplay(text: string, file: string): ReplayPlan {
  let start: RunStartEvent | undefined;
  let otherRuns = 0;
  let stoppedAt: number | undefined;
  const faults: ManualFault[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let event: { kind?: unknown };
    try {
      event = JSON.parse(line) as { kind?: unknown };
    } catch {
      throw new UsageError(`${file}:${i + 1}: not a JSON line; --replay reads a trace written by --json or --trace`);
    }
    if (event.kind === 'run') {
      if (start) {
        otherRuns++;
        continue;
      }
      start = event as RunStartEvent;
      continue;
    }
    if (!start || otherRuns > 0) continue;
    if (event.kind === 'fault') {
      const f = event as FaultEvent;
      if (!f.manual || f.phase !== 'start') continue;
      if (!isObject(f.params)) throw new UsageError(`${file}:${i + 1}: fault ${f.id} was injected by hand but its parameters are missing`);
      faults.push({ id: f.id, kind: f.fault, target: f.target, params: f.params, at: f.t, ...(f.forMs !== undefined ? { forMs: f.forMs } : {}) });
    } else if (event.kind === 'summary') {
      const s = event as { interrupted?: boolean; t?: number };
      if (s.interrupted && typeof s.t === 'number') stoppedAt = s.t;
    }
  }
  if (!start) throw new UsageError(`${file}: no run event; --replay reads a trace written by --json or --trace`);
  if (typeof start.scenario !== 'string' || typeof start.seed !== 'number') throw new UsageError(`${file}: the run event lacks its scenario or seed`);
  return {
    scenario: start.scenario,
    variant: typeof start.variant === 'string' ? start.variant : 'main',
    seed: start.seed,
    set: Array.isArray(start.set) ? start.set.map(String) : [],
    durationMs: start.durationMs,
    manualFaults: faults,
    stoppedAt,
    otherRuns,
  };
}

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `patterns run --replay trace.ndjson [scenario-file]`: the same run, hand-injected faults included. */
export async function replayCommand(targets: string[], flags: RunFlags, io: CliIO): Promise<RunOutcome> {
  const file = flags.replay!;
  const clash = (['all', 'compare', 'seed', 'baseline', 'variant', 'duration'] as const).find((k) => flags[k] !== undefined && flags[k] !== false);
  if (clash || flags.set?.length) {
    throw new UsageError(`--replay takes the scenario, seed, knobs and variant from the trace; drop --${clash ?? 'set'}`);
  }
  if (targets.length > 1) throw new UsageError('--replay replays one run; name at most the scenario file it came from');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const plan = parseReplay(text, file);
  const resolved = await resolveScenario(targets[0] ?? plan.scenario);
  const load = { set: plan.set, seed: plan.seed, ...(plan.variant !== 'main' ? { variant: plan.variant } : {}) };
  let scenario = await loadScenarioFile(resolved.file, load);
  if (scenario.name !== plan.scenario) throw new UsageError(`${file} is a trace of ${plan.scenario}, not of ${scenario.name}`);
  if (scenario.duration !== plan.durationMs) scenario = await loadScenarioFile(resolved.file, { ...load, duration: `${plan.durationMs}ms` });

  const chatter = (line: string) => {
    if (!flags.json) io.stderr.write(`${line}\n`);
  };
  const faults = plan.manualFaults.map((f) => `${f.id} (${f.kind} → ${f.target} at ${formatClock(f.at)}${f.forMs !== undefined ? ` for ${formatDuration(f.forMs)}` : ''})`);
  chatter(`replaying ${plan.scenario}${plan.variant !== 'main' ? ` (${plan.variant})` : ''} · seed ${plan.seed}${plan.set.length ? ` · ${plan.set.join(' ')}` : ''}`);
  if (faults.length) chatter(`faults injected by hand: ${faults.join(', ')}`);
  if (plan.stoppedAt !== undefined) chatter(`the recorded run was stopped at ${formatClock(plan.stoppedAt)}; the replay runs to the end`);
  if (plan.otherRuns > 0) chatter(`${file} holds ${plan.otherRuns + 1} runs; replaying the first`);

  const mode: RunMode = flags.json ? 'json' : io.stdout.isTTY && !flags.ci ? 'live' : 'plain';
  const c = makeChalk(colourLevel({ env: io.env, isTTY: io.stdout.isTTY, flag: io.colourFlag }));
  const speed = flags.speed !== undefined ? parseSpeed(flags.speed) : undefined;
  const run = await executeScenario(scenario, {
    mode,
    io,
    c,
    speed,
    manualFaults: plan.manualFaults,
    traceFile: flags.trace,
    timeline: mode === 'live' || flags.report !== undefined,
  });
  const command = run.keptTrace ? `${io.invocation} run --replay ${quote(run.keptTrace)}` : `${io.invocation} run --replay ${quote(file)}`;
  if (mode === 'live') {
    io.stdout.write(renderWatchedEnd(run, command, c, io.stdout.columns));
  } else if (mode === 'plain') {
    io.stdout.write(renderRunEnd(run.result, command, c));
  }
  return { results: [run.result], reproduce: [command], timelines: [run.timeline] };
}
