import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sketch } from './sketch.js';

function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('Sketch', () => {
  it('is empty until something is added', () => {
    const s = new Sketch();
    expect(Number.isNaN(s.quantile(0.5))).toBe(true);
    s.add(10);
    expect(s.quantile(0.5)).toBe(10);
  });

  it('property: quantiles are within 2% of the exact nearest-rank value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 100_000, noNaN: true }), { minLength: 1, maxLength: 500 }),
        fc.constantFrom(0.5, 0.9, 0.95, 0.99),
        (values, q) => {
          const s = new Sketch();
          for (const v of values) s.add(v);
          const exact = exactQuantile(values, q);
          expect(Math.abs(s.quantile(q) - exact) / exact).toBeLessThanOrEqual(0.02);
        },
      ),
    );
  });

  it('merges like adding everything to one sketch', () => {
    const a = new Sketch();
    const b = new Sketch();
    const all = new Sketch();
    for (let i = 1; i <= 100; i++) {
      (i % 2 ? a : b).add(i);
      all.add(i);
    }
    a.merge(b);
    expect(a.count).toBe(100);
    expect(a.quantile(0.99)).toBe(all.quantile(0.99));
    expect(a.max).toBe(100);
  });

  it('keeps zero and tiny values', () => {
    const s = new Sketch();
    s.add(0);
    s.add(0);
    s.add(50);
    expect(s.quantile(0.5)).toBe(0);
    expect(s.quantile(1)).toBe(50);
  });
});
