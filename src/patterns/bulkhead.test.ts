import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Handler, Outcome } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { Bulkhead, type BulkheadConfig } from './bulkhead.js';

/** A bulkhead in front of a dependency whose calls take `ms` each; it tracks how many run at once. */
function bench(cfg: BulkheadConfig, ms = 100) {
  const b = testBench();
  const bh = new Bulkhead('bh', cfg, b.ctx('bh'));
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const dep: Handler = (call, done) => {
    running++;
    most = Math.max(most, running);
    started.push(call.id);
    const t = b.kernel.setTimer(ms, () => {
      running--;
      done({ ok: true });
    });
    return () => {
      running--;
      t.cancel();
    };
  };
  const handler = bh.wrap(dep);
  const outcomes = new Map<number, Outcome>();
  let answers = 0;
  const call = (id: number) =>
    handler({ id, startedAt: b.kernel.now() }, (o) => {
      answers++;
      outcomes.set(id, o);
    });
  return { b, bh, call, outcomes, started, most: () => most, answers: () => answers };
}

describe('bulkhead', () => {
  it.each([
    { cfg: { maxConcurrent: 2, queue: 0 }, calls: 3, started: 2, refused: 1 },
    { cfg: { maxConcurrent: 2, queue: 1 }, calls: 4, started: 2, refused: 1 },
    { cfg: { maxConcurrent: 1, queue: 5 }, calls: 3, started: 1, refused: 0 },
  ])('$cfg with $calls calls at once: $started start, $refused refused at once', ({ cfg, calls, started, refused }) => {
    const { call, outcomes, started: s } = bench(cfg);
    for (let i = 1; i <= calls; i++) call(i);
    expect(s.length).toBe(started);
    expect([...outcomes.values()].filter((o) => !o.ok).length).toBe(refused);
  });

  it('refuses as rejected, naming itself and why', () => {
    const { call, outcomes } = bench({ maxConcurrent: 1, queue: 0 });
    call(1);
    call(2);
    expect(outcomes.get(2)).toEqual({ ok: false, error: 'rejected', by: 'bh', detail: 'bulkhead full: 1 busy, 0 waiting' });
  });

  it('a waiting call starts when a slot frees, first come first served', () => {
    const { b, call, started } = bench({ maxConcurrent: 1, queue: 3 }, 100);
    [1, 2, 3].forEach(call);
    b.kernel.runUntil(250);
    expect(started).toEqual([1, 2, 3]);
    expect(b.metrics.histogram('bh', 'wait')!.total.max).toBe(200);
  });

  it('a call that waits longer than queueTimeout is refused', () => {
    const { b, call, outcomes, started } = bench({ maxConcurrent: 1, queue: 3, queueTimeout: 50 }, 100);
    call(1);
    call(2);
    b.kernel.runUntil(49);
    expect(outcomes.has(2)).toBe(false);
    b.kernel.runUntil(50);
    expect(outcomes.get(2)).toMatchObject({ ok: false, error: 'rejected', detail: 'no slot within 50ms' });
    b.kernel.runUntil(500);
    expect(started).toEqual([1]);
    expect(b.metrics.counter('bh', 'timedOut')!.value).toBe(1);
  });

  it('a caller that gives up frees its place in the queue, or its slot', () => {
    const { b, call, started } = bench({ maxConcurrent: 1, queue: 1 }, 100);
    const first = call(1);
    const second = call(2);
    second();
    call(3);
    expect(started).toEqual([1]);
    first();
    expect(started).toEqual([1, 3]);
    b.kernel.runUntil(1000);
  });

  it('its state says whether calls wait or are refused, and settles after a quiet second', () => {
    const { b, bh, call } = bench({ maxConcurrent: 1, queue: 1 }, 100);
    call(1);
    call(2);
    expect(bh.state()).toBe('QUEUEING');
    call(3);
    expect(bh.state()).toBe('REJECTING');
    b.kernel.runUntil(5000);
    expect(b.transitions('bh').map((t) => `${t.from}→${t.to}: ${t.cause}`)).toEqual([
      'ACCEPTING→QUEUEING: all 1 slots busy; calls wait',
      'QUEUEING→REJECTING: full: 1 busy and 1 waiting; refused a call',
      'REJECTING→ACCEPTING: nothing refused for 1s',
    ]);
  });

  it('property: never more than maxConcurrent in flight nor queue waiting, and every call is answered once', () => {
    fc.assert(
      fc.property(
        fc.record({ maxConcurrent: fc.integer({ min: 1, max: 5 }), queue: fc.integer({ min: 0, max: 5 }), queueTimeout: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }) }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 80 }), giveUpAfter: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }) }), { maxLength: 60 }),
        (cfg, arrivals) => {
          const { b, call, outcomes, most, answers } = bench(cfg, 100);
          let t = 0;
          let given = 0;
          arrivals.forEach((a, i) => {
            t += a.gap;
            b.kernel.at(t, () => {
              const cancel = call(i);
              if (a.giveUpAfter !== undefined) {
                b.kernel.setTimer(a.giveUpAfter, () => {
                  if (!outcomes.has(i)) given++;
                  cancel();
                });
              }
            });
          });
          b.kernel.runUntil(100_000);
          expect(most()).toBeLessThanOrEqual(cfg.maxConcurrent);
          expect(b.metrics.gauge('bh', 'waiting')!.max).toBeLessThanOrEqual(cfg.queue);
          expect(b.metrics.gauge('bh', 'active')?.max ?? 0).toBeLessThanOrEqual(cfg.maxConcurrent);
          expect(answers()).toBe(outcomes.size);
          expect(outcomes.size + given).toBe(arrivals.length);
        },
      ),
    );
  });
});
