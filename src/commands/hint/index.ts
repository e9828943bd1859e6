import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { UsageError } from '../../core/errors.js';
import { DEFAULT_EXERCISES_DIR, resolveExercises } from '../../exercises/exercise.js';
import { findTemplate, readHints } from '../../exercises/templates.js';
import { loadProgress, updateProgress } from '../../progress/store.js';

export interface HintFlags {
  dir?: string;
  all?: boolean;
}

export interface HintResult {
  name: string;
  pattern: string;
  /** The hints to show: the next one, or with --all every one seen so far. */
  shown: { number: number; title: string; body: string }[];
  seen: number;
  total: number;
  /** Every hint was already shown: where the reference solution is. */
  exhausted: boolean;
  solution: string;
}

/** The next hint of an exercise, one more per call; progress remembers how many were seen. */
export async function hintCommand(target: string | undefined, flags: HintFlags, cwd = process.cwd()): Promise<HintResult> {
  const dir = path.resolve(cwd, flags.dir ?? DEFAULT_EXERCISES_DIR);
  const exercises = await resolveExercises(target, dir, cwd);
  if (exercises.length > 1) {
    throw new UsageError('which exercise? name one', [`exercises: ${exercises.map((e) => e.name).join(', ')}`]);
  }
  const ex = exercises[0]!;
  // Read only the pattern: a hint should help even while the scenario file is half-edited.
  const raw = parse(await readFile(ex.scenarioFiles[0]!, 'utf8')) as { pattern?: unknown } | null;
  const pattern = typeof raw?.pattern === 'string' ? raw.pattern : '';
  const template = await findTemplate(pattern);
  if (!template) throw new UsageError(`${ex.name} is a ${pattern || 'pattern-less'} exercise, and there is no template for it with hints`);
  const hints = await readHints(template);
  const before = Math.min((await loadProgress(cwd)).exercises[ex.name]?.hints ?? 0, hints.length);
  const numbered = hints.map((h, i) => ({ number: i + 1, ...h }));
  const base = { name: ex.name, pattern, total: hints.length, solution: template.solution };
  if (flags.all) return { ...base, shown: numbered.slice(0, before), seen: before, exhausted: before >= hints.length };
  if (before >= hints.length) return { ...base, shown: [], seen: before, exhausted: true };
  await updateProgress(cwd, (p) => {
    const entry = (p.exercises[ex.name] ??= { pattern, passedAt: null, hints: 0 });
    entry.hints = before + 1;
  });
  return { ...base, shown: [numbered[before]!], seen: before + 1, exhausted: false };
}
