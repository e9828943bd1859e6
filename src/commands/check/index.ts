import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { defaultSeeds, DEFAULT_EXERCISES_DIR, DEFAULT_SEEDS, loadExerciseScenario, resolveExercises, type Exercise } from '../../exercises/exercise.js';
import type { SeedResult } from '../../exercises/session.js';
import { readHints } from '../../exercises/templates.js';
import { loadProgress, updateProgress } from '../../progress/store.js';
import type { CliIO } from '../context.js';
import { parseSeed } from '../run/flags.js';
import { runIsolated, type IsolatedRun } from './isolate.js';
import { scanFolder, type Finding } from './scan.js';

export interface CheckFlags {
  dir?: string;
  seed?: string;
  seeds?: string;
  timeout?: string;
  json?: boolean;
  watch?: boolean;
}

export interface ScenarioCheck {
  file: string;
  name: string;
  title: string;
  /** The component the learner implements, and the file that implements it. */
  component: string;
  implementation: string;
  /** The built-in kind it stands in for. */
  kind: string;
}

export interface ExerciseCheck {
  name: string;
  dir: string;
  pattern: string;
  scenarios: ScenarioCheck[];
  seeds: number[];
  /** One per scenario and seed that ran, in order. */
  results: (SeedResult & { file: string })[];
  stopped?: IsolatedRun['stopped'];
  /** Places in the code that read real time or chance, found before running. */
  findings: Finding[];
  printed: string[];
  printedLines: number;
  passed: boolean;
  interrupted: boolean;
  /** This check was the first to pass. */
  firstPass: boolean;
  hints: { seen: number; total: number };
}

export interface CheckOutcome {
  exercises: ExerciseCheck[];
  interrupted: boolean;
  /** The folder exercises live in, as given (for the next commands to suggest). */
  dir: string;
}

/** The default bound on one call into the learner's code. */
const DEFAULT_TIMEOUT_MS = 5_000;

export async function checkCommand(target: string | undefined, flags: CheckFlags, io: CliIO, cwd = process.cwd()): Promise<CheckOutcome> {
  const dir = flags.dir ?? DEFAULT_EXERCISES_DIR;
  const seedCount = flags.seeds !== undefined ? parseCount(flags.seeds) : DEFAULT_SEEDS;
  const only = flags.seed !== undefined ? parseSeed(flags.seed) : undefined;
  if (only !== undefined && flags.seeds !== undefined) throw new UsageError('give --seed (one seed) or --seeds (how many), not both');
  const timeoutMs = flags.timeout !== undefined ? parseTimeout(flags.timeout) : DEFAULT_TIMEOUT_MS;
  const exercises = await resolveExercises(target, path.resolve(cwd, dir), cwd);
  const out: CheckOutcome = { exercises: [], interrupted: false, dir };
  for (const ex of exercises) {
    const check = await checkOne(ex, { seedCount, only, timeoutMs, io, cwd });
    out.exercises.push(check);
    if (check.interrupted) {
      out.interrupted = true;
      break;
    }
  }
  return out;
}

async function checkOne(
  ex: Exercise,
  opts: { seedCount: number; only: number | undefined; timeoutMs: number; io: CliIO; cwd: string },
): Promise<ExerciseCheck> {
  // Load (and so validate) every scenario first: a broken file is a usage error, not a failed check.
  const loaded = await Promise.all(ex.scenarioFiles.map((f) => loadExerciseScenario(f)));
  const scenarios = loaded.map((l) => ({
    file: l.scenario.file,
    name: l.scenario.name,
    title: l.scenario.title,
    component: l.component.name,
    implementation: l.component.implementation,
    kind: l.component.kind,
  }));
  const pattern = loaded[0]!.scenario.pattern;
  const seedsOf = (seed: number) => (opts.only !== undefined ? [opts.only] : defaultSeeds(seed, opts.seedCount));
  const jobs = loaded.map((l) => ({ scenarioFile: l.scenario.file, seeds: seedsOf(l.scenario.seed) }));
  const findings = await scanFolder(ex.dir);
  const run = await runIsolated(jobs, path.resolve(ex.dir), { timeoutMs: opts.timeoutMs, signal: opts.io.signal });
  const results = run.results.map((r) => ({ ...r.result, file: r.file }));
  const expected = jobs.reduce((n, j) => n + j.seeds.length, 0);
  const passed = !run.interrupted && !run.stopped && findings.length === 0 && results.length === expected && results.every((r) => r.passed);

  const before = (await loadProgress(opts.cwd)).exercises[ex.name];
  const firstPass = passed && !before?.passedAt;
  if (!run.interrupted) {
    await updateProgress(opts.cwd, (p) => {
      const entry = (p.exercises[ex.name] ??= { pattern, passedAt: null, hints: 0 });
      entry.pattern = pattern;
      // The first pass is the one that counts; a later failure does not take it back.
      if (passed && !entry.passedAt) entry.passedAt = new Date().toISOString();
    });
  }
  const template = loaded[0]!.template;
  const total = (await readHints(template)).length;
  return {
    name: ex.name,
    dir: ex.dir,
    pattern,
    scenarios,
    seeds: jobs[0]!.seeds,
    results,
    ...(run.stopped ? { stopped: run.stopped } : {}),
    findings,
    printed: run.printed,
    printedLines: run.printedLines,
    passed,
    interrupted: run.interrupted,
    firstPass,
    hints: { seen: Math.min(before?.hints ?? 0, total), total },
  };
}

function parseCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > 100) throw new UsageError(`--seeds ${text}: expected how many seeds to try, from 1 to 100`);
  return n;
}

function parseTimeout(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : 1000) : NaN;
  if (!Number.isFinite(ms) || ms < 100 || ms > 600_000) throw new UsageError(`--timeout ${text}: expected a time from 100ms to 600s, e.g. 10s`);
  return ms;
}
