import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ScenarioError, UsageError } from '../core/errors.js';
import { closest } from '../core/suggest.js';
import { loadScenarioFile, type LoadOptions } from '../scenario/load.js';
import { Source } from '../scenario/locate.js';
import type { ComponentSpec, Scenario } from '../scenario/model.js';
import type { Contract } from './contracts/contract.js';
import { contractOf } from './contracts/registry.js';
import { findTemplate, listTemplates, type Template } from './templates.js';

/** Where `patterns new` puts exercises and `check` and `hint` look for them, relative to the working directory. */
export const DEFAULT_EXERCISES_DIR = 'exercises';

/** Exercise names: what a folder and a scenario may both be called. */
export const EXERCISE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export interface Exercise {
  name: string;
  dir: string;
  /** Its scenarios: the YAML files beside the code that name an `implementation:`. */
  scenarioFiles: string[];
}

export interface ExerciseScenario {
  scenario: Scenario;
  /** The component the learner implements. */
  component: ComponentSpec & { implementation: string };
  template: Template;
  contract: Contract;
}

/** A cheap look for `implementation:` (block or flow style); loading the scenario decides for sure. */
const IMPLEMENTATION_LINE = /(?:^|[\s{,])implementation\s*:/m;

/** The YAML files of a folder that run learner code. */
export async function exerciseScenarioFiles(dir: string): Promise<string[]> {
  if (!isDirectory(dir)) return [];
  const names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  const out: string[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    if (IMPLEMENTATION_LINE.test(await readFile(file, 'utf8'))) out.push(file);
  }
  return out;
}

/** An exercise folder, or one exercise scenario file, as `run` may be given one. */
export async function exerciseAt(target: string): Promise<Exercise | undefined> {
  if (isDirectory(target)) {
    const files = await exerciseScenarioFiles(target);
    return files.length > 0 ? { name: path.basename(path.resolve(target)), dir: target, scenarioFiles: files } : undefined;
  }
  if (/\.ya?ml$/.test(target) && existsSync(target) && IMPLEMENTATION_LINE.test(await readFile(target, 'utf8'))) {
    const dir = path.dirname(target);
    return { name: path.basename(path.resolve(dir)), dir, scenarioFiles: [target] };
  }
  return undefined;
}

export async function listExercises(exercisesDir: string): Promise<Exercise[]> {
  if (!isDirectory(exercisesDir)) return [];
  const out: Exercise[] = [];
  for (const name of (await readdir(exercisesDir)).sort()) {
    const ex = await exerciseAt(path.join(exercisesDir, name));
    if (ex) out.push(ex);
  }
  return out;
}

/**
 * What `check [target]` means: a name under the exercises folder, a path to an exercise
 * folder or scenario, or — with no target — the folder you are in, else every exercise.
 */
export async function resolveExercises(target: string | undefined, exercisesDir: string, cwd: string): Promise<Exercise[]> {
  if (target === undefined) {
    const here = await exerciseAt(cwd);
    if (here) return [here];
    const all = await listExercises(exercisesDir);
    if (all.length === 0) {
      throw new UsageError(`no exercises in ${path.relative(cwd, exercisesDir) || '.'}/ yet`, ['start one: patterns new my-breaker --pattern circuit-breaker', 'templates: patterns new --help']);
    }
    return all;
  }
  if (target.includes('/') || target.includes(path.sep) || target.startsWith('.') || /\.ya?ml$/.test(target)) {
    const ex = await exerciseAt(target);
    if (!ex) throw new UsageError(`${target} is not an exercise: no scenario there names an implementation:`, ['make one with: patterns new <name> --pattern <pattern>']);
    return [ex];
  }
  const ex = await exerciseAt(path.join(exercisesDir, target));
  if (ex) return [ex];
  const known = (await listExercises(exercisesDir)).map((e) => e.name);
  const guess = closest(target, known);
  throw new UsageError(`no exercise "${target}" in ${path.relative(cwd, exercisesDir) || '.'}/`, [
    ...(guess ? [`did you mean "${guess}"?`] : []),
    ...(known.length ? [`exercises: ${known.join(', ')}`] : []),
    `start it: patterns new ${EXERCISE_NAME.test(target) ? target : 'my-exercise'} --pattern <pattern>`,
  ]);
}

/** Loads an exercise scenario and finds what runs the learner's code: the component, its template and contract. */
export async function loadExerciseScenario(file: string, opts: LoadOptions = {}): Promise<ExerciseScenario> {
  const scenario = await loadScenarioFile(file, opts);
  const mine = scenario.components.filter((c): c is ExerciseScenario['component'] => c.implementation !== undefined);
  const source = new Source(file, await readFile(file, 'utf8'));
  if (mine.length !== 1) {
    const message =
      mine.length === 0
        ? 'no component names an implementation: this scenario runs only built-in code (use patterns run)'
        : `${mine.map((c) => c.name).join(' and ')} both name an implementation; an exercise replaces one component`;
    throw new ScenarioError([source.problem(['components'], message)]);
  }
  const component = mine[0]!;
  if (!existsSync(component.implementation)) {
    const written = path.relative(path.dirname(file), component.implementation);
    throw new ScenarioError([source.problem(['components', component.name, 'implementation'], `no such file: ${written} (it is read relative to the scenario)`)]);
  }
  const template = await findTemplate(scenario.pattern);
  if (!template) {
    const known = (await listTemplates()).map((t) => t.pattern);
    throw new UsageError(`there is no exercise template for ${scenario.pattern}, so nothing to check ${path.basename(file)} against`, [`templates: ${known.join(', ')}`]);
  }
  return { scenario, component, template, contract: contractOf(template.contract)! };
}

/** How many seeds a check tries per scenario unless told otherwise. */
export const DEFAULT_SEEDS = 3;

/** The seeds a check runs by default: the scenario's own, then the next ones. */
export function defaultSeeds(seed: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => (seed + i) % 4_294_967_296);
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
