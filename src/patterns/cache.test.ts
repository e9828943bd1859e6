import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MessageLedger } from '../brokers/ledger.js';
import { BrokerComponent, brokerKind } from '../components/broker.js';
import { Database } from '../components/database.js';
import type { LatencyDist } from '../components/latency.js';
import type { Outcome } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { InvalidationBus } from './cache-invalidation.js';
import { refreshEarly, StampedeGuardState } from './cache-stampede.js';
import { Cache, type CacheConfig } from './cache.js';

const constant = (value: number): LatencyDist => ({ dist: 'constant', value });

const cfg = (over: Partial<CacheConfig> = {}): CacheConfig => ({
  strategy: 'cache-aside',
  ttl: 1000,
  latency: constant(1),
  key: 'key',
  servers: 1,
  stampede: 'none',
  lock: { retry: 20, lease: 2000 },
  beta: 1,
  refreshAt: 0.8,
  invalidation: 'ttl',
  versionLookup: 1,
  flush: { every: 1000, batch: 100 },
  watch: ['k'],
  ...over,
});

/** A cache over a database whose reads take 100 ms and writes 10 ms (unless told otherwise). */
function bench(config: CacheConfig, db: { read?: LatencyDist; write?: LatencyDist } = {}) {
  const b = testBench();
  const database = new Database('db', { latency: db.read ?? constant(100), writeLatency: db.write ?? constant(10), queue: 1000, key: 'key' }, b.ctx('db'));
  const cache = new Cache('cache', config, database, b.ctx('cache'));
  const answers: { at: number; op: string; outcome: Outcome }[] = [];
  let id = 0;
  const send = (at: number, op: 'read' | 'write', key = 'k', server?: string) =>
    b.kernel.at(at, () => {
      const tags: Record<string, string> = { key, ...(op === 'write' ? { op: 'write' } : {}), ...(server ? { server } : {}) };
      cache.handle({ id: ++id, startedAt: at, tags }, (outcome) => answers.push({ at: b.kernel.now(), op, outcome }));
    });
  const read = (at: number, key = 'k', server?: string) => send(at, 'read', key, server);
  const write = (at: number, key = 'k', server?: string) => send(at, 'write', key, server);
  const count = (name: string) => b.metrics.scope('cache').counter(name).value;
  const keyStates = () => b.transitions('cache/k').map((t) => t.to);
  return { b, cache, database, answers, read, write, count, keyStates };
}

describe('cache: hits, misses and the TTL', () => {
  it.each([
    { what: 'a read after the fill is a hit', second: 500, hits: 1, loads: 1 },
    { what: 'a read just before the TTL is a hit', second: 100 + 999, hits: 1, loads: 1 },
    { what: 'a read exactly at the TTL misses and loads again', second: 100 + 1000, hits: 0, loads: 2 },
  ])('$what', ({ second, hits, loads }) => {
    const t = bench(cfg());
    t.read(0);
    t.read(second);
    t.b.kernel.runUntil(5000);
    expect([t.count('hits'), t.count('misses'), t.count('loads')]).toEqual([hits, 2 - hits, loads]);
    expect(t.answers.map((a) => a.at)).toEqual([100, second + (hits ? 1 : 100)]);
  });

  it('traces a watched key: MISS → LOADING → FRESH → EXPIRED, and nothing for other keys', () => {
    const t = bench(cfg());
    t.read(0);
    t.read(0, 'other');
    t.b.kernel.runUntil(2000);
    expect(t.keyStates()).toEqual(['LOADING', 'FRESH', 'EXPIRED']);
    expect(t.b.transitions('cache/other')).toEqual([]);
    expect(t.b.transitions('cache/k').at(-1)!.t).toBe(1100);
  });
});

describe('cache: a stampede on a cold or expired key', () => {
  it.each([
    { stampede: 'none', loads: 10, last: 109 },
    { stampede: 'coalesce', loads: 1, last: 100 },
    { stampede: 'lock', loads: 1, last: 110 },
  ] as const)('10 misses within 10 ms with $stampede: $loads load(s), every reader answered', ({ stampede, loads, last }) => {
    const t = bench(cfg({ stampede }));
    for (let i = 0; i < 10; i++) t.read(i);
    t.b.kernel.runUntil(1000);
    expect(t.count('loads')).toBe(loads);
    expect(t.answers).toHaveLength(10);
    expect(t.answers.every((a) => a.outcome.ok)).toBe(true);
    expect(Math.max(...t.answers.map((a) => a.at))).toBe(last);
  });

  it('a lock whose holder never comes back frees itself after its lease', () => {
    const t = bench(cfg({ stampede: 'lock', lock: { retry: 20, lease: 300 } }), { read: constant(1000) });
    t.read(0);
    t.read(1);
    t.b.kernel.runUntil(350);
    // The waiter looked every 20 ms and took the lock once the lease ran out.
    expect(t.count('loads')).toBe(2);
  });

  it('early refresh (XFetch) keeps a hot key from ever expiring: about one reload per TTL, no miss once warm', () => {
    const t = bench(cfg({ stampede: 'early', ttl: 1000 }));
    for (let at = 0; at < 5000; at += 2) t.read(at);
    t.b.kernel.runUntil(5200);
    // It does nothing for a cold key: the 51 reads up to the first fill (0 to 100 ms) all miss and load.
    expect(t.count('misses')).toBe(51);
    expect(t.count('refreshes')).toBeGreaterThanOrEqual(4);
    // At 500 reads a second it refreshes a few hundred ms early, so a little more often than once per TTL.
    expect(t.count('refreshes')).toBeLessThanOrEqual(8);
    expect(t.keyStates()).not.toContain('EXPIRED');
  });

  it('refresh-ahead reloads a value read after 80% of its TTL, in the background', () => {
    const t = bench(cfg({ strategy: 'refresh-ahead' }));
    t.read(0);
    t.read(100 + 799);
    t.read(100 + 800);
    t.read(100 + 1050);
    t.b.kernel.runUntil(3000);
    expect([t.count('refreshes'), t.count('hits'), t.count('misses')]).toEqual([1, 3, 1]);
    expect(t.answers[2]!.at).toBe(901);
  });
});

describe('cache: writes and stale reads', () => {
  it.each([
    { invalidation: 'ttl', stale: 1, loads: 1 },
    { invalidation: 'delete', stale: 0, loads: 2 },
    { invalidation: 'versioned', stale: 0, loads: 2 },
  ] as const)('write, then read on the same server with $invalidation: $stale stale', ({ invalidation, stale, loads }) => {
    const t = bench(cfg({ invalidation }));
    t.read(0);
    t.write(200);
    t.read(300);
    t.b.kernel.runUntil(1000);
    expect([t.count('staleReads'), t.count('loads')]).toEqual([stale, loads]);
  });

  it.each([
    { invalidation: 'ttl', stale: 1 },
    { invalidation: 'delete', stale: 1 },
    { invalidation: 'versioned', stale: 0 },
  ] as const)('write on app-1, read on app-2 with $invalidation: $stale stale', ({ invalidation, stale }) => {
    const t = bench(cfg({ invalidation, servers: 2 }));
    t.read(0, 'k', 'app-2');
    t.write(200, 'k', 'app-1');
    t.read(300, 'k', 'app-2');
    t.b.kernel.runUntil(1000);
    expect(t.count('staleReads')).toBe(stale);
  });

  it('a stale read is measured from the commit it missed', () => {
    const t = bench(cfg());
    t.read(0);
    t.write(200);
    t.read(500);
    t.b.kernel.runUntil(1000);
    // The write committed at 210; the read at 500 missed it by 290 ms.
    expect(t.b.metrics.scope('cache').histogram('staleness').total.max).toBe(290);
    expect(t.keyStates()).toEqual(['LOADING', 'FRESH', 'STALE']);
  });

  it('a load that read the old value before a write does not put it back after the delete', () => {
    const t = bench(cfg({ invalidation: 'delete' }));
    t.read(0); // loads version 0, returns at 100
    t.write(50); // commits version 1 at 60, deletes
    t.read(200);
    t.b.kernel.runUntil(1000);
    expect(t.count('loads')).toBe(2);
    expect(t.count('staleReads')).toBe(0);
  });

  it('write-through sets the new value: the next read is a fresh hit, at the price of a database write per write', () => {
    const t = bench(cfg({ strategy: 'write-through' }));
    t.write(0);
    t.read(100);
    t.b.kernel.runUntil(1000);
    expect([t.count('hits'), t.count('staleReads'), t.database.version('k')]).toEqual([1, 0, 1]);
    expect(t.answers[0]).toMatchObject({ at: 10, op: 'write' });
  });
});

describe('cache: write-behind', () => {
  it('acknowledges at once, flushes in one batch, and reads see the write before the database does', () => {
    const t = bench(cfg({ strategy: 'write-behind', flush: { every: 500, batch: 100 } }));
    t.write(0, 'a');
    t.write(10, 'a');
    t.write(20, 'b');
    t.read(30, 'a');
    t.b.kernel.runUntil(400);
    expect(t.answers.map((a) => a.at)).toEqual([1, 11, 21, 31]);
    expect([t.database.version('a'), t.count('staleReads')]).toEqual([0, 0]);
    t.b.kernel.runUntil(600);
    // Two writes to a became one row: one statement, two rows, three writes flushed.
    expect([t.database.version('a'), t.database.version('b'), t.count('flushed')]).toEqual([1, 1, 3]);
    expect(t.b.metrics.scope('db').counter('writes').value).toBe(1);
  });

  it.each([
    { crashAt: 400, lost: 3, what: 'before the flush loses every write it held' },
    { crashAt: 505, lost: 0, what: 'while the batch is being committed loses nothing: it reaches the database' },
    { crashAt: 600, lost: 0, what: 'after the flush loses nothing' },
  ])('a crash $what', ({ crashAt, lost }) => {
    const t = bench(cfg({ strategy: 'write-behind', flush: { every: 500, batch: 100 } }));
    t.write(0, 'a');
    t.write(10, 'a');
    t.write(20, 'b');
    t.b.kernel.at(crashAt, () => t.cache.crash('crash'));
    t.b.kernel.runUntil(2000);
    expect(t.count('lostWrites')).toBe(lost);
    expect(t.count('flushed') + t.count('lostWrites')).toBe(3);
  });

  it('traces the key DIRTY until flushed, LOST when the cache dies first', () => {
    const t = bench(cfg({ strategy: 'write-behind', flush: { every: 500, batch: 100 } }));
    t.write(0);
    t.b.kernel.runUntil(600);
    t.write(700);
    t.b.kernel.at(800, () => t.cache.crash('crash'));
    t.b.kernel.runUntil(900);
    expect(t.keyStates()).toEqual(['DIRTY', 'FRESH', 'DIRTY', 'LOST']);
    expect(t.b.transitions('cache').map((x) => x.to)).toEqual(['DOWN']);
  });

  it('a full buffer flushes before the timer', () => {
    const t = bench(cfg({ strategy: 'write-behind', flush: { every: 10_000, batch: 2 } }));
    t.write(0, 'a');
    t.write(1, 'b');
    t.b.kernel.runUntil(100);
    expect(t.count('flushed')).toBe(2);
  });
});

describe('cache: properties', () => {
  const ops = fc.array(fc.record({ at: fc.integer({ min: 0, max: 3000 }), key: fc.constantFrom('a', 'b', 'c'), write: fc.boolean() }), { maxLength: 80 });

  it('with coalescing, at most one load of a key is in flight at once', () => {
    fc.assert(
      fc.property(ops, fc.integer({ min: 1, max: 500 }), (list, ttl) => {
        const t = bench(cfg({ stampede: 'coalesce', ttl, invalidation: 'delete' }), { read: { dist: 'uniform', min: 10, max: 300 } });
        let worst = 0;
        for (const o of list) {
          (o.write ? t.write : t.read)(o.at, o.key);
          t.b.kernel.at(o.at, () => (worst = Math.max(worst, t.cache.loadsInFlight(o.key))));
        }
        t.b.kernel.runUntil(5000);
        return worst <= 1 && t.b.metrics.scope('cache').gauge('stampede').max <= 1;
      }),
    );
  });

  it('hits + misses = reads, whatever the strategy, guard and invalidation', () => {
    fc.assert(
      fc.property(
        ops,
        fc.constantFrom('cache-aside', 'read-through', 'write-through', 'write-behind', 'refresh-ahead' as const),
        fc.constantFrom('none', 'coalesce', 'lock', 'early' as const),
        fc.constantFrom('ttl', 'delete', 'versioned' as const),
        fc.integer({ min: 1, max: 3 }),
        (list, strategy, stampede, invalidation, servers) => {
          const t = bench(cfg({ strategy, stampede, invalidation, servers, ttl: 400, flush: { every: 200, batch: 5 } }));
          for (const o of list) (o.write ? t.write : t.read)(o.at, o.key);
          t.b.kernel.runUntil(10_000);
          const reads = list.filter((o) => !o.write).length;
          return t.count('reads') === reads && t.count('hits') + t.count('misses') === reads && t.answers.length === list.length;
        },
      ),
    );
  });

  it('write-through on one server never answers with a value older than a write acknowledged before the read', () => {
    fc.assert(
      fc.property(ops, fc.integer({ min: 1, max: 1000 }), (list, ttl) => {
        const t = bench(cfg({ strategy: 'write-through', ttl }), { read: { dist: 'uniform', min: 1, max: 400 }, write: { dist: 'uniform', min: 1, max: 100 } });
        for (const o of list) (o.write ? t.write : t.read)(o.at, o.key);
        t.b.kernel.runUntil(10_000);
        return t.count('staleReads') === 0;
      }),
    );
  });

  it('write-behind: every acknowledged write is flushed or counted lost, crash or not', () => {
    fc.assert(
      fc.property(ops, fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined }), (list, crashAt) => {
        const t = bench(cfg({ strategy: 'write-behind', flush: { every: 300, batch: 2 } }));
        for (const o of list) (o.write ? t.write : t.read)(o.at, o.key);
        if (crashAt !== undefined) t.b.kernel.at(crashAt, () => t.cache.crash('crash')());
        t.b.kernel.runUntil(10_000);
        const writes = list.filter((o) => o.write).length;
        return t.count('flushed') + t.count('lostWrites') === writes;
      }),
    );
  });
});

describe('cache: pub/sub invalidation across app servers', () => {
  /** Three servers whose writes are published on a topic of an in-memory broker (1 ms away, 1 ms inside). */
  function withBus(config: Partial<CacheConfig> = {}, db: { read?: LatencyDist; write?: LatencyDist } = {}) {
    const t = bench(cfg({ servers: 3, invalidation: 'pubsub', ...config }), db);
    const ledger = new MessageLedger(t.b.kernel);
    const broker = new BrokerComponent('broker', brokerKind.schema.parse({ kind: 'broker', topics: ['inv'] }), t.b.ctx('broker'), ledger);
    t.cache.connect((received) => new InvalidationBus('cache', ['app-1', 'app-2', 'app-3'], broker.broker, ledger, t.b.ctx('cache'), { topic: 'inv', link: 1, reconnect: 1000 }, received));
    return t;
  }

  it('a write on app-1 drops the copies on app-2 and app-3 one broker hop later', () => {
    const t = withBus();
    t.read(0, 'k', 'app-2');
    t.read(0, 'k', 'app-3');
    t.write(200, 'k', 'app-1'); // commits at 210
    t.read(211, 'k', 'app-2'); // before the invalidation arrives: stale
    t.read(250, 'k', 'app-3'); // after: a miss that loads version 1
    t.b.kernel.runUntil(1000);
    expect([t.count('staleReads'), t.count('invalidations'), t.count('loads')]).toEqual([1, 2, 3]);
    expect(t.b.metrics.scope('cache').histogram('staleness').total.max).toBe(1);
    expect(t.b.transitions('cache/app-3:k').map((x) => x.to)).toEqual(['LOADING', 'FRESH', 'STALE', 'INVALIDATED', 'LOADING', 'FRESH']);
  });

  it('write-behind tells the other servers once the write is flushed', () => {
    const t = withBus({ strategy: 'write-behind', flush: { every: 500, batch: 100 } });
    t.read(0, 'k', 'app-2');
    t.write(200, 'k', 'app-1');
    t.read(300, 'k', 'app-2'); // the database has not got it yet: not stale against it
    t.read(600, 'k', 'app-2'); // flushed at 510, invalidated a few ms later
    t.b.kernel.runUntil(1000);
    expect([t.count('staleReads'), t.count('invalidations'), t.count('loads')]).toEqual([0, 1, 2]);
  });

  it('without message faults, no server serves an old value for longer than a broker hop', () => {
    const ops = fc.array(
      fc.record({ at: fc.integer({ min: 0, max: 3000 }), key: fc.constantFrom('a', 'b'), write: fc.boolean(), server: fc.constantFrom('app-1', 'app-2', 'app-3') }),
      { maxLength: 60 },
    );
    fc.assert(
      fc.property(ops, (list) => {
        const t = withBus({ ttl: 60_000 }, { read: { dist: 'uniform', min: 1, max: 300 }, write: { dist: 'uniform', min: 1, max: 50 } });
        for (const o of list) (o.write ? t.write : t.read)(o.at, o.key, o.server);
        t.b.kernel.runUntil(10_000);
        return t.b.metrics.scope('cache').histogram('staleness').total.max <= 10;
      }),
      { numRuns: 50 },
    );
  });
});

describe('stampede guard', () => {
  it.each([
    { what: 'at the expiry, always', now: 1000, beta: 1, u: 0, early: true },
    { what: '100 ms before with u = 0, never', now: 900, beta: 1, u: 0, early: false },
    { what: '100 ms before, when −cost·ln(1 − u) reaches 100 ms', now: 900, beta: 1, u: 1 - Math.exp(-1), early: true },
    { what: '100 ms before, just short of it', now: 900, beta: 1, u: 1 - Math.exp(-0.99), early: false },
    { what: '200 ms before with β = 2', now: 800, beta: 2, u: 1 - Math.exp(-1), early: true },
  ])('XFetch refreshes a value costing 100 ms $what', ({ now, beta, u, early }) => {
    expect(refreshEarly({ cost: 100, expiresAt: 1000 }, now, beta, u)).toBe(early);
  });

  it('a lock taken over after its lease is not released by the first holder finishing late', () => {
    const b = testBench();
    const counters = { coalesced: b.metrics.scope('g').counter('coalesced'), lockWaits: b.metrics.scope('g').counter('lockWaits') };
    const guard = new StampedeGuardState('lock', 1, { retry: 20, lease: 100 }, b.kernel, counters);
    const loads: ((v: number) => void)[] = [];
    const miss = () => guard.miss(0, 'k', { load: (_why, then) => loads.push((v) => then(v)), lookAgain: () => {}, answer: () => {} });
    b.kernel.at(0, miss); // A takes the lock
    b.kernel.at(150, miss); // the lease ran out: B takes it
    b.kernel.at(155, () => loads[0]!(1)); // A's load ends late
    b.kernel.at(160, miss); // C must wait for B
    b.kernel.runUntil(200);
    expect([loads.length, counters.lockWaits.value]).toEqual([2, 1]);
  });
});
