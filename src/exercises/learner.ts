/**
 * Calling into a learner's code. Every call goes through `LearnerCalls.call`, which tells
 * the host which of the learner's functions is running (so a hang can be named), turns a
 * throw into a `LearnerFault` carrying the learner's own stack, and refuses answers that
 * would escape the simulated clock (promises).
 */

/** What went wrong in the learner's code, in a form that crosses a worker boundary. */
export type FaultKind =
  /** the module could not be loaded: a syntax error, or a throw at top level */
  | 'load'
  /** the module does not export what the contract needs, or the object lacks a function */
  | 'shape'
  /** a function threw */
  | 'threw'
  /** a function returned a promise where an answer was needed at once */
  | 'async'
  /** a function returned something the contract cannot use */
  | 'invalid'
  /** the code read the wall clock, Math.random or set a timer */
  | 'invariant'
  /** the simulation stopped advancing because of the learner's answers */
  | 'stuck'
  /** the code did not return within the time bound */
  | 'timeout'
  /** a promise the check waited on never settled */
  | 'never-settled'
  /** the isolated runner died (out of memory, an error thrown outside any call) */
  | 'crashed';

export interface LearnerFaultInfo {
  kind: FaultKind;
  /** The learner's function that was running: `tryAcquire`, `create`, `module load`... */
  hook?: string | undefined;
  /** Simulated time (ms) when it happened. */
  at?: number | undefined;
  message: string;
  /** Stack frames in the learner's files, innermost first, as `at fn (/abs/file.ts:12:5)`. */
  stack?: string[] | undefined;
}

export class LearnerFault extends Error {
  constructor(readonly info: LearnerFaultInfo) {
    super(info.message);
    this.name = 'LearnerFault';
  }
}

/** Thrown by the host's traps when learner code reaches for real time, real chance or timers. */
export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantViolation';
  }
}

/** The host side of a learner call: where it runs, what it watches. */
export interface LearnerHost {
  /** Called before any learner code runs: `hook` is the function's name, `now` the simulated time. */
  enter(hook: string, now: number): void;
  exit(): void;
  /** While the simulator awaits a promise the learner's code returned (`hook`), or stops awaiting (undefined). */
  waiting?(hook: string | undefined): void;
  /** A violation the learner's code caught and swallowed still counts: the host reports the first. */
  takeViolation(): LearnerFaultInfo | undefined;
}

/** Runs learner code in place, for tests and for hosts without traps. */
export const inProcessHost: LearnerHost = { enter() {}, exit() {}, takeViolation: () => undefined };

export class LearnerCalls {
  constructor(
    private readonly host: LearnerHost,
    /** True for a stack line that points into the learner's files. */
    private readonly isLearnerFrame: (line: string) => boolean,
  ) {}

  /** Calls a learner function that must answer at once. */
  call<T>(hook: string, now: number, fn: () => T): T {
    this.host.enter(hook, now);
    let value: T;
    try {
      value = fn();
    } catch (error) {
      throw this.fault(error, hook, now);
    } finally {
      this.host.exit();
    }
    if (isThenable(value)) {
      // Keep an eventual rejection from surfacing as an unhandled one.
      (value as PromiseLike<unknown>).then(undefined, () => {});
      throw new LearnerFault({
        kind: 'async',
        hook,
        at: now,
        message: `${hook} returned a Promise: it must answer at once (remove async/await). The simulator calls it inside its event loop, where no real time passes.`,
      });
    }
    return value;
  }

  /** Calls a learner function that may return a promise (loading the module, the factory). */
  async settle<T>(hook: string, fn: () => T | Promise<T>): Promise<T> {
    let pending: T | Promise<T>;
    this.host.enter(hook, 0);
    try {
      pending = fn();
    } catch (error) {
      throw this.fault(error, hook, undefined);
    } finally {
      this.host.exit();
    }
    this.host.waiting?.(hook);
    try {
      return await pending;
    } catch (error) {
      throw this.fault(error, hook, undefined);
    } finally {
      this.host.waiting?.(undefined);
    }
  }

  /** Raises a violation the learner's code swallowed, if there was one. */
  checkViolations(): void {
    const v = this.host.takeViolation();
    if (v) throw new LearnerFault(v);
  }

  invalid(hook: string, now: number, message: string): LearnerFault {
    return new LearnerFault({ kind: 'invalid', hook, at: now, message });
  }

  fault(error: unknown, hook: string, now: number | undefined): LearnerFault {
    if (error instanceof LearnerFault) return error;
    const kind = error instanceof InvariantViolation ? 'invariant' : hook === 'module load' ? 'load' : 'threw';
    const message = error instanceof Error ? `${error.name === 'Error' || error.name === 'InvariantViolation' ? '' : `${error.name}: `}${error.message}` : `threw ${describeThrown(error)}`;
    const stack = error instanceof Error ? learnerFrames(error.stack, this.isLearnerFrame) : undefined;
    return new LearnerFault({ kind, hook, at: now, message, stack });
  }
}

/** The stack lines that point into the learner's files; the simulator's own frames are noise here. */
export function learnerFrames(stack: string | undefined, isLearnerFrame: (line: string) => boolean): string[] | undefined {
  if (!stack) return undefined;
  const frames = stack.split('\n').filter((l) => /^\s+at /.test(l));
  const mine = frames.filter(isLearnerFrame).map((l) => readableFrame(l.trim()));
  return mine.length > 0 ? mine : undefined;
}

/**
 * A file compiled to CommonJS (outside a `"type": "module"` package) runs from a data: URL
 * with no source map; its frame still names the file, but not a line worth trusting.
 */
export function readableFrame(line: string): string {
  const m = /\(data:.*[?&]filePath=([^&:)]+?)(?:%3F[^:)]*)?:\d+:\d+\)$/.exec(line);
  if (!m) return line;
  return `${line.slice(0, line.indexOf('(data:'))}(${decodeURIComponent(m[1]!)})`;
}

function isThenable(value: unknown): boolean {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

function describeThrown(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
