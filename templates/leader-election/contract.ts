/**
 * What `patterns check` calls. You implement `Storage` in starter.ts: the check the storage
 * makes on every write it receives. The rest is the built-in leader election: three nodes
 * take turns leading through a lease in a coordination service; each time a node takes the
 * lease it gets the next term (1, 2, 3...: terms only grow); the leader writes to the storage
 * every 200 ms, each write tagged with its term.
 *
 * A leader can be replaced without knowing it (it was paused, or cut off), and its writes can
 * reach the storage late, after the next leader's. Your storage decides which writes to let
 * through.
 *
 * Time is a number of milliseconds handed to you as `now`. The one invariant applies to your
 * code too: no Date.now, no new Date(), no Math.random, no timers.
 */

/** The election's settings, from scenario.yaml (components.election). Times are milliseconds. */
export interface ElectionSettings {
  /** Nodes that may lead: node-1, node-2, ... */
  readonly candidates: number;
  /** A lease not renewed for this long runs out, and another node may take it (a new term). */
  readonly ttl: number;
  /** How often the leader writes. */
  readonly writeEvery: number;
}

/** The storage's verdict on one write: store it, or refuse it. */
export type Verdict = 'accept' | 'reject';

export interface Storage {
  /**
   * A write by node `writer` (`'node-2'`), tagged with the `term` it believes it leads in,
   * reaches the storage at `now`: 'accept' (it is stored) or 'reject' (it is refused, and
   * the data is untouched). Writes arrive in the order the network delivers them, which is
   * not always the order they were sent in.
   */
  write(writer: string, term: number, now: number): Verdict;
}
