import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { RunResult } from '../../engine/run.js';
import { recordRun } from '../../progress/record.js';
import { colourLevel, makeChalk } from '../../render/colour.js';
import type { Timeline } from '../../render/timeline.js';
import { loadScenarioFile } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/model.js';
import type { CliIO } from '../context.js';
import type { Comparison } from './compare.js';
import { executeScenario, type RunMode } from './execute.js';
import { parseSeed, parseSpeed } from './flags.js';
import { renderAllLine, renderRunEnd, renderWatchedEnd } from './render.js';
import { isCatalogue, quote, reproduceCommand, resolveEntries } from './resolve.js';

export { reproduceCommand } from './resolve.js';
export type { RunMode } from './execute.js';

export interface RunFlags {
  all?: boolean;
  ci?: boolean;
  json?: boolean;
  junit?: string;
  seed?: string;
  set?: string[];
  speed?: string;
  duration?: string;
  baseline?: boolean;
  variant?: string;
  /** `--compare` (true: baseline against the scenario) or `--compare a,b`. */
  compare?: boolean | string;
  replay?: string;
  report?: string;
  trace?: string;
  /** `--live`: real clock, real broker (`--broker` or PATTERNS_BROKER). */
  live?: boolean;
  broker?: string;
  /** `--processes`: each component group as its own process. */
  processes?: boolean;
  processFault?: string[];
}

export interface RunOutcome {
  results: RunResult[];
  /** How each run can be reproduced, in the order of results. */
  reproduce: string[];
  /** Each run's timeline when one was kept (watched runs, --report), in the order of results. */
  timelines: (Timeline | undefined)[];
  /** Set by --compare. */
  comparison?: Comparison;
}

export async function runCommand(targets: string[], flags: RunFlags, io: CliIO): Promise<RunOutcome> {
  if (flags.live) liveChecks(targets, flags);
  else if (flags.broker !== undefined) throw new UsageError('--broker is for live runs: add --live');
  else if (flags.processes) throw new UsageError('--processes is for live runs: add --live');
  if (flags.processFault?.length && !flags.processes) throw new UsageError('--process-fault needs --live --processes');
  if (flags.replay !== undefined) {
    const { replayCommand } = await import('./replay.js');
    return replayCommand(targets, flags, io);
  }
  if (flags.compare !== undefined) {
    const { compareCommand } = await import('./compare.js');
    return compareCommand(targets, flags, io);
  }
  if (flags.all && targets.length > 0) throw new UsageError('give scenario names or --all, not both');
  if (!flags.all && targets.length === 0) {
    throw new UsageError('which scenario? name one, a pattern, or a file', ['e.g. patterns run payment-outage', 'or:  patterns run --all --ci', 'see: patterns list']);
  }
  if (flags.all && flags.set?.length) throw new UsageError('--set applies to one scenario; it cannot be combined with --all');
  if (flags.baseline && flags.variant !== undefined && flags.variant !== 'baseline') throw new UsageError('give --baseline or --variant, not both');
  const seed = flags.seed !== undefined ? parseSeed(flags.seed) : undefined;
  const speed = flags.speed !== undefined ? parseSpeed(flags.speed) : undefined;

  const entries = await resolveEntries(targets, flags.all ?? false, io, flags.json);
  if (flags.trace !== undefined && entries.length > 1) throw new UsageError('--trace writes one run; give one scenario');
  // Load (and so validate) everything before running anything: a bad file fails fast.
  const scenarios: Scenario[] = [];
  for (const e of entries) {
    const chosen = flags.variant !== undefined || flags.baseline || e.variant === undefined ? flags : { ...flags, variant: e.variant };
    scenarios.push(await loadScenarioFile(e.file, loadOptions(chosen, seed)));
  }

  const exercise = scenarios.find((s) => s.components.some((c) => c.implementation !== undefined));
  if (exercise) {
    throw new UsageError(`${exercise.name} runs your own code (implementation:), which only patterns check runs`, [`patterns check ${path.dirname(exercise.file)}`]);
  }

  if (flags.live && !flags.processes && scenarios.length === 1) {
    const { brokersFrom } = await import('../../brokers/url.js');
    const brokers = brokersFrom(flags.broker, io.env);
    if (brokers.length > 1) return (await import('./compare-brokers.js')).compareBrokers(scenarios[0]!, entries[0]!.arg, brokers, flags, io);
  }

  const many = scenarios.length > 1;
  const mode: RunMode = flags.json ? 'json' : io.stdout.isTTY && !flags.ci && !many ? 'live' : 'plain';
  const c = makeChalk(colourLevel({ env: io.env, isTTY: io.stdout.isTTY, flag: io.colourFlag }));
  const outcome: RunOutcome = { results: [], reproduce: [], timelines: [] };
  for (let i = 0; i < scenarios.length; i++) {
    const scenario = scenarios[i]!;
    let command = reproduceCommand(io.invocation, entries[i]!.arg, scenario, flags);
    const run = flags.live && flags.processes
      ? await (await import('../../live/supervisor.js')).executeProcesses(scenario, {
          mode,
          io,
          c,
          broker: flags.broker ?? io.env['PATTERNS_BROKER'],
          brokerSource: flags.broker !== undefined ? '--broker' : 'PATTERNS_BROKER',
          scenarioArgs: childArgs(flags, scenario),
          processFaults: await parseFaults(flags.processFault ?? []),
        })
      : flags.live
      ? await (await import('../../live/run-live.js')).executeLive(scenario, {
          mode,
          io,
          c,
          broker: flags.broker ?? io.env['PATTERNS_BROKER'],
          brokerSource: flags.broker !== undefined ? '--broker' : 'PATTERNS_BROKER',
        })
      : await executeScenario(scenario, { mode, many, speed, io, c, traceFile: flags.trace, timeline: mode === 'live' || flags.report !== undefined });
    if (run.keptTrace) command = `${io.invocation} run --replay ${quote(run.keptTrace)}`;
    outcome.results.push(run.result);
    outcome.reproduce.push(command);
    outcome.timelines.push(run.timeline);
    if (mode === 'live') {
      io.stdout.write(renderWatchedEnd(run, command, c, io.stdout.columns));
      await recordRun(io.cwd ?? process.cwd(), run.result, { env: io.env, fromCatalogue: isCatalogue(entries[i]!.file), durationOverridden: flags.duration !== undefined });
    } else if (mode === 'plain') {
      io.stdout.write(many ? renderAllLine(run.result, command, c) : renderRunEnd(run.result, command, c));
    }
    if (run.result.interrupted) break;
  }
  return outcome;
}

/** What makes a component process load the same scenario as the parent. */
function childArgs(flags: RunFlags, scenario: Scenario): string[] {
  return [
    '--seed',
    String(scenario.seed),
    ...(scenario.variant !== 'main' ? ['--variant', scenario.variant] : []),
    ...(flags.set ?? []).flatMap((s) => ['--set', s]),
    ...(flags.duration !== undefined ? ['--duration', flags.duration] : []),
  ];
}

async function parseFaults(texts: string[]) {
  const { parseProcessFault } = await import('../../live/process-faults.js');
  return texts.map((t, i) => parseProcessFault(t, i));
}

/** What a live run cannot be combined with (a live run is one run in real time). */
function liveChecks(targets: string[], flags: RunFlags): void {
  const clash = flags.all ? '--all' : flags.replay !== undefined ? '--replay' : flags.compare !== undefined ? '--compare' : flags.speed !== undefined ? '--speed' : flags.trace !== undefined ? '--trace' : flags.report !== undefined ? '--report' : undefined;
  if (clash) throw new UsageError(`--live runs one scenario in real time; it cannot be combined with ${clash}`);
  if (targets.length !== 1) throw new UsageError('--live runs one scenario: name one', ['e.g. patterns run consumer-crash --live --broker redis://127.0.0.1:6379']);
}

function loadOptions(flags: Pick<RunFlags, 'set' | 'variant' | 'baseline' | 'duration'>, seed: number | undefined) {
  return {
    set: flags.set ?? [],
    ...(flags.variant !== undefined ? { variant: flags.variant } : { baseline: flags.baseline ?? false }),
    ...(flags.duration !== undefined ? { duration: flags.duration } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
}
