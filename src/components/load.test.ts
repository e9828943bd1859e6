import { describe, expect, it } from 'vitest';
import { Random } from '../core/random.js';
import type { Call, Handler } from '../core/component.js';
import { fanOut, KeyedMix } from './load.js';

describe('request mix', () => {
  it('draws classes in proportion to their weights', () => {
    const mix = new KeyedMix([
      { weight: 3, tags: { tier: 'free' } },
      { weight: 1, tags: { tier: 'premium' } },
    ]);
    const r = new Random(1);
    let free = 0;
    for (let i = 0; i < 10_000; i++) if (mix.draw(r)['tier'] === 'free') free++;
    expect(free / 10_000).toBeGreaterThan(0.73);
    expect(free / 10_000).toBeLessThan(0.77);
  });

  it('draws keys uniformly, or skewed towards the first keys with zipf', () => {
    const counts = (zipf: number) => {
      const mix = new KeyedMix([{ weight: 1, tags: {}, key: { name: 'user', count: 10, zipf, prefix: 'user-' } }]);
      const r = new Random(2);
      const seen = new Map<string, number>();
      for (let i = 0; i < 10_000; i++) {
        const k = mix.draw(r)['user']!;
        seen.set(k, (seen.get(k) ?? 0) + 1);
      }
      return seen;
    };
    const uniform = counts(0);
    expect(uniform.size).toBe(10);
    expect(uniform.get('user-1')! / 10_000).toBeLessThan(0.13);
    const skewed = counts(1.5);
    expect(skewed.get('user-1')! / 10_000).toBeGreaterThan(0.4);
  });
});

describe('fan-out to several targets', () => {
  it('sends the same call to every target and answers once all have', () => {
    const seen: [string, Call][] = [];
    const pending: (() => void)[] = [];
    const target =
      (name: string): Handler =>
      (call, done) => {
        seen.push([name, call]);
        pending.push(() => done({ ok: true }));
        return () => {};
      };
    let answered = 0;
    const call = { id: 7, startedAt: 0, tags: { user: 'u-1' } };
    fanOut([target('a'), target('b'), target('c')])(call, () => answered++);
    expect(seen.map(([n, c]) => [n, c])).toEqual([
      ['a', call],
      ['b', call],
      ['c', call],
    ]);
    pending[0]!();
    pending[1]!();
    expect(answered).toBe(0);
    pending[2]!();
    expect(answered).toBe(1);
  });
});

