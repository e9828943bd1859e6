/** One event of an aggregate's stream: a bank account's deposit (+) or withdrawal (−). */
export interface StoredEvent {
  stream: string;
  /** 1 for a stream's first event, then one more per event: the aggregate's version after it. */
  version: number;
  at: number;
  delta: number;
}

/** The aggregate's state folded up to `version`, kept so a load need not read from the start. */
export interface Snapshot {
  version: number;
  at: number;
  state: number;
}

export type AppendResult = { ok: true; version: number; snapshot: boolean } | { ok: false; expected: number; actual: number };

/** An aggregate rebuilt from its stream: its state, its version, and what that cost. */
export interface Rebuilt {
  state: number;
  version: number;
  /** Events read to rebuild it (after the snapshot used, if any). */
  eventsRead: number;
  /** The version of the snapshot it started from; 0 when it read from the first event. */
  snapshot: number;
}

interface Stream {
  events: StoredEvent[];
  snapshots: Snapshot[];
  /** The fold of every event, for taking snapshots. */
  state: number;
}

/**
 * An event store: one append-only stream per aggregate. An append names the version it read
 * (the expected version); when another append got there first the stream is further on, and
 * the append is refused as a conflict — optimistic concurrency, no locks. Every `snapshotEvery`
 * events the folded state is kept, so loading the aggregate reads only the events after the
 * last snapshot. Nothing is ever overwritten, so the state at any earlier time can be rebuilt.
 */
export class EventStore {
  private readonly streams = new Map<string, Stream>();
  /** Every event in append order across streams: what a projection is rebuilt from. */
  readonly log: StoredEvent[] = [];

  constructor(
    /** 0: no snapshots. */
    private readonly snapshotEvery: number,
    /** Every aggregate's state before its first event (an account's opening balance). */
    private readonly initial = 0,
  ) {}

  get streamCount(): number {
    return this.streams.size;
  }

  version(stream: string): number {
    return this.streams.get(stream)?.events.length ?? 0;
  }

  append(stream: string, expected: number, delta: number, at: number): AppendResult {
    const s = this.streamOf(stream);
    const actual = s.events.length;
    if (expected !== actual) return { ok: false, expected, actual };
    const event: StoredEvent = { stream, version: actual + 1, at, delta };
    s.events.push(event);
    this.log.push(event);
    s.state += delta;
    const snapshot = this.snapshotEvery > 0 && event.version % this.snapshotEvery === 0;
    if (snapshot) s.snapshots.push({ version: event.version, at, state: s.state });
    return { ok: true, version: event.version, snapshot };
  }

  /** The aggregate as it is now: the last snapshot, then the events after it. */
  load(stream: string): Rebuilt {
    return this.rebuild(stream, this.version(stream), true);
  }

  /**
   * The aggregate as it was at time `t`: the events appended at or before `t`, from the last
   * snapshot taken by then when `useSnapshots`.
   */
  replayAt(stream: string, t: number, useSnapshots = true): Rebuilt {
    const events = this.streams.get(stream)?.events ?? [];
    // Versions are appended in time order: the last one at or before t, by bisection.
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid]!.at <= t) lo = mid + 1;
      else hi = mid;
    }
    return this.rebuild(stream, lo, useSnapshots);
  }

  private rebuild(stream: string, upTo: number, useSnapshots: boolean): Rebuilt {
    const s = this.streams.get(stream);
    if (!s) return { state: this.initial, version: 0, eventsRead: 0, snapshot: 0 };
    let from: Snapshot | undefined;
    if (useSnapshots) {
      for (let i = s.snapshots.length - 1; i >= 0; i--) {
        if (s.snapshots[i]!.version <= upTo) {
          from = s.snapshots[i];
          break;
        }
      }
    }
    let state = from?.state ?? this.initial;
    const start = from?.version ?? 0;
    for (let v = start; v < upTo; v++) state += s.events[v]!.delta;
    return { state, version: upTo, eventsRead: upTo - start, snapshot: start };
  }

  private streamOf(stream: string): Stream {
    let s = this.streams.get(stream);
    if (!s) this.streams.set(stream, (s = { events: [], snapshots: [], state: this.initial }));
    return s;
  }
}
