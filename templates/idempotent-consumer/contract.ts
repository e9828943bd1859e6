/**
 * What `patterns check` calls. You implement `Inbox` in starter.ts; the simulator puts it in
 * the charger (payments → broker → charger) and asks it about every payment that is
 * delivered, by message id. The charger around it is the built-in consumer: it does the work
 * (charging the card takes a while), performs the effect, acks, and crashes when the
 * scenario says so.
 *
 * Your object is the inbox table in the charger's own database: it survives a crash (the
 * instances die, the database does not), and `commit` runs inside the same local
 * transaction as the charge, so an id you write there is written if and only if the card is
 * charged.
 *
 * Time is a number of milliseconds handed to you as `now`. The one invariant applies to your
 * code too: no Date.now, no new Date(), no Math.random, no timers.
 */

/** The charger's settings, from scenario.yaml (components.charger). Times are milliseconds. */
export interface ConsumerSettings {
  /** Processes consuming side by side: copies of one payment may be worked on at the same time. */
  readonly instances: number;
  /** Unacked payments each instance may hold. */
  readonly prefetch: number;
  /** Between the charge and the ack: a crash in between brings a charged payment back. */
  readonly ackDelay: number;
}

/** What becomes of a delivered payment: work on it, or ack it at once as done already (no charge). */
export type Receipt = 'process' | 'skip';

/** The transaction that charges the card: it commits, or rolls back (the charge is done already). */
export type Commit = 'commit' | 'rollback';

export interface Inbox {
  /**
   * Payment `id` is delivered at `now`: the first time, a duplicate, or again after a crash.
   * 'process' it (the charger works on it, then calls `commit`), or 'skip' it (acked at once,
   * and no card is charged).
   */
  receive(id: string, now: number): Receipt;
  /**
   * The work on payment `id` is done, and the charge is about to commit at `now`, in one
   * local transaction with your inbox: 'commit' (the card is charged) or 'rollback' (no
   * charge: it has been charged already). Either way the payment is acked afterwards.
   */
  commit(id: string, now: number): Commit;
}
