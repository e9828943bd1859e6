import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Handler, Outcome } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { Hedging, type HedgingConfig } from './hedging.js';

interface Attempt {
  at: number;
  latency: number;
  outcome: Outcome;
  cancelled: boolean;
  answered: boolean;
}

/** A dependency that answers each attempt after the next scripted latency, with the next scripted outcome. */
function bench(cfg: Partial<HedgingConfig>, latencies: number[], outcomes: Outcome[] = []) {
  const b = testBench();
  const hedging = new Hedging('hedge', { delay: 50, samples: 100, minSamples: 5, maxHedges: 1, ...cfg }, b.ctx('hedge'));
  const attempts: Attempt[] = [];
  const dep: Handler = (_call, done) => {
    const n = attempts.length;
    const a: Attempt = { at: b.kernel.now(), latency: latencies[n] ?? 10, outcome: outcomes[n] ?? { ok: true }, cancelled: false, answered: false };
    attempts.push(a);
    const t = b.kernel.setTimer(a.latency, () => {
      a.answered = true;
      done(a.outcome);
    });
    return () => {
      a.cancelled = true;
      t.cancel();
    };
  };
  const handler = hedging.wrap(dep);
  const call = (id = 1) => {
    const result: { outcome?: Outcome; at?: number } = {};
    const cancel = handler({ id, startedAt: b.kernel.now() }, (o) => {
      expect(result.outcome).toBeUndefined();
      result.outcome = o;
      result.at = b.kernel.now();
    });
    return { result, cancel };
  };
  return { b, hedging, attempts, call };
}

describe('hedging', () => {
  it.each([
    { what: 'a fast call sends no hedge', latencies: [20], answeredAt: 20, sent: [0] },
    { what: 'a slow call is hedged after the delay, and the hedge wins', latencies: [300, 20], answeredAt: 70, sent: [0, 50] },
    { what: 'the first attempt can still win', latencies: [60, 100], answeredAt: 60, sent: [0, 50] },
    { what: 'up to maxHedges, each a delay after the last', latencies: [500, 500, 20], maxHedges: 2, answeredAt: 120, sent: [0, 50, 100] },
  ])('$what', ({ latencies, answeredAt, sent, maxHedges }) => {
    const { b, attempts, call } = bench({ maxHedges: maxHedges ?? 1 }, latencies);
    const { result } = call();
    b.kernel.runUntil(10_000);
    expect(result).toEqual({ outcome: { ok: true }, at: answeredAt });
    expect(attempts.map((a) => a.at)).toEqual(sent);
  });

  it('cancels the loser and counts the extra load', () => {
    const { b, attempts, call } = bench({}, [300, 20]);
    call();
    b.kernel.runUntil(10_000);
    expect(attempts.map((a) => a.cancelled)).toEqual([true, false]);
    const c = (n: string) => b.metrics.counter('hedge', n)!.value;
    expect([c('calls'), c('attempts'), c('hedges'), c('hedgeWins'), c('cancelled')]).toEqual([1, 2, 1, 1, 1]);
  });

  it('a failure waits for an attempt still out, and wins only when nothing else is', () => {
    const err: Outcome = { ok: false, error: 'error' };
    const waits = bench({}, [100, 100], [err, { ok: true }]);
    const first = waits.call();
    waits.b.kernel.runUntil(10_000);
    expect(first.result).toEqual({ outcome: { ok: true }, at: 150 });

    const alone = bench({}, [20], [err]);
    const second = alone.call();
    alone.b.kernel.runUntil(10_000);
    expect(second.result).toEqual({ outcome: err, at: 20 });
    expect(alone.attempts.length).toBe(1);
  });

  it('a caller who gives up cancels every attempt', () => {
    const { b, attempts, call } = bench({}, [300, 300]);
    const { cancel, result } = call();
    b.kernel.runUntil(60);
    cancel();
    b.kernel.runUntil(10_000);
    expect(result.outcome).toBeUndefined();
    expect(attempts.map((a) => a.cancelled)).toEqual([true, true]);
  });

  it('by percentile: learns first, then hedges after the observed quantile', () => {
    const { b, hedging, call } = bench({ delay: undefined, percentile: 0.8, minSamples: 5 }, [10, 20, 30, 40, 50, 500, 10]);
    expect(hedging.state()).toBe('LEARNING');
    for (let i = 0; i < 5; i++) {
      call(i);
      b.kernel.runUntil(b.kernel.now() + 1000);
    }
    expect(hedging.state()).toBe('HEDGING');
    expect(hedging.delay).toBe(40);
    expect(b.transitions('hedge').map((t) => t.cause)).toEqual(['p80 of 5 latencies is 40ms; hedging after that']);
    const { result } = call(6);
    b.kernel.runUntil(b.kernel.now() + 1000);
    expect(result.at! - 5000).toBe(50);
  });

  it('with a budget, hedges are refused once it is spent, and it says so', () => {
    const { b, hedging, call } = bench({ budget: { ratio: 0, minPerSecond: 0.1, window: 10_000 } }, Array(10).fill(100));
    for (let i = 0; i < 3; i++) call(i);
    b.kernel.runUntil(60);
    expect(b.metrics.counter('hedge', 'hedges')!.value).toBe(1);
    expect(b.metrics.counter('hedge', 'budgetDenied')!.value).toBe(2);
    expect(hedging.state()).toBe('THROTTLED');
  });

  it('property: every call is answered once, never sends more than 1 + maxHedges attempts, and leaves no loser running', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.boolean(), { maxLength: 40 }),
        (maxHedges, delay, latencies, failures) => {
          const outcomes = failures.map((f): Outcome => (f ? { ok: false, error: 'error' } : { ok: true }));
          const { b, attempts, call } = bench({ maxHedges, delay }, latencies, outcomes);
          const calls = Array.from({ length: 5 }, (_, i) => {
            const c = { result: undefined as ReturnType<typeof call>['result'] | undefined };
            b.kernel.at(i * 37, () => (c.result = call(i).result));
            return c;
          });
          b.kernel.runUntil(100_000);
          for (const c of calls) expect(c.result?.outcome).toBeDefined();
          expect(attempts.length).toBeLessThanOrEqual(5 * (1 + maxHedges));
          for (const a of attempts) expect(a.answered || a.cancelled).toBe(true);
        },
      ),
    );
  });
});
