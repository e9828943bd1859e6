/**
 * Where a key lives, three ways. Each map is pure and deterministic (no random draws), so
 * the share of keys a resharding moves can be measured by asking the map before and after.
 */
export interface ShardMap {
  readonly strategy: ShardStrategy;
  shardOf(key: string): string;
  /** The shards now, in order. */
  readonly shards: readonly string[];
  add(shard: string): void;
  remove(shard: string): void;
}

export const shardStrategies = ['hash-mod', 'consistent-hash', 'range'] as const;
export type ShardStrategy = (typeof shardStrategies)[number];

/** A 32-bit hash with good spread on short, similar strings (FNV-1a, then murmur3's finaliser). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** hash(key) mod N: even, and nearly every key moves when N changes. */
export class HashMod implements ShardMap {
  readonly strategy = 'hash-mod';
  private list: string[];

  constructor(shards: readonly string[]) {
    this.list = [...shards];
  }

  get shards(): readonly string[] {
    return this.list;
  }

  shardOf(key: string): string {
    return this.list[hash32(key) % this.list.length]!;
  }

  add(shard: string): void {
    this.list.push(shard);
  }

  remove(shard: string): void {
    this.list = this.list.filter((s) => s !== shard);
  }
}

/**
 * A hash ring: each shard owns `vnodes` points on it, and a key belongs to the first point at
 * or after its hash. Adding a shard takes only the keys its new points cover, about 1/N.
 */
export class ConsistentHash implements ShardMap {
  readonly strategy = 'consistent-hash';
  private list: string[];
  private ring: { point: number; shard: string }[] = [];

  constructor(
    shards: readonly string[],
    private readonly vnodes: number,
  ) {
    this.list = [...shards];
    this.build();
  }

  get shards(): readonly string[] {
    return this.list;
  }

  shardOf(key: string): string {
    const h = hash32(key);
    const ring = this.ring;
    let lo = 0;
    let hi = ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ring[mid]!.point < h) lo = mid + 1;
      else hi = mid;
    }
    return ring[lo === ring.length ? 0 : lo]!.shard;
  }

  add(shard: string): void {
    this.list.push(shard);
    this.build();
  }

  remove(shard: string): void {
    this.list = this.list.filter((s) => s !== shard);
    this.build();
  }

  private build(): void {
    this.ring = this.list
      .flatMap((shard) => Array.from({ length: this.vnodes }, (_, i) => ({ point: hash32(`${shard}#${i}`), shard })))
      // Ties (two points on one spot) go to the shard named first, so the ring is the same whatever the order of adds.
      .sort((a, b) => a.point - b.point || (a.shard < b.shard ? -1 : a.shard > b.shard ? 1 : 0));
  }
}

/**
 * Contiguous ranges of a key space (the number in `user-17`), `ranges` of them, dealt to the
 * shards in turn. Adding a shard hands it whole ranges from the shards holding most (splitting
 * every range in two first when there are fewer ranges than shards); removing one deals its
 * ranges to those holding fewest. Neighbouring keys live together: good for scans, bad when
 * the hot keys are neighbours.
 */
export class RangeMap implements ShardMap {
  readonly strategy = 'range';
  private list: string[];
  /** Owner of each range, in key order. */
  private owners: string[];

  constructor(
    shards: readonly string[],
    /** Keys are numbered 1..keys. */
    private readonly keys: number,
    ranges: number,
  ) {
    this.list = [...shards];
    this.owners = Array.from({ length: Math.max(ranges, shards.length) }, (_, i) => shards[i % shards.length]!);
  }

  get shards(): readonly string[] {
    return this.list;
  }

  get rangeCount(): number {
    return this.owners.length;
  }

  /** The key's number (`user-17` → 17, within 1..keys), or a hash of it when it has none. */
  position(key: string): number {
    const m = /(\d+)$/.exec(key);
    const n = m ? Number(m[1]) - 1 : hash32(key);
    return ((n % this.keys) + this.keys) % this.keys;
  }

  shardOf(key: string): string {
    const r = Math.floor((this.position(key) * this.owners.length) / this.keys);
    return this.owners[r]!;
  }

  add(shard: string): void {
    this.list.push(shard);
    while (this.owners.length < this.list.length) this.owners = this.owners.flatMap((o) => [o, o]);
    const fair = Math.floor(this.owners.length / this.list.length);
    for (let given = 0; given < fair; given++) {
      const richest = this.mostHeld();
      // Its last range in key order, so what stays with each shard stays contiguous where it can.
      const i = this.owners.lastIndexOf(richest);
      this.owners[i] = shard;
    }
  }

  remove(shard: string): void {
    this.list = this.list.filter((s) => s !== shard);
    for (let i = 0; i < this.owners.length; i++) if (this.owners[i] === shard) this.owners[i] = this.leastHeld();
  }

  private counts(): Map<string, number> {
    const c = new Map(this.list.map((s) => [s, 0]));
    for (const o of this.owners) if (c.has(o)) c.set(o, c.get(o)! + 1);
    return c;
  }

  private mostHeld(): string {
    let best = this.list[0]!;
    let most = -1;
    for (const [s, n] of this.counts()) if (n > most) [best, most] = [s, n];
    return best;
  }

  private leastHeld(): string {
    let best = this.list[0]!;
    let least = Infinity;
    for (const [s, n] of this.counts()) if (n < least) [best, least] = [s, n];
    return best;
  }
}
