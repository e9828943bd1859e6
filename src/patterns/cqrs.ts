/** A write the write model committed: a record's key and its new version. */
export interface Committed {
  key: string;
  version: number;
  at: number;
}

interface KeyState {
  applied: number;
  /** Committed versions not applied yet, oldest first. */
  pending: { version: number; at: number }[];
}

/**
 * CQRS keeps two models of the same data: the write model takes commands and commits them;
 * a projector applies the events they emit to a read model shaped for queries. The read
 * model is behind by whatever the events still in flight hold — the price of the split.
 *
 * `Freshness` measures that price record by record: it hears every commit on the write
 * side and every event applied on the read side, so a read can tell whether it misses a
 * write and since when, and a reader who wrote can wait for their own write.
 */
export class Freshness {
  private readonly keys = new Map<string, KeyState>();
  /** Every pending commit in commit order, for the oldest one; applied ones are skipped lazily. */
  private readonly order: { key: string; version: number; at: number }[] = [];
  private head = 0;
  private lagCount = 0;
  private readonly waiters = new Map<string, { version: number; ready: () => void }[]>();

  /** Commits the read model has not applied yet. */
  get lag(): number {
    return this.lagCount;
  }

  committed(c: Committed): void {
    const k = this.keyOf(c.key);
    // A fast projector may apply an event before its producer hears the confirm.
    if (c.version <= k.applied) return;
    k.pending.push({ version: c.version, at: c.at });
    this.order.push(c);
    this.lagCount++;
  }

  /** The projector applied `version` of `key`; returns false for an old or repeated event (nothing changes). */
  applied(key: string, version: number): boolean {
    const k = this.keyOf(key);
    if (version <= k.applied) return false;
    k.applied = version;
    const before = k.pending.length;
    k.pending = k.pending.filter((p) => p.version > version);
    this.lagCount -= before - k.pending.length;
    const waiting = this.waiters.get(key);
    if (waiting) {
      const ready = waiting.filter((w) => w.version <= version);
      const still = waiting.filter((w) => w.version > version);
      if (still.length > 0) this.waiters.set(key, still);
      else this.waiters.delete(key);
      for (const w of ready) w.ready();
    }
    return true;
  }

  version(key: string): number {
    return this.keys.get(key)?.applied ?? 0;
  }

  /** The oldest write to `key` the read model misses, if any. */
  missing(key: string): { version: number; at: number } | undefined {
    return this.keys.get(key)?.pending[0];
  }

  /** The newest committed version of `key`. */
  latest(key: string): number {
    const k = this.keys.get(key);
    if (!k) return 0;
    return k.pending.length > 0 ? k.pending[k.pending.length - 1]!.version : k.applied;
  }

  /** When the oldest commit not yet applied anywhere was made; undefined when caught up. */
  oldest(): number | undefined {
    while (this.head < this.order.length && this.order[this.head]!.version <= this.version(this.order[this.head]!.key)) this.head++;
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
    return this.order[this.head]?.at;
  }

  /** Calls `ready` once `key` reaches `version`; the returned function stops waiting. */
  waitFor(key: string, version: number, ready: () => void): () => void {
    const entry = { version, ready };
    const list = this.waiters.get(key) ?? [];
    list.push(entry);
    this.waiters.set(key, list);
    return () => {
      const l = this.waiters.get(key);
      if (!l) return;
      const i = l.indexOf(entry);
      if (i >= 0) l.splice(i, 1);
      if (l.length === 0) this.waiters.delete(key);
    };
  }

  private keyOf(key: string): KeyState {
    let k = this.keys.get(key);
    if (!k) this.keys.set(key, (k = { applied: 0, pending: [] }));
    return k;
  }
}
