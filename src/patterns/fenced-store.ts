export type WriteVerdict = 'accepted' | 'rejected';

/** What a store saw, as the checkers count it. */
export interface StoreTally {
  accepted: number;
  /** Refused for a token older than one already seen (fencing). */
  rejected: number;
  /** Accepted although a newer token had already written: an old leader or holder's write. */
  stale: number;
  /** Accepted read-modify-writes based on a version someone else had already replaced. */
  lostUpdates: number;
  /** Terms (in the store's order of writes) in which more than one writer's writes were accepted. */
  splitTerms: number;
}

/** Who decides whether a write is let through: an exercise's stand-in for the built-in check. */
export interface WriteFence {
  /** True to accept a write by `writer` tagged with `token`. */
  admits(writer: string, token: number): boolean;
}

/**
 * The storage a leader or lock holder writes to. Every request carries the writer's token
 * (its term or lock epoch). With fencing on, the store remembers the highest token it has
 * seen, on reads and writes, and refuses anything older — a writer that lost its lease
 * without knowing it cannot touch the data any more. With fencing off it accepts
 * everything, and only the accounting knows.
 *
 * The accounting is the checker: each accepted write belongs to the term of the newest
 * token accepted so far; a term with two writers is a split brain; an accepted
 * read-modify-write based on an old version loses someone's update.
 */
export class FencedStore {
  private version = 0;
  /** Highest token in any request (what fencing compares against). */
  private highest = 0;
  /** Highest token among accepted writes: the store's current term. */
  private term = 0;
  private writers = new Set<string>();
  readonly tally: StoreTally = { accepted: 0, rejected: 0, stale: 0, lostUpdates: 0, splitTerms: 0 };

  constructor(
    readonly fencing: boolean,
    /** Decides on writes in place of the built-in check (`fencing` is then not consulted for them). */
    private readonly fence?: WriteFence,
  ) {}

  get currentVersion(): number {
    return this.version;
  }

  get highestToken(): number {
    return this.highest;
  }

  /** A read with a token: the version read, or undefined when fencing refuses an old token. */
  read(token: number): number | undefined {
    if (this.fencing && token < this.highest) return undefined;
    this.highest = Math.max(this.highest, token);
    return this.version;
  }

  /** A write by `writer` holding `token`; `basedOn` is the version it read, for a read-modify-write. */
  write(writer: string, token: number, basedOn?: number): WriteVerdict {
    if (this.fence ? !this.fence.admits(writer, token) : this.fencing && token < this.highest) {
      this.tally.rejected++;
      return 'rejected';
    }
    this.highest = Math.max(this.highest, token);
    this.tally.accepted++;
    if (token < this.term) this.tally.stale++;
    if (basedOn !== undefined && basedOn !== this.version) this.tally.lostUpdates++;
    if (token > this.term) {
      this.term = token;
      this.writers = new Set([writer]);
    } else if (!this.writers.has(writer)) {
      this.writers.add(writer);
      if (this.writers.size === 2) this.tally.splitTerms++;
    }
    this.version++;
    return 'accepted';
  }
}
