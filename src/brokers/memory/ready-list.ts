/** A FIFO that can also take items back at its front (requeued messages keep their place). */
export class Deque<T> {
  /** Items put back at the front, the next one last. */
  private front: T[] = [];
  private back: T[] = [];
  private head = 0;

  get length(): number {
    return this.front.length + this.back.length - this.head;
  }

  push(item: T): void {
    this.back.push(item);
  }

  unshift(item: T): void {
    this.front.push(item);
  }

  peek(): T | undefined {
    return this.front.length > 0 ? this.front[this.front.length - 1] : this.back[this.head];
  }

  shift(): T | undefined {
    if (this.front.length > 0) return this.front.pop();
    if (this.head >= this.back.length) return undefined;
    const item = this.back[this.head]!;
    this.back[this.head++] = undefined as never;
    if (this.head > 1024 && this.head * 2 > this.back.length) {
      this.back = this.back.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.front.length - 1; i >= 0; i--) yield this.front[i]!;
    for (let i = this.head; i < this.back.length; i++) yield this.back[i]!;
  }
}

/**
 * Ready messages by priority: the highest non-empty priority first, FIFO within one.
 * A queue without priorities has a single level.
 */
export class ReadyList<T> {
  private readonly levels: Deque<T>[];
  private count = 0;

  constructor(maxPriority = 0) {
    this.levels = Array.from({ length: maxPriority + 1 }, () => new Deque<T>());
  }

  get length(): number {
    return this.count;
  }

  push(item: T, priority: number): void {
    this.level(priority).push(item);
    this.count++;
  }

  /** Back at the front of its priority, as a requeued message is. */
  unshift(item: T, priority: number): void {
    this.level(priority).unshift(item);
    this.count++;
  }

  peek(): T | undefined {
    for (let p = this.levels.length - 1; p >= 0; p--) if (this.levels[p]!.length > 0) return this.levels[p]!.peek();
    return undefined;
  }

  shift(): T | undefined {
    for (let p = this.levels.length - 1; p >= 0; p--) {
      const item = this.levels[p]!.shift();
      if (item !== undefined) {
        this.count--;
        return item;
      }
    }
    return undefined;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let p = this.levels.length - 1; p >= 0; p--) yield* this.levels[p]!;
  }

  private level(priority: number): Deque<T> {
    const p = Math.max(0, Math.min(this.levels.length - 1, Math.floor(priority)));
    return this.levels[p]!;
  }
}
