import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Handler, Outcome } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { LoadShedder, type SheddingConfig } from './load-shedding.js';

/** A shedder in front of a dependency that takes `ms` per call, however many there are. */
function bench(cfg: Partial<SheddingConfig>, ms = 100) {
  const b = testBench();
  const shedder = new LoadShedder('shed', { by: 'queue', maxQueue: 2, criticalHeadroom: 2, ...cfg }, b.ctx('shed'));
  let outstanding = 0;
  let most = 0;
  const dep: Handler = (_call, done) => {
    outstanding++;
    most = Math.max(most, outstanding);
    b.kernel.setTimer(ms, () => {
      outstanding--;
      done({ ok: true });
    });
    return () => {};
  };
  const handler = shedder.wrap(dep);
  const outcomes = new Map<number, Outcome>();
  const call = (id: number, priority?: string) =>
    handler({ id, startedAt: b.kernel.now(), ...(priority ? { tags: { priority } } : {}) }, (o) => outcomes.set(id, o));
  return { b, shedder, call, outcomes, most: () => most };
}

const shedIds = (outcomes: Map<number, Outcome>) => [...outcomes].filter(([, o]) => !o.ok).map(([id]) => id);

describe('load shedding', () => {
  it('by queue: sheds at maxQueue outstanding calls, as overloaded, saying why', () => {
    const { call, outcomes } = bench({});
    [1, 2, 3].forEach((id) => call(id));
    expect(outcomes.get(3)).toEqual({ ok: false, error: 'overloaded', by: 'shed', detail: 'shed (best-effort): 2 outstanding ≥ 2' });
  });

  it.each([
    { what: 'best-effort calls are shed at the limit', priority: 'best-effort', admitted: 2 },
    { what: 'critical calls only past the headroom', priority: 'critical', admitted: 4 },
  ])('with priorities, $what', ({ priority, admitted }) => {
    const { call, outcomes } = bench({ priority: { tag: 'priority', critical: ['critical'] } });
    for (let id = 1; id <= 6; id++) call(id, priority);
    expect(6 - shedIds(outcomes).length).toBe(admitted);
  });

  it('a caller who stops waiting does not free the dependency: the call stays outstanding until it is done', () => {
    const { b, call, outcomes } = bench({}, 100);
    const cancel = call(1);
    call(2);
    cancel();
    call(3);
    expect(shedIds(outcomes)).toEqual([3]);
    b.kernel.runUntil(100);
    call(4);
    expect(outcomes.get(4)).toBeUndefined();
    b.kernel.runUntil(1000);
    expect(outcomes.get(1)).toBeUndefined();
    expect(outcomes.get(4)).toEqual({ ok: true });
  });

  it('by latency: sheds once recent calls were slower than the target', () => {
    const { b, call, outcomes } = bench({ by: 'latency', targetLatency: 150 }, 200);
    call(1);
    b.kernel.runUntil(100);
    call(2);
    b.kernel.runUntil(160);
    call(3);
    expect(shedIds(outcomes)).toEqual([3]);
    b.kernel.runUntil(10_000);
    call(4);
    expect(outcomes.has(4)).toBe(false);
  });

  it.each([
    { what: 'a slow call now and then is no standing queue', latency: (i: number) => (i % 10 === 0 ? 300 : 20), shed: false },
    { what: 'every call slow is', latency: () => 150, shed: true },
  ])('by latency, $what', ({ latency, shed }) => {
    const b = testBench();
    const shedder = new LoadShedder('shed', { by: 'latency', targetLatency: 100, criticalHeadroom: 10 }, b.ctx('shed'));
    let n = 0;
    const handler = shedder.wrap((_call, done) => {
      b.kernel.setTimer(latency(n++), () => done({ ok: true }));
      return () => {};
    });
    const outcomes: Outcome[] = [];
    for (let t = 0; t < 400; t += 10) b.kernel.at(t, () => handler({ id: t, startedAt: t }, (o) => outcomes.push(o)));
    b.kernel.runUntil(400);
    expect(outcomes.some((o) => !o.ok)).toBe(shed);
  });

  it('its state says what it sheds, and settles after a quiet second', () => {
    const { b, call, shedder } = bench({ priority: { tag: 'priority', critical: ['critical'] } }, 100);
    for (let id = 1; id <= 6; id++) call(id, 'critical');
    expect(shedder.state()).toBe('SHEDDING_ALL');
    b.kernel.runUntil(5000);
    expect(b.transitions('shed').map((t) => `${t.from}→${t.to}: ${t.cause}`)).toEqual([
      'ACCEPTING→SHEDDING_ALL: 4 outstanding ≥ 2: critical calls too refused',
      'SHEDDING_ALL→ACCEPTING: no critical call shed for 1s',
    ]);
  });

  it('property: outstanding work never passes maxQueue for best-effort calls, nor the headroom for critical ones', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 30 }), critical: fc.boolean() }), { maxLength: 100 }),
        (maxQueue, headroom, arrivals) => {
          const { b, call, most } = bench({ maxQueue, criticalHeadroom: headroom, priority: { tag: 'priority', critical: ['critical'] } }, 100);
          let t = 0;
          let bestEffortMost = 0;
          arrivals.forEach((a, i) => {
            t += a.gap;
            b.kernel.at(t, () => {
              const before = b.metrics.gauge('shed', 'inFlight')?.value ?? 0;
              call(i, a.critical ? 'critical' : 'best-effort');
              const after = b.metrics.gauge('shed', 'inFlight')?.value ?? 0;
              if (!a.critical && after > before) bestEffortMost = Math.max(bestEffortMost, after);
            });
          });
          b.kernel.runUntil(100_000);
          expect(bestEffortMost).toBeLessThanOrEqual(maxQueue);
          expect(most()).toBeLessThanOrEqual(Math.ceil(maxQueue * headroom));
        },
      ),
    );
  });
});
