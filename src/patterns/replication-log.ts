/** One write in the primary's log. Its position (1-based) is its log sequence number. */
export interface LogEntry {
  /** Unique in a run, unlike positions, which a failover may hand out again. */
  id: number;
  key: string;
  /** When the primary committed it. */
  at: number;
  /** The client was told it was written. */
  acked: boolean;
}

/**
 * The primary's write-ahead log, as replicas see it: every node holds a prefix of it (a
 * replica applies the entries in order), so a node's whole state is one number — how many
 * entries it has applied. A key's value on a node is the newest write to that key within
 * its prefix. A failover promotes a replica and truncates the log to what it had applied:
 * the tail it never received is gone.
 */
export class ReplicationLog {
  private readonly entries: LogEntry[] = [];
  /** Positions of each key's writes, ascending. */
  private readonly byKey = new Map<string, number[]>();
  private nextId = 1;

  get length(): number {
    return this.entries.length;
  }

  append(key: string, at: number): { entry: LogEntry; position: number } {
    const entry: LogEntry = { id: this.nextId++, key, at, acked: false };
    this.entries.push(entry);
    const position = this.entries.length;
    const positions = this.byKey.get(key);
    if (positions) positions.push(position);
    else this.byKey.set(key, [position]);
    return { entry, position };
  }

  entry(position: number): LogEntry | undefined {
    return position >= 1 ? this.entries[position - 1] : undefined;
  }

  /** The position of the newest write to `key` among the first `upTo` entries; 0 when none. */
  valueAt(key: string, upTo: number): number {
    const positions = this.byKey.get(key);
    if (!positions) return 0;
    const i = countUpTo(positions, upTo);
    return i === 0 ? 0 : positions[i - 1]!;
  }

  latest(key: string): number {
    return this.valueAt(key, this.entries.length);
  }

  /** The oldest write to `key` a node with `upTo` entries misses, if any. */
  firstMissed(key: string, upTo: number): LogEntry | undefined {
    const positions = this.byKey.get(key);
    if (!positions) return undefined;
    const next = positions[countUpTo(positions, upTo)];
    return next === undefined ? undefined : this.entries[next - 1];
  }

  /** Whether `id` is still the write at `position` (a failover may have dropped it). */
  holds(position: number, id: number): boolean {
    return this.entries[position - 1]?.id === id;
  }

  /** Drops every entry after `position` and returns them, oldest first. */
  truncate(position: number): LogEntry[] {
    const dropped = this.entries.splice(position);
    for (const e of dropped) {
      const positions = this.byKey.get(e.key);
      if (!positions) continue;
      while (positions.length > 0 && positions[positions.length - 1]! > position) positions.pop();
      if (positions.length === 0) this.byKey.delete(e.key);
    }
    return dropped;
  }
}

/** How many of the ascending `positions` are at most `upTo`, by bisection. */
function countUpTo(positions: readonly number[], upTo: number): number {
  let lo = 0;
  let hi = positions.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (positions[mid]! <= upTo) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
