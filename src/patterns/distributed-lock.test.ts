import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testBench } from '../testing/harness.js';
import { DistributedLock, type LockConfig } from './distributed-lock.js';

const defaults: LockConfig = { workers: 3, ttl: 2000, hold: 100, every: 500, retryEvery: 50, latency: 2, fencing: true };

function lock(cfg: Partial<LockConfig> = {}, seed = 1) {
  const b = testBench();
  const l = new DistributedLock('lock', { ...defaults, ...cfg }, b.ctx('lock', seed));
  return { b, l, counters: () => b.metrics.counters('lock') };
}

describe('distributed lock', () => {
  it('without faults: one holder at a time, every write accepted, nothing corrupted', () => {
    const { b, l, counters } = lock();
    let most = 0;
    for (let t = 0; t < 20_000; t += 5) {
      b.kernel.runUntil(t);
      most = Math.max(most, l.workers.filter((w) => w.working).length);
    }
    expect(most).toBe(1);
    expect(counters()).toMatchObject({ corrupted: 0, rejected: 0, expired: 0 });
    expect(counters()['accepted']).toBeGreaterThan(50);
    expect(l.state()).toBe('SAFE');
  });

  it.each([
    ['pause', true, { corrupted: 0, rejected: 1, expired: 1 }],
    ['pause', false, { rejected: 0, expired: 1 }],
    ['partition', true, { corrupted: 0, rejected: 1, expired: 1 }],
    ['partition', false, { rejected: 0, expired: 1 }],
  ] as const)('a %s of the holder past its ttl (fencing %s)', (fault, fencing, expected) => {
    const { b, l, counters } = lock({ fencing });
    b.kernel.runUntil(3000);
    const undo = fault === 'pause' ? l.pause('test') : l.partition('test');
    b.kernel.runUntil(5500);
    expect(l.state()).toBe('STALE_HOLDER');
    undo();
    b.kernel.runUntil(5600);
    expect(l.state()).toBe('SAFE');
    expect(counters()).toMatchObject(expected);
    // Without fencing the late write loses the others' updates (and may be lost in turn).
    if (!fencing) expect(counters()['corrupted']).toBeGreaterThanOrEqual(1);
    expect(b.transitions('lock').map((t) => t.to)).toEqual(['STALE_HOLDER', 'SAFE']);
  });

  it('a pause shorter than the lease left does no harm', () => {
    const { b, l, counters } = lock({ fencing: false });
    b.kernel.runUntil(3000);
    const undo = l.pause('test');
    b.kernel.runUntil(3300);
    undo();
    b.kernel.runUntil(6000);
    expect(counters()).toMatchObject({ corrupted: 0, expired: 0 });
  });

  it('a fault with nobody in a critical section strikes the next worker to enter one', () => {
    const { b, l } = lock({ every: 100_000 });
    expect(l.holder()).toBeUndefined();
    const undo = l.pause('test');
    b.kernel.runUntil(400_000);
    const struck = b.events.filter((e) => e.kind === 'event' && e.name === 'paused');
    expect(struck).toHaveLength(1);
    undo();
  });

  it('a paused holder keeps the others waiting for up to the ttl', () => {
    const { b, l } = lock({ every: 50 });
    b.kernel.runUntil(3000);
    const undo = l.pause('test');
    b.kernel.runUntil(8000);
    undo();
    expect(b.metrics.histogram('lock', 'wait')!.takeInterval().max).toBeGreaterThanOrEqual(1500);
  });

  it('property: with fencing, whatever pauses and partitions, no update is lost and the accepted tokens never go down', () => {
    const fault = fc.record({ kind: fc.constantFrom('pause', 'partition'), at: fc.integer({ min: 0, max: 15_000 }), length: fc.integer({ min: 1, max: 5000 }) });
    fc.assert(
      fc.property(fc.array(fault, { maxLength: 4 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 5 }), (faults, seed, workers) => {
        const { b, l, counters } = lock({ workers }, seed);
        for (const f of faults) {
          b.kernel.setTimer(f.at, () => {
            const undo = f.kind === 'pause' ? l.pause('p') : l.partition('p');
            b.kernel.setTimer(f.length, undo);
          });
        }
        b.kernel.runUntil(25_000);
        expect(counters()['corrupted']).toBe(0);
        expect(l.storage.tally).toMatchObject({ lostUpdates: 0, stale: 0, splitTerms: 0 });
      }),
      { numRuns: 60 },
    );
  });
});
