import type { Clock, Timer } from './clock.js';

/** One scheduled callback. A class, so `cancel` lives on the prototype: no closure per event. */
class ScheduledEvent implements Timer {
  constructor(
    readonly time: number,
    readonly seq: number,
    public fn: (() => void) | null,
    private readonly kernel: Kernel,
  ) {}

  cancel(): void {
    if (this.fn !== null) {
      this.fn = null;
      this.kernel.noteCancelled();
    }
  }
}

/**
 * Discrete-event scheduler: events run in time order, FIFO among events due at the same
 * time. Cancelled events are dropped lazily when they reach the top of the heap.
 */
export class Kernel implements Clock {
  readonly kind = 'simulated' as const;
  private heap: ScheduledEvent[] = [];
  private seq = 0;
  private current = 0;
  private executed = 0;
  private live = 0;
  private cancelled = 0;

  now(): number {
    return this.current;
  }

  /** Number of events run so far (cancelled ones excluded). */
  get eventsRun(): number {
    return this.executed;
  }

  /** Events scheduled and not yet run or cancelled. */
  get pending(): number {
    return this.live;
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    if (!(delayMs >= 0)) {
      throw new RangeError(`timer delay must be a non-negative number of ms, got ${delayMs}`);
    }
    return this.at(this.current + delayMs, fn);
  }

  /** Schedules `fn` at an absolute time; times in the past run at the current time. */
  at(time: number, fn: () => void): Timer {
    const event = new ScheduledEvent(time < this.current ? this.current : time, this.seq++, fn, this);
    this.live++;
    this.push(event);
    return event;
  }

  /**
   * Called by an event when it is cancelled. Cancelled events stay in the heap until they
   * surface; when they outnumber the live ones (timeouts that never fire), the heap is
   * rebuilt so it does not grow with them.
   * @internal
   */
  noteCancelled(): void {
    this.live--;
    this.cancelled++;
    if (this.cancelled > 1024 && this.cancelled > this.live) this.compact();
  }

  private compact(): void {
    const kept = this.heap.filter((e) => e.fn !== null);
    kept.sort((a, b) => a.time - b.time || a.seq - b.seq);
    // A sorted array is a valid binary heap.
    this.heap = kept;
    this.cancelled = 0;
  }

  /** Time of the next live event, or Infinity when nothing is scheduled. */
  nextTime(): number {
    this.dropCancelled();
    const top = this.heap[0];
    return top === undefined ? Infinity : top.time;
  }

  /**
   * Runs every event due at or before `until`, then sets the clock to `until`.
   * Stops early (clock at the last event run) once `budget` events have run, so a caller
   * can yield to the host between slices; returns true when it reached `until`.
   */
  runUntil(until: number, budget = Infinity): boolean {
    let ran = 0;
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (top === undefined || top.time > until) break;
      if (ran >= budget) return false;
      this.pop();
      const fn = top.fn!;
      top.fn = null;
      this.live--;
      this.current = top.time;
      this.executed++;
      ran++;
      fn();
    }
    if (until > this.current && until !== Infinity) this.current = until;
    return true;
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && this.heap[0]!.fn === null) {
      this.pop();
      this.cancelled--;
    }
  }

  private push(event: ScheduledEvent): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (before(p, event)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right]!, heap[left]!)) child = right;
      const c = heap[child]!;
      if (before(last, c)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
