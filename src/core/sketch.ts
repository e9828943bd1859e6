/**
 * A latency histogram with bounded memory and ~1% relative error on quantiles
 * (log-spaced buckets, in the manner of DDSketch). Values are milliseconds ≥ 0.
 */
const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);
const MIN_VALUE = 1e-3;
const MIN_INDEX = Math.floor(Math.log(MIN_VALUE) / LOG_GAMMA);

export class Sketch {
  private buckets = new Map<number, number>();
  private zeros = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  add(value: number): void {
    this.addAt(value, Sketch.indexOf(value));
  }

  /** The bucket a value falls in (-1 for values too small to tell from zero). */
  static indexOf(value: number): number {
    return value < MIN_VALUE ? -1 : Math.ceil(Math.log(value) / LOG_GAMMA) - MIN_INDEX;
  }

  /** Adds a value whose bucket is already known, so one observation feeding several sketches takes one log. */
  addAt(value: number, index: number): void {
    if (!(value >= 0)) return;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (index < 0) {
      this.zeros++;
      return;
    }
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
  }

  merge(other: Sketch): void {
    for (const [index, n] of other.buckets) this.buckets.set(index, (this.buckets.get(index) ?? 0) + n);
    this.zeros += other.zeros;
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /** The q-quantile (0..1) by nearest rank, or NaN when empty. Clamped to the observed range. */
  quantile(q: number): number {
    return this.quantileIn(q, this.sortedIndices());
  }

  /** Several quantiles, sorting the buckets once. */
  quantiles(qs: readonly number[]): number[] {
    const indices = this.sortedIndices();
    return qs.map((q) => this.quantileIn(q, indices));
  }

  private sortedIndices(): number[] {
    return [...this.buckets.keys()].sort((a, b) => a - b);
  }

  private quantileIn(q: number, indices: readonly number[]): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    if (rank >= this.count) return this.max;
    let seen = this.zeros;
    if (seen >= rank) return this.min < MIN_VALUE ? this.min : 0;
    for (const index of indices) {
      seen += this.buckets.get(index)!;
      if (seen >= rank) {
        const i = index + MIN_INDEX;
        const estimate = (2 * Math.pow(GAMMA, i)) / (GAMMA + 1);
        return Math.min(this.max, Math.max(this.min, estimate));
      }
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  clear(): void {
    this.buckets.clear();
    this.zeros = 0;
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }
}
