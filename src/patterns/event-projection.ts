import type { EventStore } from './event-store.js';

/**
 * A projection of an event store: every account's balance, kept for fast reads. It is only
 * ever derived from the events, so it can be thrown away and rebuilt from the log — when its
 * shape changes, or when it is found wrong. While it rebuilds, it says which accounts it has
 * caught up on; the others must be read from their streams.
 */
export class BalanceProjection {
  private readonly balances = new Map<string, { version: number; balance: number }>();
  /** How far into the store's log the projection has applied. */
  private cursor = 0;
  private rebuilding = false;

  constructor(
    private readonly store: EventStore,
    private readonly initial: number,
  ) {}

  get isRebuilding(): boolean {
    return this.rebuilding;
  }

  /** Events in the log the projection has not applied yet. */
  get behind(): number {
    return this.store.log.length - this.cursor;
  }

  /** Applies what was appended since (while not rebuilding, after every append). */
  follow(): void {
    if (!this.rebuilding) this.apply(this.behind);
  }

  /** Forgets everything and starts again from the first event. */
  startRebuild(): void {
    this.balances.clear();
    this.cursor = 0;
    this.rebuilding = true;
  }

  /** Applies up to `n` events of the rebuild; returns how many it read, and whether it caught up. */
  rebuildStep(n: number): { read: number; done: boolean } {
    const read = this.apply(Math.min(n, this.behind));
    if (this.behind === 0) this.rebuilding = false;
    return { read, done: !this.rebuilding };
  }

  /** The balance of an account, if the projection is up to date with its stream. */
  read(stream: string): number | undefined {
    const b = this.balances.get(stream);
    const version = b?.version ?? 0;
    if (version !== this.store.version(stream)) return undefined;
    return b?.balance ?? this.initial;
  }

  private apply(n: number): number {
    const log = this.store.log;
    for (let i = 0; i < n; i++) {
      const e = log[this.cursor++]!;
      const b = this.balances.get(e.stream) ?? { version: 0, balance: this.initial };
      this.balances.set(e.stream, { version: e.version, balance: b.balance + e.delta });
    }
    return n;
  }
}
