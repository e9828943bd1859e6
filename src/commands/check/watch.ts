import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { PatternsError } from '../../core/errors.js';
import { DEFAULT_EXERCISES_DIR, resolveExercises } from '../../exercises/exercise.js';
import type { CliIO } from '../context.js';
import { checkCommand, type CheckFlags, type CheckOutcome } from './index.js';

/** Quiet time after the last change before re-running: editors write a file in several steps. */
const DEBOUNCE_MS = 150;
const WATCHED = /\.(?:[cm]?[jt]s|ya?ml)$/;

/**
 * `check --watch`: checks, then re-checks whenever a file of the exercise is saved, until
 * Ctrl-C. A mistake in a half-edited file is shown and waited out, not fatal.
 */
export async function watchCheck(
  target: string | undefined,
  flags: CheckFlags,
  io: CliIO,
  show: (outcome: CheckOutcome) => void,
  cwd = process.cwd(),
): Promise<CheckOutcome> {
  const exercises = await resolveExercises(target, path.resolve(cwd, flags.dir ?? DEFAULT_EXERCISES_DIR), cwd);
  const dirs = exercises.map((e) => path.resolve(e.dir));
  let last: CheckOutcome = { exercises: [], interrupted: false, dir: flags.dir ?? DEFAULT_EXERCISES_DIR };
  const names = exercises.map((e) => path.relative(cwd, e.dir) || '.').join(', ');
  while (!io.signal.aborted) {
    if (io.stdout.isTTY) io.stdout.write('\u001b[2J\u001b[H');
    try {
      last = await checkCommand(target, flags, io, cwd);
      show(last);
    } catch (error) {
      if (!(error instanceof PatternsError)) throw error;
      io.stderr.write(`${error.message}\n${error.details.map((d) => `  ${d}\n`).join('')}`);
    }
    if (io.signal.aborted) break;
    io.stderr.write(`\nwatching ${names} · re-runs on save · Ctrl-C to stop\n`);
    await nextChange(dirs, io.signal);
  }
  return { ...last, interrupted: true };
}

/** Resolves on the first save in any of `dirs` (after a quiet spell), or when `signal` aborts. */
function nextChange(dirs: readonly string[], signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const watchers: FSWatcher[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    for (const dir of dirs) {
      watchers.push(
        watch(dir, (_event, file) => {
          if (file && (file.startsWith('.') || !WATCHED.test(file))) return;
          if (timer) clearTimeout(timer);
          timer = setTimeout(done, DEBOUNCE_MS);
        }),
      );
    }
  });
}
