/**
 * What `patterns check` calls. You implement `Relay` in starter.ts; the simulator puts it in
 * the order service (orders → broker → shipping) as its outbox relay. Everything around it
 * is the built-in's: each order commits its business row and its event row in one local
 * transaction (the event is in the outbox from then on); every `outbox.every` ms the relay
 * wakes and your `poll` says which rows to publish; the simulator publishes them and waits
 * for the broker's answers; your `published` says which rows to mark sent, which takes one
 * more local write; then the relay sleeps until the next poll.
 *
 * The outbox table survives a crash; the relay's memory does not. After a restart the relay
 * starts over from the table: keep nothing between calls that the rows do not say.
 *
 * Time is a number of milliseconds handed to you as `now`. The one invariant applies to your
 * code too: no Date.now, no new Date(), no Math.random, no timers.
 */

/** The order service's settings, from scenario.yaml (components.orders). Times are milliseconds. */
export interface ProducerSettings {
  readonly outbox: {
    /** How often the relay polls the outbox. */
    readonly every: number;
    /** Rows the relay publishes at a time, at most. */
    readonly batch: number;
  };
  /** Time of one write to the local database (marking rows sent is one). */
  readonly database: number;
}

/** A row of the outbox is known by its event's id: `orders-1`, `orders-2`... in the order they were written. */
export type RowId = string;

export interface Relay {
  /**
   * The relay polls at `now`. `unsent` is every row not marked sent, oldest first. Return the
   * rows to publish now, in order (every id one of `unsent`); an empty list: nothing to do
   * until the next poll.
   */
  poll(unsent: readonly RowId[], now: number): readonly RowId[];
  /**
   * The broker answered for every row of the batch at `now`: it has the `confirmed` ones;
   * the `failed` ones did not reach it. Return the rows to mark sent, in one local write
   * (each one of this batch): they leave the outbox and are never published again.
   */
  published(confirmed: readonly RowId[], failed: readonly RowId[], now: number): readonly RowId[];
}
