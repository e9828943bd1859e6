/**
 * Time as pattern code sees it. Pattern code never reads the wall clock: it is handed a
 * Clock, simulated (a discrete-event scheduler) or real (live runs).
 * Times are milliseconds since the run started.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  readonly kind: 'simulated' | 'real';
  now(): number;
  /** Calls `fn` once, `delayMs` from now. A delay of 0 runs after everything already due now. */
  setTimer(delayMs: number, fn: () => void): Timer;
}

/** A clock that also schedules at absolute times: what a run drives (the kernel, or the real clock in live runs). */
export interface Scheduler extends Clock {
  /** Runs `fn` at `time` ms since the run started; a time already past runs as soon as possible. */
  at(time: number, fn: () => void): Timer;
}

export const noTimer: Timer = { cancel() {} };

/** Resolves after `ms` on the given clock; used by promise-style code (live components, examples). */
export function sleep(clock: Pick<Clock, 'setTimer'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    const onAbort = () => {
      timer.cancel();
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
