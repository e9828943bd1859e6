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
  // Watching starts before the first check, so a save made while a check runs is not lost.
  const saves = new Saves(dirs, io.signal);
  try {
    while (!io.signal.aborted) {
      saves.clear();
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
      await saves.next();
    }
  } finally {
    saves.close();
  }
  return { ...last, interrupted: true };
}

/** Saves in some folders, after a quiet spell; `next()` resolves on one (or at once if one came already), or on abort. */
class Saves {
  private readonly watchers: FSWatcher[];
  private timer: NodeJS.Timeout | undefined;
  private saved = false;
  private wake: (() => void) | undefined;

  constructor(
    dirs: readonly string[],
    private readonly signal: AbortSignal,
  ) {
    this.watchers = dirs.map((dir) =>
      watch(dir, (_event, file) => {
        if (file && (file.startsWith('.') || !WATCHED.test(file))) return;
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => {
          this.saved = true;
          this.wake?.();
        }, DEBOUNCE_MS);
      }),
    );
  }

  clear(): void {
    this.saved = false;
  }

  next(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.wake = undefined;
        this.signal.removeEventListener('abort', done);
        resolve();
      };
      if (this.saved || this.signal.aborted) return done();
      this.wake = done;
      this.signal.addEventListener('abort', done, { once: true });
    });
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
  }
}
