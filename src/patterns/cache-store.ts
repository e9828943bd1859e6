import type { Timer } from '../core/clock.js';
import type { ComponentContext, ComponentTrace } from '../core/component.js';
import { memberTrace } from '../core/component.js';

/** A watched key's life in one server's cache, as the trace shows it. */
export const keyStates = ['MISS', 'LOADING', 'FRESH', 'STALE', 'EXPIRED', 'INVALIDATED', 'DIRTY', 'LOST'] as const;
export type KeyState = (typeof keyStates)[number];

/** A value held in the cache. */
export interface Entry {
  /** The database version it holds; writes still to be flushed (`pending`) make it newer. */
  version: number;
  storedAt: number;
  expiresAt: number;
  /** How long the load that filled it took: XFetch's measure of what a recomputation costs. */
  cost: number;
  /** Acknowledged writes held only here, not yet in the database (write-behind). */
  pending: number;
  /** A refresh of it is under way (refresh-ahead, early refresh). */
  refreshing: boolean;
}

/** The version a read of an entry returns: one with writes still to flush is ahead of the database. */
export const AHEAD = Number.POSITIVE_INFINITY;

/**
 * One app server's local cache: its entries, the version below which it refuses to fill a
 * key (a late load racing an invalidation would otherwise put an old value back), and the
 * story of the keys it was asked to watch. Expiry is lazy, on access, except for watched
 * keys, whose expiry is traced when it happens.
 */
export class CacheServer {
  readonly entries = new Map<string, Entry>();
  /** Per key, the oldest version a fill may bring: set by invalidations. */
  private readonly floors = new Map<string, number>();
  private readonly watched = new Map<string, { trace: ComponentTrace; state: KeyState; expiry: Timer | undefined }>();
  down = false;

  constructor(
    readonly name: string,
    private readonly ttl: number,
    private readonly ctx: Pick<ComponentContext, 'clock' | 'trace'>,
    watch: readonly string[],
    /** Traced as `component/key`, or `component/server:key` when there are several servers. */
    qualify: boolean,
  ) {
    for (const key of watch) this.watched.set(key, { trace: memberTrace(ctx.trace, qualify ? `${name}:${key}` : key), state: 'MISS', expiry: undefined });
  }

  /** The live entry for `key`, dropping it if its TTL has passed (never while it holds unflushed writes). */
  get(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.pending === 0 && this.ctx.clock.now() >= e.expiresAt) {
      this.entries.delete(key);
      this.note(key, 'EXPIRED', 'the TTL passed');
      return undefined;
    }
    return e;
  }

  /** Stores what a load brought, unless an invalidation already said it is too old, or the entry is newer. */
  fill(key: string, version: number, cost: number, cause: string): boolean {
    if (version < (this.floors.get(key) ?? 0)) return false;
    const old = this.entries.get(key);
    if (old && (old.pending > 0 || old.version > version)) return false;
    this.put(key, version, cost);
    this.note(key, 'FRESH', cause);
    return true;
  }

  /** Sets the value a write just made (write-through, write-behind); no older load may replace it. */
  set(key: string, version: number, pending: number, cause: string): Entry {
    if (version > (this.floors.get(key) ?? 0)) this.floors.set(key, version);
    const e = this.put(key, version, this.entries.get(key)?.cost ?? 0);
    e.pending = pending;
    this.note(key, pending > 0 ? 'DIRTY' : 'FRESH', cause);
    return e;
  }

  /** Removes the entry if older than `version`, and refuses fills older than it from now on. */
  invalidate(key: string, version: number, cause: string): boolean {
    if (version > (this.floors.get(key) ?? 0)) this.floors.set(key, version);
    const e = this.entries.get(key);
    if (!e || e.pending > 0 || e.version >= version) return false;
    this.entries.delete(key);
    this.note(key, 'INVALIDATED', cause);
    return true;
  }

  /** A version newer than the cached one was committed: a watched key is STALE until refreshed. */
  committed(key: string, version: number): void {
    const w = this.watched.get(key);
    if (!w || (w.state !== 'FRESH' && w.state !== 'STALE')) return;
    const e = this.entries.get(key);
    if (e && e.pending === 0 && e.version < version) this.note(key, 'STALE', `version ${version} committed; the cache holds ${e.version}`);
  }

  /** The process died: everything in memory is gone. Returns the unflushed writes lost. */
  crash(cause: string): number {
    let lost = 0;
    for (const [key, e] of this.entries) {
      lost += e.pending;
      this.note(key, e.pending > 0 ? 'LOST' : 'MISS', e.pending > 0 ? `${cause}: ${e.pending} unflushed write${e.pending === 1 ? '' : 's'} lost` : `${cause}: the cache is empty`);
    }
    this.entries.clear();
    this.floors.clear();
    this.down = true;
    return lost;
  }

  isWatched(key: string): boolean {
    return this.watched.has(key);
  }

  /** Moves a watched key to `state`; unwatched keys cost nothing. */
  note(key: string, state: KeyState, cause: string): void {
    const w = this.watched.get(key);
    if (!w) return;
    if (state === 'FRESH' || state === 'DIRTY') this.watchExpiry(key, w);
    if (w.state === state) return;
    w.trace.transition(w.state, state, cause);
    w.state = state;
  }

  /** Something worth telling about a watched key that does not change its state (a background refresh). */
  event(key: string, name: string, data: Record<string, string | number>): void {
    const w = this.watched.get(key);
    if (w && w.trace.enabled) w.trace.event(name, data);
  }

  stateOf(key: string): KeyState | undefined {
    return this.watched.get(key)?.state;
  }

  private put(key: string, version: number, cost: number): Entry {
    const now = this.ctx.clock.now();
    const e: Entry = { version, storedAt: now, expiresAt: now + this.ttl, cost, pending: 0, refreshing: false };
    this.entries.set(key, e);
    return e;
  }

  /** A watched key's expiry is traced when it happens, not when someone next asks. */
  private watchExpiry(key: string, w: { expiry: Timer | undefined }): void {
    w.expiry?.cancel();
    const e = this.entries.get(key);
    if (!e) return;
    w.expiry = this.ctx.clock.setTimer(Math.max(0, e.expiresAt - this.ctx.clock.now()), () => {
      w.expiry = undefined;
      if (this.entries.get(key) === e) this.get(key);
    });
  }
}
