import type { Clock } from '../core/clock.js';
import type { Outcome } from '../core/component.js';
import type { Counter } from '../core/metrics.js';
import type { Entry } from './cache-store.js';

export const stampedeGuards = ['none', 'coalesce', 'lock', 'early'] as const;
export type StampedeGuard = (typeof stampedeGuards)[number];

/** A load's result: the version read, or why it failed. */
export type Loaded = (version: number | undefined, failure?: Outcome) => void;

/** What the guard asks of the cache: load a key on a server, or look it up again later. */
export interface MissActions {
  load(why: string, then: Loaded): void;
  lookAgain(): void;
  answer: Loaded;
}

/**
 * What the cache asks on a miss: the built-in guards below, or an exercise's stand-in for
 * them (src/exercises/contracts/reads.ts).
 */
export interface MissGuard {
  miss(server: number, key: string, act: MissActions): void;
  /** A server crashed: the loads it was sharing are forgotten. */
  forget(server: number): void;
}

/**
 * What happens when many readers miss one key at once. `none`: each loads it. `coalesce`
 * (single flight): the misses on one server share the load already running. `lock`: the
 * first miss takes a lock shared by every server and loads; the others look again every
 * `retry` until the value is there, or the lock's lease has run out and they may take it.
 * `early` acts before the miss, on hits: see `refreshEarly`.
 */
export class StampedeGuardState implements MissGuard {
  private readonly flights: Map<string, Loaded[]>[];
  private readonly locks = new Map<string, { until: number }>();

  constructor(
    private readonly guard: StampedeGuard,
    servers: number,
    private readonly lock: { retry: number; lease: number },
    private readonly clock: Pick<Clock, 'now' | 'setTimer'>,
    private readonly counters: { coalesced: Counter; lockWaits: Counter },
  ) {
    this.flights = Array.from({ length: servers }, () => new Map());
  }

  miss(server: number, key: string, act: MissActions): void {
    if (this.guard === 'coalesce') return this.coalesce(this.flights[server]!, key, act);
    if (this.guard === 'lock') return this.withLock(key, act);
    act.load('miss', act.answer);
  }

  /** A crash forgets the loads a server was sharing (their readers still get their answers). */
  forget(server: number): void {
    this.flights[server]!.clear();
  }

  private coalesce(flights: Map<string, Loaded[]>, key: string, act: MissActions): void {
    const waiting = flights.get(key);
    if (waiting) {
      this.counters.coalesced.inc();
      waiting.push(act.answer);
      return;
    }
    const mine = [act.answer];
    flights.set(key, mine);
    act.load('miss', (version, failure) => {
      // A crash may have forgotten this flight, and a new one started since.
      if (flights.get(key) === mine) flights.delete(key);
      for (const w of mine) w(version, failure);
    });
  }

  private withLock(key: string, act: MissActions): void {
    const now = this.clock.now();
    if ((this.locks.get(key)?.until ?? -Infinity) > now) {
      this.counters.lockWaits.inc();
      this.clock.setTimer(this.lock.retry, act.lookAgain);
      return;
    }
    const lock = { until: now + this.lock.lease };
    this.locks.set(key, lock);
    act.load('miss, lock taken', (version, failure) => {
      // Released only by its holder: after its lease the lock may be someone else's.
      if (this.locks.get(key) === lock) this.locks.delete(key);
      act.answer(version, failure);
    });
  }
}

/**
 * XFetch (Vattani, Chierichetti, Lowenstein: "Optimal probabilistic cache stampede
 * prevention"): a hit refreshes when now − cost·β·ln(u) reaches the expiry, u uniform in
 * (0, 1] — likelier the nearer the expiry and the costlier the load, so under load one
 * reader refreshes shortly before it, and a key nobody reads is left to expire.
 */
export function refreshEarly(e: Pick<Entry, 'cost' | 'expiresAt'>, now: number, beta: number, u: number): boolean {
  return now - e.cost * beta * Math.log(1 - u) >= e.expiresAt;
}
