/**
 * What `patterns check` calls. You implement `Bulkhead` in starter.ts; the simulator puts it
 * where the built-in bulkhead sits (tracking → analytics-pool → connections → analytics) and
 * asks it what becomes of every call. The simulator holds the calls: it starts the ones you
 * let run, keeps the ones you queue until you hand them a slot, and times their wait out.
 * Around your decisions the bulkhead is the built-in's: its state (ACCEPTING, QUEUEING,
 * REJECTING) and its figures come from what your answers made happen.
 *
 * Time is a number of milliseconds handed to you as `now`. The one invariant applies to your
 * code too: no Date.now, no new Date(), no Math.random, no timers. The check stops your code
 * if it tries, because a simulated minute passes in a few milliseconds of real time.
 */

/** The bulkhead's settings, from scenario.yaml (components.analytics-pool). Times are milliseconds. */
export interface BulkheadSettings {
  /** Calls that may hold a slot at once. */
  readonly maxConcurrent: number;
  /** Calls that may wait for a slot; more are refused at once. */
  readonly queue: number;
  /**
   * How long a call may wait for a slot. The simulator times each wait and, when it runs
   * out, refuses the call and tells you with `leave`. None: as long as its caller waits.
   */
  readonly queueTimeout?: number;
}

/** What becomes of an arriving call: it takes a slot and runs, it waits for one, or it is refused. */
export type Admission = 'run' | 'wait' | 'refuse';

/**
 * Calls are known by their ticket: 1, 2, 3... in the order they arrive at the bulkhead.
 */
export interface Bulkhead {
  /** Call `ticket` arrives at `now`. */
  acquire(ticket: number, now: number): Admission;
  /**
   * A call that held a slot is done at `now` (it was answered, or its caller gave up), so its
   * slot is free. Return the ticket of a waiting call to hand it the slot (it starts at
   * once), or `undefined` to leave the slot free.
   */
  release(now: number): number | undefined;
  /** Waiting call `ticket` left the queue at `now` without a slot: it waited `queueTimeout`, or its caller gave up. */
  leave(ticket: number, now: number): void;
}
