/**
 * Counts events over the last `spanMs`, in `buckets` slots, so memory stays fixed however
 * many events arrive. A slot leaves the span as a whole.
 */
export class SlidingCounter {
  private readonly width: number;
  private readonly slots: Float64Array;
  private head = -Infinity;
  private sum = 0;

  constructor(
    readonly spanMs: number,
    private readonly buckets: number,
  ) {
    this.width = spanMs / buckets;
    this.slots = new Float64Array(buckets);
  }

  add(now: number, n = 1): void {
    const i = this.advance(now);
    this.slots[i]! += n;
    this.sum += n;
  }

  total(now: number): number {
    this.advance(now);
    return this.sum;
  }

  private advance(now: number): number {
    const index = Math.floor(now / this.width);
    if (index > this.head) {
      const stale = Math.min(this.buckets, index - this.head);
      for (let k = 1; k <= stale; k++) {
        const slot = mod(index - stale + k, this.buckets);
        this.sum -= this.slots[slot]!;
        this.slots[slot] = 0;
      }
      this.head = index;
    }
    return mod(index, this.buckets);
  }
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}
