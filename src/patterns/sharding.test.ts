import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Handler } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { ConsistentHash, HashMod, RangeMap, hash32, type ShardMap } from './shard-maps.js';
import { ShardRouter, type ShardingConfig } from './sharding.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `s${i + 1}`);
const keys = (n: number, prefix = 'user-') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

function movedShare(map: ShardMap, ks: readonly string[], change: () => void): number {
  const before = ks.map((k) => map.shardOf(k));
  change();
  return ks.filter((k, i) => map.shardOf(k) !== before[i]).length / ks.length;
}

function shares(map: ShardMap, ks: readonly string[]): number[] {
  const counts = new Map(map.shards.map((s) => [s, 0]));
  for (const k of ks) counts.set(map.shardOf(k), counts.get(map.shardOf(k))! + 1);
  return [...counts.values()].map((c) => c / ks.length);
}

describe('shard maps', () => {
  it('hash32 is stable and spreads neighbouring keys', () => {
    expect(hash32('user-1')).toBe(hash32('user-1'));
    expect(new Set(keys(1000).map((k) => hash32(k) % 16)).size).toBe(16);
  });

  it.each([
    ['hash-mod', () => new HashMod(names(4)), 0.7, 0.9],
    ['consistent-hash (200 vnodes)', () => new ConsistentHash(names(4), 200), 0.15, 0.25],
    ['range (4 ranges: the new shard takes half of one)', () => new RangeMap(names(4), 10_000, 4), 0.12, 0.13],
    ['range (20 ranges: the new shard takes 4)', () => new RangeMap(names(4), 10_000, 20), 0.2, 0.2],
  ] as const)('adding a fifth shard to %s moves between %s and %s of the keys', (_name, make, low, high) => {
    const map = make();
    const share = movedShare(map, keys(10_000), () => map.add('s5'));
    expect(share).toBeGreaterThanOrEqual(low);
    expect(share).toBeLessThanOrEqual(high);
    expect(map.shards).toEqual(names(5));
  });

  it.each([
    ['hash-mod', () => new HashMod(names(5)), 0.05],
    ['consistent-hash (200 vnodes)', () => new ConsistentHash(names(5), 200), 0.06],
    ['range', () => new RangeMap(names(5), 10_000, 5), 0.001],
  ] as const)('%s spreads uniform keys evenly', (_name, make, tolerance) => {
    for (const s of shares(make(), keys(10_000))) expect(Math.abs(s - 0.2)).toBeLessThanOrEqual(tolerance);
  });

  it('a ring with one point per shard is uneven', () => {
    const spread = shares(new ConsistentHash(names(5), 1), keys(10_000));
    expect(Math.max(...spread)).toBeGreaterThan(0.3);
  });

  it('range: neighbours live together; keys without a number are hashed into the space', () => {
    const map = new RangeMap(names(4), 100, 4);
    expect(['user-1', 'user-25', 'user-26', 'user-100'].map((k) => map.shardOf(k))).toEqual(['s1', 's1', 's2', 's4']);
    expect(names(4)).toContain(map.shardOf('no-number'));
  });

  it('removing a shard moves only its keys', () => {
    for (const map of [new ConsistentHash(names(5), 100), new RangeMap(names(5), 10_000, 10)]) {
      const ks = keys(5000);
      const before = ks.map((k) => map.shardOf(k));
      map.remove('s3');
      ks.forEach((k, i) => {
        if (before[i] !== 's3') expect(map.shardOf(k)).toBe(before[i]);
        else expect(map.shardOf(k)).not.toBe('s3');
      });
    }
  });

  it('property: adding one shard to a consistent-hash ring moves about 1/N of the keys, and only to the new shard', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 100, max: 300 }), fc.string({ minLength: 1, maxLength: 6 }), (n, vnodes, prefix) => {
        const map = new ConsistentHash(names(n), vnodes);
        const ks = keys(4000, prefix);
        const before = ks.map((k) => map.shardOf(k));
        map.add('new');
        let moved = 0;
        ks.forEach((k, i) => {
          const now = map.shardOf(k);
          if (now !== before[i]) {
            moved++;
            expect(now).toBe('new');
          }
        });
        // 1/(N+1) in expectation; the ring's unevenness and the sample stay within this.
        expect(moved / ks.length).toBeLessThanOrEqual(1 / (n + 1) + 0.1);
      }),
      { numRuns: 40 },
    );
  });

  it('property: the owner of a key does not depend on the order the shards were added in', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(names(8), { minLength: 8, maxLength: 8 }), (order) => {
        const a = new ConsistentHash(names(8), 50);
        const b = new ConsistentHash([order[0]!], 50);
        for (const s of order.slice(1)) b.add(s);
        for (const k of keys(500)) expect(b.shardOf(k)).toBe(a.shardOf(k));
      }),
      { numRuns: 20 },
    );
  });
});

describe('shard router', () => {
  const defaults: ShardingConfig = { strategy: 'consistent-hash', key: 'user', vnodes: 100, keys: 10_000, ranges: 4, hotAt: 1.5 };

  function router(cfg: Partial<ShardingConfig> = {}, shardNames = names(4)) {
    const b = testBench();
    const got = new Map<string, number>();
    const shards = shardNames.map((name) => {
      const call: Handler = (_call, done) => {
        got.set(name, (got.get(name) ?? 0) + 1);
        done({ ok: true });
        return () => {};
      };
      return { name, call };
    });
    const r = new ShardRouter('router', { ...defaults, ...cfg }, shards, b.ctx('router'));
    let id = 0;
    const send = (user: string) => r.handle({ id: ++id, startedAt: b.kernel.now(), tags: { user } }, () => {});
    return { b, r, got, send };
  }

  it('sends a key to the same shard every time', () => {
    const { r, got, send } = router();
    for (let i = 0; i < 10; i++) send('user-7');
    expect([...got.values()]).toEqual([10]);
    expect(got.has(r.map.shardOf('user-7'))).toBe(true);
  });

  it('one hot key makes its shard HOT and the router SKEWED within a second; salting it spreads it', () => {
    for (const salt of [undefined, { keys: ['user-1'], into: 16 }]) {
      const { b, r, send } = router({ salt });
      for (let t = 0; t < 3000; t += 1) {
        b.kernel.runUntil(t);
        send(t % 2 === 0 ? 'user-1' : `user-${(t % 997) + 2}`);
      }
      b.kernel.runUntil(3001);
      expect(r.state()).toBe(salt ? 'BALANCED' : 'SKEWED');
      if (!salt) expect(b.transitions().map((x) => `${x.component} ${x.to}`)).toEqual([`router/${r.map.shardOf('user-1')} HOT`, 'router SKEWED']);
    }
  });

  it('a resharding counts the keys seen so far that change shard, and the new shard starts taking calls', () => {
    const { b, r, got, send } = router({ reshard: { at: 1000, add: ['s5'], remove: [] } }, names(5));
    for (const k of keys(2000)) send(k);
    expect(got.has('s5')).toBe(false);
    b.kernel.runUntil(1000);
    const c = b.metrics.counters('router');
    expect(c['keys']).toBe(2000);
    expect(c['moved']! / 2000).toBeGreaterThan(0.1);
    expect(c['moved']! / 2000).toBeLessThan(0.3);
    for (const k of keys(2000)) send(k);
    expect(got.get('s5')).toBe(c['moved']);
    expect(r.report()['moved']).toMatch(/of 2,000 keys$/);
  });
});
