import type { Database } from '../components/database.js';
import type { Clock } from '../core/clock.js';
import type { CacheServer } from './cache-store.js';

export interface WriteBehindConfig {
  /** Flush the dirty keys this often. */
  every: number;
  /** At most this many keys per batch statement; a buffer this full flushes at once. */
  batch: number;
}

/**
 * Write-behind for one server: a write changes the cache and is acknowledged at once; the
 * dirty keys go to the database later, in batches — several writes to one key between
 * flushes become one row. Until its batch commits, an acknowledged write lives only in
 * the cache's memory: a crash loses it.
 */
export class WriteBehind {
  /** Dirty keys, oldest first (a Set keeps insertion order). */
  private readonly dirty = new Set<string>();
  /** Writes in the batch being committed, per key: they reach the database even if the cache dies now. */
  private flying: Map<string, number> | undefined;
  private epoch = 0;

  constructor(
    private readonly server: CacheServer,
    private readonly db: Database,
    private readonly cfg: WriteBehindConfig,
    private readonly clock: Pick<Clock, 'now' | 'setTimer'>,
    private readonly flushed: (writes: number, committed: { key: string; version: number }[]) => void,
  ) {
    const tick = () => {
      this.flush();
      clock.setTimer(cfg.every, tick);
    };
    clock.setTimer(cfg.every, tick);
  }

  /** Acknowledged writes not yet committed to the database. */
  get unflushed(): number {
    let n = 0;
    for (const e of this.server.entries.values()) n += e.pending;
    return n;
  }

  /** A write: the cache holds it, the database will. */
  write(key: string): void {
    const e = this.server.get(key);
    const pending = (e?.pending ?? 0) + 1;
    this.server.set(key, e?.version ?? this.db.version(key), pending, `written; ${pending} write${pending === 1 ? '' : 's'} to flush`);
    this.dirty.add(key);
    if (this.dirty.size >= this.cfg.batch) this.flush();
  }

  /** The server died: returns how many of its unflushed writes were already on their way (they are not lost). */
  crash(): number {
    this.epoch++;
    this.dirty.clear();
    let flying = 0;
    for (const n of this.flying?.values() ?? []) flying += n;
    this.flying = undefined;
    return flying;
  }

  private flush(): void {
    if (this.flying || this.dirty.size === 0 || this.server.down) return;
    const keys: string[] = [];
    const counts = new Map<string, number>();
    for (const key of this.dirty) {
      if (keys.length >= this.cfg.batch) break;
      keys.push(key);
      counts.set(key, this.server.entries.get(key)?.pending ?? 0);
    }
    for (const key of keys) this.dirty.delete(key);
    this.flying = counts;
    const epoch = this.epoch;
    this.db.write(keys, (outcome, versions) => {
      let writes = 0;
      for (const n of counts.values()) writes += n;
      if (outcome.ok) this.flushed(writes, keys.map((key, i) => ({ key, version: versions[i]! })));
      if (epoch !== this.epoch) return;
      this.flying = undefined;
      keys.forEach((key, i) => {
        const e = this.server.entries.get(key);
        if (!e) return;
        if (!outcome.ok) {
          this.dirty.add(key);
          return;
        }
        const left = e.pending - counts.get(key)!;
        this.server.set(key, versions[i]!, left, left > 0 ? `flushed as version ${versions[i]}; ${left} newer to flush` : `flushed as version ${versions[i]}`);
        if (left > 0) this.dirty.add(key);
      });
    });
  }
}
