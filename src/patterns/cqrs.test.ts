import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Freshness } from './cqrs.js';

describe('freshness of a read model', () => {
  it.each([
    { name: 'nothing written', commits: [], applied: [], key: 'a', missing: undefined, lag: 0 },
    { name: 'a write not applied yet', commits: [['a', 1, 10]], applied: [], key: 'a', missing: { version: 1, at: 10 }, lag: 1 },
    { name: 'a write applied', commits: [['a', 1, 10]], applied: [['a', 1]], key: 'a', missing: undefined, lag: 0 },
    { name: 'two writes, the first applied', commits: [['a', 1, 10], ['a', 2, 20]], applied: [['a', 1]], key: 'a', missing: { version: 2, at: 20 }, lag: 1 },
    { name: 'the second applied before the first (last writer wins)', commits: [['a', 1, 10], ['a', 2, 20]], applied: [['a', 2], ['a', 1]], key: 'a', missing: undefined, lag: 0 },
    { name: 'applied before the write model heard its confirm', commits: [['a', 1, 10]], applied: [['a', 1]], key: 'a', missing: undefined, lag: 0, applyFirst: true },
    { name: 'another key behind', commits: [['a', 1, 10], ['b', 1, 12]], applied: [['a', 1]], key: 'a', missing: undefined, lag: 1 },
  ] as const)('$name', ({ commits, applied, key, missing, lag, ...rest }) => {
    const f = new Freshness();
    const commit = () => commits.forEach(([k, version, at]) => f.committed({ key: k, version, at }));
    if ('applyFirst' in rest) applied.forEach(([k, v]) => f.applied(k, v));
    commit();
    if (!('applyFirst' in rest)) applied.forEach(([k, v]) => f.applied(k, v));
    expect(f.missing(key)).toEqual(missing);
    expect(f.lag).toBe(lag);
  });

  it('an event applied again changes nothing', () => {
    const f = new Freshness();
    f.committed({ key: 'a', version: 1, at: 0 });
    expect(f.applied('a', 1)).toBe(true);
    expect(f.applied('a', 1)).toBe(false);
    expect(f.version('a')).toBe(1);
  });

  it('the oldest write not applied anywhere, for the lag in time', () => {
    const f = new Freshness();
    f.committed({ key: 'a', version: 1, at: 10 });
    f.committed({ key: 'b', version: 1, at: 20 });
    f.committed({ key: 'a', version: 2, at: 30 });
    expect(f.oldest()).toBe(10);
    f.applied('a', 1);
    expect(f.oldest()).toBe(20);
    f.applied('b', 1);
    expect(f.oldest()).toBe(30);
    f.applied('a', 2);
    expect(f.oldest()).toBeUndefined();
  });

  it('a reader waiting for their write is let through when it is applied, not before', () => {
    const f = new Freshness();
    f.committed({ key: 'a', version: 1, at: 0 });
    f.committed({ key: 'a', version: 2, at: 5 });
    const seen: string[] = [];
    f.waitFor('a', f.latest('a'), () => seen.push('ready'));
    const cancelled = f.waitFor('a', 2, () => seen.push('cancelled'));
    cancelled();
    f.applied('a', 1);
    expect(seen).toEqual([]);
    f.applied('a', 2);
    expect(seen).toEqual(['ready']);
  });

  it('property: lag counts exactly the writes not applied, versions never go back, and the oldest is the earliest of them', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('commit' as const), key: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ op: fc.constant('apply' as const), key: fc.constantFrom('a', 'b', 'c'), back: fc.nat(3) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const f = new Freshness();
        const written = new Map<string, { version: number; at: number }[]>();
        let t = 0;
        for (const o of ops) {
          t++;
          const list = written.get(o.key) ?? [];
          written.set(o.key, list);
          if (o.op === 'commit') {
            const c = { version: list.length + 1, at: t };
            list.push(c);
            f.committed({ key: o.key, ...c });
          } else if (list.length > 0) {
            // The projector applies some version it has read (possibly an old one, replayed).
            const before = f.version(o.key);
            f.applied(o.key, Math.max(1, list.length - o.back));
            expect(f.version(o.key)).toBeGreaterThanOrEqual(before);
          }
        }
        const unapplied = [...written].flatMap(([key, list]) => list.filter((c) => c.version > f.version(key)));
        expect(f.lag).toBe(unapplied.length);
        expect(f.oldest()).toBe(unapplied.length === 0 ? undefined : Math.min(...unapplied.map((c) => c.at)));
      }),
    );
  });
});
