import { describe, expect, it } from 'vitest';
import type { Handler, Outcome } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { Fallback } from './fallback.js';
import { Timeout } from './timeout.js';

function slow(kernel: ReturnType<typeof testBench>['kernel'], ms: number, outcome: Outcome = { ok: true }) {
  const log = { started: 0, finished: 0 };
  const handler: Handler = (_c, done) => {
    log.started++;
    kernel.setTimer(ms, () => {
      log.finished++;
      done(outcome);
    });
    return () => {};
  };
  return { handler, log };
}

describe('timeout', () => {
  it.each([
    { latency: 50, after: 100, expected: { ok: true }, at: 50 },
    { latency: 100, after: 100, expected: { ok: false, error: 'timeout' }, at: 100 },
    { latency: 500, after: 100, expected: { ok: false, error: 'timeout' }, at: 100 },
  ])('a $latency ms call under a $after ms timeout → $expected.ok at $at ms', ({ latency, after, expected, at }) => {
    const b = testBench();
    const dep = slow(b.kernel, latency);
    let result: Outcome | undefined;
    let when = -1;
    new Timeout('t', after, b.ctx('t')).wrap(dep.handler)({ id: 1, startedAt: 0 }, (o) => {
      result = o;
      when = b.kernel.now();
    });
    b.kernel.runUntil(10_000);
    expect(result).toMatchObject(expected);
    expect(when).toBe(at);
  });

  it('leaves the abandoned work running on the dependency', () => {
    const b = testBench();
    const dep = slow(b.kernel, 1000);
    new Timeout('t', 100, b.ctx('t')).wrap(dep.handler)({ id: 1, startedAt: 0 }, () => {});
    b.kernel.runUntil(10_000);
    expect(dep.log).toEqual({ started: 1, finished: 1 });
  });
});

describe('fallback', () => {
  it.each([
    { outcome: { ok: false, error: 'timeout' } as Outcome, on: ['timeout'] as const, expected: { ok: true, fallback: true } },
    { outcome: { ok: false, error: 'error' } as Outcome, on: ['timeout'] as const, expected: { ok: false, error: 'error' } },
    { outcome: { ok: true } as Outcome, on: ['timeout'] as const, expected: { ok: true } },
  ])('$outcome.error with fallback on $on → $expected', ({ outcome, on, expected }) => {
    const b = testBench();
    const dep = slow(b.kernel, 10, outcome);
    let result: Outcome | undefined;
    new Fallback('f', on, 0, b.ctx('f')).wrap(dep.handler)({ id: 1, startedAt: 0 }, (o) => (result = o));
    b.kernel.runUntil(100);
    expect(result).toEqual(expected);
  });
});
