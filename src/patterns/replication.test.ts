import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LatencyDist } from '../components/latency.js';
import type { Outcome } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { ReplicatedStore, type ReplicationConfig } from './replication.js';

const constant = (value: number): LatencyDist => ({ dist: 'constant', value });

const cfg = (over: Partial<ReplicationConfig> = {}): ReplicationConfig => ({
  key: 'user',
  nodes: 3,
  mode: 'async',
  lag: constant(100),
  write: constant(2),
  read: constant(1),
  readYourWrites: false,
  monotonic: false,
  semiSyncTimeout: 300,
  failover: 2000,
  lagging: 1000,
  ...over,
});

function bench(config: ReplicationConfig, seed = 1) {
  const b = testBench();
  const store = new ReplicatedStore('profiles', config, b.ctx('profiles', seed));
  const answers: { at: number; op: string; outcome: Outcome }[] = [];
  let id = 0;
  const send = (at: number, op: 'write' | 'read', user = 'u1', viewer?: string) =>
    b.kernel.at(at, () => {
      store.handle({ id: ++id, startedAt: at, tags: { op, user, ...(viewer ? { viewer } : {}) } }, (outcome) => answers.push({ at: b.kernel.now(), op, outcome }));
    });
  const crash = (at: number, length: number) =>
    b.kernel.at(at, () => {
      const undo = store.crash('fault crash');
      b.kernel.setTimer(length, undo);
    });
  const counter = (name: string) => b.metrics.scope('profiles').counter(name).value;
  return { b, store, answers, send, crash, counter };
}

describe('replicated store: when a write is acknowledged', () => {
  it.each([
    { what: 'async: at the commit', mode: 'async', lag: 100, ackAt: 2, degraded: 0 },
    { what: 'semi-sync: when a replica has it', mode: 'semi-sync', lag: 100, ackAt: 102, degraded: 0 },
    { what: 'sync: when every replica has it', mode: 'sync', lag: 100, ackAt: 102, degraded: 0 },
    { what: 'semi-sync with slow replicas: at the timeout, unprotected', mode: 'semi-sync', lag: 1000, ackAt: 302, degraded: 1 },
    { what: 'sync with slow replicas: it waits for them', mode: 'sync', lag: 1000, ackAt: 1002, degraded: 0 },
  ] as const)('$what', ({ mode, lag, ackAt, degraded }) => {
    const t = bench(cfg({ mode, lag: constant(lag) }));
    t.send(0, 'write');
    t.b.kernel.runUntil(5000);
    expect(t.answers).toEqual([{ at: ackAt, op: 'write', outcome: { ok: true } }]);
    expect(t.counter('degraded')).toBe(degraded);
  });

  it('a semi-sync timeout shows as DEGRADED for a second', () => {
    const t = bench(cfg({ mode: 'semi-sync', lag: constant(400) }));
    t.send(0, 'write');
    t.b.kernel.runUntil(5000);
    expect(t.b.transitions('profiles').map((e) => [e.t, e.from, e.to])).toEqual([
      [302, 'REPLICATING', 'DEGRADED'],
      [1302, 'DEGRADED', 'REPLICATING'],
    ]);
  });
});

describe('replicated store: reads', () => {
  it.each([
    { what: 'the owner reads before the replica has the write: stale, their own write missed', readAt: 50, ryw: false, stale: 1, missed: 1, toPrimary: 0 },
    { what: 'just after it is applied: fresh', readAt: 102.001, ryw: false, stale: 0, missed: 0, toPrimary: 0 },
    { what: 'with a session token the early read goes to the primary', readAt: 50, ryw: true, stale: 0, missed: 0, toPrimary: 1 },
    { what: 'with a token, once applied the replica answers', readAt: 102.001, ryw: true, stale: 0, missed: 0, toPrimary: 0 },
  ])('$what', ({ readAt, ryw, stale, missed, toPrimary }) => {
    const t = bench(cfg({ readYourWrites: ryw }));
    t.send(0, 'write');
    t.send(readAt, 'read');
    t.b.kernel.runUntil(1000);
    expect({ stale: t.counter('staleReads'), missed: t.counter('readYourWritesViolations'), toPrimary: t.counter('toPrimary') }).toEqual({ stale, missed, toPrimary });
  });

  it('someone else reading early sees the old value: stale, but not a read-your-writes violation', () => {
    const t = bench(cfg());
    t.send(0, 'write');
    t.send(50, 'read', 'u1', 'support');
    t.b.kernel.runUntil(1000);
    expect([t.counter('staleReads'), t.counter('readYourWritesViolations')]).toEqual([1, 0]);
  });

  it('a replica that falls behind by the threshold turns LAGGING, and back once caught up', () => {
    const t = bench(cfg({ lag: constant(1500), nodes: 2 }));
    t.send(0, 'write');
    t.b.kernel.runUntil(5000);
    expect(t.b.transitions().map((e) => [e.t, e.component, e.to])).toEqual([
      [1002, 'profiles/db-2', 'LAGGING'],
      [1002, 'profiles', 'LAGGING'],
      [1502, 'profiles/db-2', 'REPLICA'],
      [1502, 'profiles', 'REPLICATING'],
    ]);
  });
});

describe('replicated store: failover', () => {
  it.each([
    { what: 'async loses the acknowledged tail', mode: 'async', lost: 3, discarded: 0, failedWrites: 0 },
    { what: 'sync loses nothing acknowledged: the writes it had not confirmed fail instead', mode: 'sync', lost: 0, discarded: 3, failedWrites: 3 },
  ] as const)('$what', ({ mode, lost, discarded, failedWrites }) => {
    const t = bench(cfg({ mode }));
    t.send(0, 'write', 'a');
    t.send(10, 'write', 'b');
    t.send(20, 'write', 'c');
    t.crash(50, 5000);
    t.send(1000, 'write', 'd'); // while failing over: refused
    t.send(3000, 'write', 'e'); // the new primary takes it
    t.b.kernel.runUntil(10_000);
    expect({ lost: t.counter('lostWrites'), discarded: t.counter('discarded') }).toEqual({ lost, discarded });
    expect(t.answers.filter((a) => a.op === 'write' && !a.outcome.ok)).toHaveLength(failedWrites + 1);
    expect(t.store.nodes.map((n) => n.state)).toEqual(['REPLICA', 'PRIMARY', 'REPLICA']);
    // The old primary rejoins 2 s behind the new one's last write: LAGGING until it has caught up.
    expect(t.b.transitions('profiles').map((e) => e.to)).toEqual(['FAILOVER', 'REPLICATING', 'LAGGING', 'REPLICATING']);
    // Every node ends holding the new primary's log.
    expect(t.store.nodes.map((n) => n.applied)).toEqual([1, 1, 1]);
  });

  it('a primary back before the failover is primary again, and has lost nothing', () => {
    const t = bench(cfg());
    t.send(0, 'write');
    t.crash(50, 500);
    t.b.kernel.runUntil(5000);
    expect(t.counter('lostWrites')).toBe(0);
    expect(t.store.nodes.map((n) => [n.state, n.applied])).toEqual([
      ['PRIMARY', 1],
      ['REPLICA', 1],
      ['REPLICA', 1],
    ]);
  });
});

const schedule = fc.record({
  mode: fc.constantFrom('async', 'semi-sync', 'sync'),
  ops: fc.array(fc.record({ at: fc.nat({ max: 3000 }), op: fc.constantFrom('write', 'read', 'read'), user: fc.constantFrom('a', 'b', 'c'), viewer: fc.boolean() }), { maxLength: 80 }),
  crash: fc.option(fc.record({ at: fc.nat({ max: 3000 }), length: fc.integer({ min: 1, max: 3000 }) }), { nil: undefined }),
  lagMax: fc.integer({ min: 1, max: 800 }),
  seed: fc.nat({ max: 1000 }),
});

describe('replicated store, properties', () => {
  it('property: a session token read never returns a value older than the session’s last acknowledged write; sync never loses one; sticky reads never go back in time under sync', () => {
    fc.assert(
      fc.property(schedule, (s) => {
        const t = bench(cfg({ mode: s.mode, lag: { dist: 'uniform', min: 1, max: s.lagMax }, readYourWrites: true, monotonic: true, failover: 500 }), s.seed);
        for (const o of s.ops) t.send(o.at, o.op, o.user, o.op === 'read' && o.viewer ? 'support' : undefined);
        if (s.crash) t.crash(s.crash.at, s.crash.length);
        t.b.kernel.runUntil(100_000);
        expect(t.answers).toHaveLength(s.ops.length);
        expect(t.counter('readYourWritesViolations')).toBe(0);
        if (s.mode === 'sync') {
          expect(t.counter('lostWrites')).toBe(0);
          expect(t.counter('nonMonotonicReads')).toBe(0);
        }
        // Replication is a prefix: no node ever holds more than the primary's log.
        for (const n of t.store.nodes) expect(n.applied).toBeLessThanOrEqual(t.store.log.length);
      }),
      { numRuns: 200, seed: 9 },
    );
  });

  it('property: without a crash, sticky replicas alone keep every session’s reads monotonic in any mode', () => {
    fc.assert(
      fc.property(schedule, (s) => {
        const t = bench(cfg({ mode: s.mode, lag: { dist: 'uniform', min: 1, max: s.lagMax }, monotonic: true }), s.seed);
        for (const o of s.ops) t.send(o.at, o.op, o.user, o.op === 'read' && o.viewer ? 'support' : undefined);
        t.b.kernel.runUntil(100_000);
        expect(t.counter('nonMonotonicReads')).toBe(0);
        expect(t.counter('toPrimary')).toBe(0);
      }),
      { numRuns: 200, seed: 10 },
    );
  });
});
