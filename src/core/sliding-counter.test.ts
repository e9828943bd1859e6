import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlidingCounter } from './sliding-counter.js';

describe('SlidingCounter', () => {
  it('counts within the span and forgets whole buckets after it', () => {
    const c = new SlidingCounter(10_000, 10);
    c.add(0);
    c.add(500);
    c.add(9_999);
    expect(c.total(9_999)).toBe(3);
    expect(c.total(10_000)).toBe(1); // the bucket [0, 1000) has left
    expect(c.total(25_000)).toBe(0);
  });

  it('property: the total equals the events in buckets that overlap the span', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 200 }), (gaps) => {
        const c = new SlidingCounter(1000, 10);
        const times: number[] = [];
        let t = 0;
        for (const g of gaps) {
          t += g % 300;
          c.add(t);
          times.push(t);
          const bucket = Math.floor(t / 100);
          const expected = times.filter((x) => Math.floor(x / 100) > bucket - 10).length;
          expect(c.total(t)).toBe(expected);
        }
      }),
    );
  });
});
