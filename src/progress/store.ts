import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * What a learner has done, kept in `.patterns/progress.json` in the directory they work in
 * (git-ignored). The menu's ✓ marks and the exercises' check/hint state both live here.
 * Format (version 1):
 *
 *   { "version": 1,
 *     "scenarios": { "payment-outage": { "passedAt": "2026-11-21T23:40:00.000Z", "seed": 7 } },
 *     "exercises": { "my-breaker": { "pattern": "circuit-breaker", "passedAt": null, "hints": 2 } } }
 *
 * Timestamps are for people; nothing in a run depends on them.
 */
export interface Progress {
  version: 1;
  scenarios: Record<string, { passedAt: string; seed: number }>;
  exercises: Record<string, { pattern: string; passedAt: string | null; hints: number }>;
}

export const PROGRESS_DIR = '.patterns';
export const PROGRESS_FILE = 'progress.json';

export function progressPath(cwd: string): string {
  return path.join(cwd, PROGRESS_DIR, PROGRESS_FILE);
}

function empty(): Progress {
  return { version: 1, scenarios: {}, exercises: {} };
}

/** Reads progress; a missing or unreadable file is an empty record, never an error. */
export async function loadProgress(cwd: string): Promise<Progress> {
  try {
    const data = JSON.parse(await readFile(progressPath(cwd), 'utf8')) as Partial<Progress>;
    if (data.version !== 1) return empty();
    return { version: 1, scenarios: data.scenarios ?? {}, exercises: data.exercises ?? {} };
  } catch {
    return empty();
  }
}

/** Applies `change` to the stored progress and writes it back atomically. */
export async function updateProgress(cwd: string, change: (p: Progress) => void): Promise<Progress> {
  const progress = await loadProgress(cwd);
  change(progress);
  const file = progressPath(cwd);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(progress, null, 2) + '\n', 'utf8');
  await rename(tmp, file);
  return progress;
}

export function markScenarioPassed(p: Progress, name: string, seed: number, when: Date): void {
  p.scenarios[name] = { passedAt: when.toISOString(), seed };
}
