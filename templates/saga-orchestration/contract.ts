/**
 * What `patterns check` calls. You implement `Orchestrator` in starter.ts; the simulator puts
 * it in the order service (orders → inventory, payment, shipping, through the broker) and
 * asks it, order by order, what to do next: when the order is placed, when a participant
 * answers, and when a participant stays silent for `stepTimeout`.
 *
 * Everything around your decisions is the built-in orchestrator's: it sends the command you
 * name to the participant's queue, times it out, hears the answers (an answer to anything but
 * the command an order is waiting on is late, and ignored), and keeps the saga log: PENDING,
 * then each step's state when it is done (the last one, SHIPPED, completes the order),
 * COMPENSATING from your first undo, CANCELLED when you end it after that.
 *
 * One command at a time per order: each call returns the order's next command, or 'end'.
 *
 * Time is a number of milliseconds handed to you as `now`. The one invariant applies to your
 * code too: no Date.now, no new Date(), no Math.random, no timers: the simulator times the
 * commands out and tells you.
 */

/** A step of the saga: the participant that does it, and the state the order reaches once it is done. */
export interface SagaStep {
  readonly participant: string;
  readonly state: string;
}

/** The order service's settings, from scenario.yaml (components.orders). Times are milliseconds. */
export interface SagaSettings {
  /** In order: inventory (RESERVED), payment (CHARGED), shipping (SHIPPED). */
  readonly steps: readonly SagaStep[];
  /** How long to wait for an answer before timedOut is called. */
  readonly stepTimeout: number;
  /** How many times a step may be asked again before it counts as failed. */
  readonly retries: number;
}

/**
 * The next command for an order: ask a participant to do its step, ask it to undo its step,
 * or end the saga (it is complete, or every step that needed undoing is undone). Asking the
 * same command again is a retry: the participants are idempotent, so a repeat is safe.
 */
export type Command = { do: string } | { undo: string } | 'end';

/** A participant's answer: to a `do`, 'done' or 'failed' (a card declined); to an `undo`, 'compensated'. */
export interface Answer {
  readonly step: string;
  readonly op: 'do' | 'undo';
  readonly outcome: 'done' | 'failed' | 'compensated';
}

/** The command an order was waiting on, and how many times it has been sent. */
export interface Silence {
  readonly step: string;
  readonly op: 'do' | 'undo';
  readonly attempts: number;
}

/** Orders are known by their id: `orders-1`, `orders-2`... */
export interface Orchestrator {
  /** Order `order` is placed at `now`: its first command. */
  begin(order: string, now: number): Command;
  /** The participant answered the command `order` was waiting on: the next command. */
  answered(order: string, answer: Answer, now: number): Command;
  /** No answer to the command `order` was waiting on within `stepTimeout`: the next command. */
  timedOut(order: string, silence: Silence, now: number): Command;
}
