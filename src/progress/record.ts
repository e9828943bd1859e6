import type { RunResult } from '../engine/run.js';
import { markScenarioPassed, updateProgress } from './store.js';

export interface RecordContext {
  env: NodeJS.ProcessEnv;
  /** The scenario came from the catalogue (a user's own file with the same name does not count). */
  fromCatalogue: boolean;
  /** A shortened run (`--duration`) proves less than the scenario asks. */
  durationOverridden: boolean;
}

/**
 * Whether a run earns the menu's ✓: a person's run (not CI) of the scenario itself, with
 * the pattern, to the end, every expectation holding. Knobs may be tweaked.
 */
export function earnsCheckmark(result: RunResult, ctx: RecordContext): boolean {
  const ci = ctx.env['CI'] !== undefined && ctx.env['CI'] !== '' && ctx.env['CI'] !== 'false';
  return result.passed && !result.interrupted && result.scenario.variant === 'main' && ctx.fromCatalogue && !ctx.durationOverridden && !ci;
}

/** Records a pass in `.patterns/progress.json`; never fails the run over it. */
export async function recordRun(cwd: string, result: RunResult, ctx: RecordContext, when = new Date()): Promise<boolean> {
  if (!earnsCheckmark(result, ctx)) return false;
  try {
    await updateProgress(cwd, (p) => markScenarioPassed(p, result.scenario.name, result.scenario.seed, when));
    return true;
  } catch {
    return false;
  }
}
