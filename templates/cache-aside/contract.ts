/**
 * What `patterns check` calls. You implement `Reads` in starter.ts; the simulator puts it in
 * the cache (visitors → app → cache → database) and asks it what to do each time a read
 * finds nothing cached. The cache around it is the built-in cache-aside: it answers hits,
 * lets values expire after their TTL, runs the loads you ask for, stores what they bring,
 * and answers every reader.
 *
 * A reader you tell to 'wait' gets the value of the key's latest load still running, when
 * that load comes back. There must be one: 'wait' when no load of the key is running is an
 * error (that reader would wait forever).
 *
 * Time is a number of milliseconds handed to you as `now`. The one invariant applies to your
 * code too: no Date.now, no new Date(), no Math.random, no timers.
 */

/** The cache's settings, from scenario.yaml (components.cache). Times are milliseconds. */
export interface CacheSettings {
  /** How long a loaded value is served before it expires and must be loaded again. */
  readonly ttl: number;
  /** The call tag naming the record a read is for. */
  readonly key: string;
}

/** What a reader that missed does: load the key from the database itself, or wait for the load already running. */
export type OnMiss = 'load' | 'wait';

export interface Reads {
  /**
   * A read of `key` found nothing cached at `now` (never loaded yet, or its TTL ran out).
   * 'load': this reader queries the database, and the value it brings is cached.
   * 'wait': this reader waits for the load of `key` already running, and gets its value.
   */
  miss(key: string, now: number): OnMiss;
  /**
   * A load of `key` came back at `now`: `ok` when the value is now cached, false when the
   * database failed it (its readers get the failure). The readers waiting for it are
   * answered right after this call.
   */
  loaded(key: string, now: number, ok: boolean): void;
}
