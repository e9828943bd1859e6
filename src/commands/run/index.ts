import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { Run, type RunResult } from '../../engine/run.js';
import { colourLevel, makeChalk } from '../../render/colour.js';
import { LiveTable } from '../../render/live.js';
import { NdjsonWriter } from '../../render/ndjson.js';
import { plainLines } from '../../render/plain.js';
import { catalogueDir, catalogueFiles, resolveScenario } from '../../scenario/catalogue.js';
import { loadScenarioFile } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/model.js';
import type { CliIO } from '../context.js';
import { parseSeed, parseSpeed } from './flags.js';
import { renderAllLine, renderRunEnd } from './render.js';

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
}

export type RunMode = 'live' | 'plain' | 'json';

export interface RunOutcome {
  results: RunResult[];
  /** How each run can be reproduced, in the order of results. */
  reproduce: string[];
}

/** Seconds of wall time a watched run aims for when no --speed is given. */
const WATCH_SECONDS = 12;

export async function runCommand(targets: string[], flags: RunFlags, io: CliIO): Promise<RunOutcome> {
  if (flags.all && targets.length > 0) throw new UsageError('give scenario names or --all, not both');
  if (!flags.all && targets.length === 0) {
    throw new UsageError('which scenario? name one, a pattern, or a file', ['e.g. patterns run payment-outage', 'or:  patterns run --all --ci', 'see: patterns list']);
  }
  if (flags.all && flags.set?.length) throw new UsageError('--set applies to one scenario; it cannot be combined with --all');
  const seed = flags.seed !== undefined ? parseSeed(flags.seed) : undefined;
  const speed = flags.speed !== undefined ? parseSpeed(flags.speed) : undefined;

  const entries = flags.all ? (await catalogueFiles()).map((file) => ({ arg: path.basename(file).replace(/\.ya?ml$/, ''), file })) : [];
  for (const t of targets) {
    const resolved = await resolveScenario(t);
    if (resolved.via && !flags.json) io.stderr.write(`${resolved.via}\n`);
    entries.push({ arg: isCatalogue(resolved.file) ? path.basename(resolved.file).replace(/\.ya?ml$/, '') : t, file: resolved.file });
  }
  // Load (and so validate) everything before running anything: a bad file fails fast.
  const scenarios: Scenario[] = [];
  for (const e of entries) {
    if (flags.baseline && flags.variant !== undefined && flags.variant !== 'baseline') throw new UsageError('give --baseline or --variant, not both');
    const load = { set: flags.set ?? [], ...(flags.variant !== undefined ? { variant: flags.variant } : { baseline: flags.baseline ?? false }) };
    scenarios.push(
      await loadScenarioFile(e.file, {
        ...load,
        ...(flags.duration !== undefined ? { duration: flags.duration } : {}),
        ...(seed !== undefined ? { seed } : {}),
      }),
    );
  }

  const exercise = scenarios.find((s) => s.components.some((c) => c.implementation !== undefined));
  if (exercise) {
    throw new UsageError(`${exercise.name} runs your own code (implementation:), which only patterns check runs`, [`patterns check ${path.dirname(exercise.file)}`]);
  }

  const many = scenarios.length > 1;
  const mode: RunMode = flags.json ? 'json' : io.stdout.isTTY && !flags.ci && !many ? 'live' : 'plain';
  const c = makeChalk(colourLevel({ env: io.env, isTTY: io.stdout.isTTY, flag: io.colourFlag }));
  const results: RunResult[] = [];
  const reproduce: string[] = [];
  for (let i = 0; i < scenarios.length; i++) {
    const scenario = scenarios[i]!;
    const command = reproduceCommand(io.invocation, entries[i]!.arg, scenario, flags);
    const result = await runOne(scenario, { mode, many, speed, io, c });
    results.push(result);
    reproduce.push(command);
    if (mode !== 'json') {
      io.stdout.write(many ? renderAllLine(result, command, c) : renderRunEnd(result, command, c));
    }
    if (result.interrupted) break;
  }
  return { results, reproduce };
}

async function runOne(
  scenario: Scenario,
  opts: { mode: RunMode; many: boolean; speed: number | undefined; io: CliIO; c: ReturnType<typeof makeChalk> },
): Promise<RunResult> {
  const { mode, io, c } = opts;
  if (mode === 'json') {
    const ndjson = new NdjsonWriter((text) => io.stdout.write(text));
    const run = new Run(scenario, [ndjson.listener]);
    const result = await run.execute({ speed: opts.speed ?? Infinity, signal: io.signal, onFrame: () => ndjson.flush() });
    ndjson.flush();
    return result;
  }
  if (mode === 'plain') {
    const width = Math.max(...scenario.components.map((x) => x.name.length), 5);
    const listeners = opts.many ? [] : [plainLines(io.stdout, c, width)];
    if (!opts.many) io.stdout.write(`${c.bold(scenario.name)} · ${scenario.title}\n${c.dim(scenario.goal)}\n\n`);
    const run = new Run(scenario, listeners);
    return run.execute({ speed: opts.speed ?? Infinity, signal: io.signal });
  }
  const live = new LiveTable(io.stdout, c, () => c.dim('Ctrl-C stops the run and shows the summary'));
  const run = new Run(scenario, [live.listener]);
  const speed = opts.speed ?? Math.max(1, scenario.duration / 1000 / WATCH_SECONDS);
  live.start();
  try {
    const result = await run.execute({ speed, signal: io.signal, onFrame: (view) => live.draw(view), frameMs: 50 });
    live.draw(run.view());
    return result;
  } finally {
    live.stop();
  }
}

function isCatalogue(file: string): boolean {
  return path.resolve(path.dirname(file)) === path.resolve(catalogueDir);
}

/** The exact command that replays a run: same scenario, seed, knobs, duration and variant. */
export function reproduceCommand(invocation: string, arg: string, scenario: Scenario, flags: RunFlags): string {
  const parts = [invocation, 'run', quote(arg), '--seed', String(scenario.seed)];
  for (const s of flags.set ?? []) parts.push('--set', quote(s));
  if (flags.duration !== undefined) parts.push('--duration', quote(flags.duration));
  if (scenario.variant === 'baseline') parts.push('--baseline');
  else if (scenario.variant !== 'main') parts.push('--variant', scenario.variant);
  return parts.join(' ');
}

function quote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
