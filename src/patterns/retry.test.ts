import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Handler, Outcome } from '../core/component.js';
import { Random } from '../core/random.js';
import { testBench } from '../testing/harness.js';
import { Backoff, type BackoffConfig } from './backoff.js';
import { Retry, RetryBudget, type RetryConfig } from './retry.js';

const backoffArb = fc.record({
  backoff: fc.constantFrom('constant' as const, 'linear' as const, 'exponential' as const),
  delay: fc.integer({ min: 0, max: 2000 }),
  maxDelay: fc.integer({ min: 0, max: 30_000 }),
  multiplier: fc.double({ min: 1, max: 5, noNaN: true }),
  jitter: fc.constantFrom('none' as const, 'full' as const, 'equal' as const, 'decorrelated' as const),
});

describe('backoff', () => {
  it.each([
    { backoff: 'constant', retries: [100, 100, 100] },
    { backoff: 'linear', retries: [100, 200, 300] },
    { backoff: 'exponential', retries: [100, 200, 400] },
  ] as const)('$backoff without jitter: $retries', ({ backoff, retries }) => {
    const b = new Backoff({ backoff, delay: 100, maxDelay: 10_000, multiplier: 2, jitter: 'none' }, new Random(1));
    expect([b.next(1), b.next(2), b.next(3)]).toEqual(retries);
  });

  it('caps exponential growth at maxDelay', () => {
    const b = new Backoff({ backoff: 'exponential', delay: 100, maxDelay: 350, multiplier: 2, jitter: 'none' }, new Random(1));
    expect([1, 2, 3, 4].map((n) => b.next(n))).toEqual([100, 200, 350, 350]);
  });

  it('property: every delay is within [0, maxDelay] and, with full/equal jitter, within the un-jittered delay', () => {
    fc.assert(
      fc.property(backoffArb, fc.integer({ min: 1, max: 30 }), fc.integer(), (cfg: BackoffConfig, retries, seed) => {
        const b = new Backoff(cfg, new Random(seed));
        const plain = new Backoff({ ...cfg, jitter: 'none' }, new Random(seed));
        for (let n = 1; n <= retries; n++) {
          const d = b.next(n);
          const cap = plain.next(n);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(cfg.maxDelay + 1e-9);
          if (cfg.jitter === 'full') expect(d).toBeLessThanOrEqual(cap + 1e-9);
          if (cfg.jitter === 'equal') {
            expect(d).toBeGreaterThanOrEqual(cap / 2 - 1e-9);
            expect(d).toBeLessThanOrEqual(cap + 1e-9);
          }
        }
      }),
    );
  });
});

/** A dependency that answers after 10 ms with the next scripted outcome (ok once the script runs out). */
function scripted(kernel: ReturnType<typeof testBench>['kernel'], script: Outcome[]): { handler: Handler; calls: () => number } {
  let n = 0;
  return {
    calls: () => n,
    handler: (_call, done) => {
      const outcome = script[n++] ?? { ok: true };
      const t = kernel.setTimer(10, () => done(outcome));
      return () => t.cancel();
    },
  };
}

const retryCfg = (over: Partial<RetryConfig> = {}): RetryConfig => ({
  maxAttempts: 3,
  backoff: 'exponential',
  delay: 100,
  maxDelay: 10_000,
  multiplier: 2,
  jitter: 'none',
  retryOn: ['error', 'timeout', 'unavailable', 'overloaded'],
  ...over,
});

function runCall(retry: Retry, handler: Handler, b: ReturnType<typeof testBench>): Outcome | undefined {
  let result: Outcome | undefined;
  retry.wrap(handler)({ id: 1, startedAt: b.kernel.now() }, (o) => (result = o));
  b.kernel.runUntil(b.kernel.now() + 60_000);
  return result;
}

describe('retry', () => {
  it('retries until success, with each attempt in the trace', () => {
    const b = testBench();
    const dep = scripted(b.kernel, [{ ok: false, error: 'error' }, { ok: false, error: 'timeout' }]);
    const retry = new Retry('retry', retryCfg(), b.ctx('retry'));
    expect(runCall(retry, dep.handler, b)).toEqual({ ok: true });
    expect(dep.calls()).toBe(3);
    const notes = b.events.filter((e) => e.kind === 'event');
    expect(notes.map((e) => e.kind === 'event' && e.data)).toEqual([
      { call: 1, attempt: 2, delayMs: 100, after: 'error' },
      { call: 1, attempt: 3, delayMs: 200, after: 'timeout' },
    ]);
    expect(b.kernel.now()).toBeGreaterThan(0);
  });

  it('gives up after maxAttempts with the last failure', () => {
    const b = testBench();
    const dep = scripted(b.kernel, Array(10).fill({ ok: false, error: 'unavailable' }));
    const retry = new Retry('retry', retryCfg({ maxAttempts: 4 }), b.ctx('retry'));
    expect(runCall(retry, dep.handler, b)).toEqual({ ok: false, error: 'unavailable' });
    expect(dep.calls()).toBe(4);
    expect(b.metrics.counter('retry', 'exhausted')!.value).toBe(1);
  });

  it('does not retry what is not retryable', () => {
    const b = testBench();
    const dep = scripted(b.kernel, [{ ok: false, error: 'rejected' }]);
    const retry = new Retry('retry', retryCfg(), b.ctx('retry'));
    expect(runCall(retry, dep.handler, b)).toEqual({ ok: false, error: 'rejected' });
    expect(dep.calls()).toBe(1);
  });

  it('waits at least as long as a refusal asks (Retry-After)', () => {
    const b = testBench();
    const dep = scripted(b.kernel, [{ ok: false, error: 'rejected', by: 'limiter', retryAfterMs: 700 }]);
    const retry = new Retry('retry', retryCfg({ retryOn: ['rejected'] }), b.ctx('retry'));
    expect(runCall(retry, dep.handler, b)).toEqual({ ok: true });
    const notes = b.events.filter((e) => e.kind === 'event' && e.name === 'retry');
    expect(notes.map((e) => e.kind === 'event' && e.data?.['delayMs'])).toEqual([700]);
  });

  it('an attempt refused by a breaker is not retried, and the refusal shows', () => {
    const b = testBench();
    const dep = scripted(b.kernel, [{ ok: false, error: 'rejected', by: 'breaker', detail: 'circuit open' }]);
    const retry = new Retry('retry', retryCfg(), b.ctx('retry'));
    expect(runCall(retry, dep.handler, b)).toMatchObject({ ok: false, error: 'rejected' });
    expect(dep.calls()).toBe(1);
    expect(b.metrics.counter('retry', 'refused')!.value).toBe(1);
    expect(retry.columns()['refused']).toBe('1 (last by breaker)');
    expect(b.events.find((e) => e.kind === 'event' && e.name === 'refused')).toMatchObject({ data: { call: 1, attempt: 1, by: 'breaker' } });
  });

  it('cancelling stops pending retries', () => {
    const b = testBench();
    const dep = scripted(b.kernel, Array(10).fill({ ok: false, error: 'error' }));
    const retry = new Retry('retry', retryCfg({ maxAttempts: 10 }), b.ctx('retry'));
    let result: Outcome | undefined;
    const cancel = retry.wrap(dep.handler)({ id: 1, startedAt: 0 }, (o) => (result = o));
    b.kernel.runUntil(50);
    cancel();
    b.kernel.runUntil(60_000);
    expect(result).toBeUndefined();
    expect(dep.calls()).toBe(1);
  });

  it('property: attempts never exceed maxAttempts, whatever fails', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.constantFrom<Outcome>({ ok: true }, { ok: false, error: 'error' }, { ok: false, error: 'timeout' }, { ok: false, error: 'rejected' }), { maxLength: 12 }),
        (maxAttempts, script) => {
          const b = testBench();
          const dep = scripted(b.kernel, script);
          const retry = new Retry('retry', retryCfg({ maxAttempts, jitter: 'full' }), b.ctx('retry'));
          const result = runCall(retry, dep.handler, b);
          expect(result).toBeDefined();
          expect(dep.calls()).toBeLessThanOrEqual(maxAttempts);
          expect(dep.calls()).toBeGreaterThanOrEqual(1);
        },
      ),
    );
  });
});

describe('retry budget', () => {
  it('allows retries up to ratio × calls plus the floor over the window', () => {
    const budget = new RetryBudget({ ratio: 0.1, minPerSecond: 0, window: 10_000 });
    for (let i = 0; i < 100; i++) budget.recordCall(0);
    const granted = Array.from({ length: 20 }, () => budget.tryWithdraw(0)).filter(Boolean).length;
    expect(granted).toBe(10);
  });

  it('property: retries granted in any window stay within the budget', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ gap: fc.integer({ min: 0, max: 500 }), retry: fc.boolean() }), { maxLength: 300 }), (steps) => {
        const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 1, window: 10_000 });
        let t = 0;
        let calls = 0;
        let granted = 0;
        for (const s of steps) {
          t += s.gap;
          if (s.retry) granted += budget.tryWithdraw(t) ? 1 : 0;
          else {
            budget.recordCall(t);
            calls++;
          }
        }
        // Over the whole run, never more than ratio × calls plus the floor for each window the run spans.
        const windows = Math.floor(t / 10_000) + 1;
        expect(granted).toBeLessThanOrEqual(0.2 * calls + 10 * windows + 1e-9);
      }),
    );
  });
});
