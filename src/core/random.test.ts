import { describe, expect, it } from 'vitest';
import { Random } from './random.js';

describe('Random', () => {
  it('gives the same draws for the same seed and stream', () => {
    const a = new Random(42).fork('payment');
    const b = new Random(42).fork('payment');
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
  });

  it('gives different draws for different seeds or streams', () => {
    const base = new Random(42).fork('payment').next();
    expect(new Random(43).fork('payment').next()).not.toBe(base);
    expect(new Random(42).fork('checkout').next()).not.toBe(base);
  });

  it('derives a stream from seed and name alone: forking others first changes nothing', () => {
    const root = new Random(9);
    const before = root.fork('payment').next();
    const root2 = new Random(9);
    root2.fork('new-component').next();
    root2.next();
    expect(root2.fork('payment').next()).toBe(before);
  });

  it('stays in range and roughly uniform', () => {
    const r = new Random(1);
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < 100_000; i++) {
      const x = r.next();
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });

  it('draws distributions with the right centre', () => {
    const r = new Random(5);
    const n = 50_000;
    let exp = 0;
    let norm = 0;
    const logn: number[] = [];
    for (let i = 0; i < n; i++) {
      exp += r.exponential(20);
      norm += r.normal(100, 10);
      logn.push(r.lognormal(40, 0.5));
    }
    expect(exp / n).toBeGreaterThan(19.5);
    expect(exp / n).toBeLessThan(20.5);
    expect(norm / n).toBeCloseTo(100, 0);
    logn.sort((a, b) => a - b);
    expect(logn[n / 2]!).toBeGreaterThan(39);
    expect(logn[n / 2]!).toBeLessThan(41);
  });

  it('chance() honours the edges', () => {
    const r = new Random(3);
    expect(r.chance(0)).toBe(false);
    expect(r.chance(1)).toBe(true);
  });
});
