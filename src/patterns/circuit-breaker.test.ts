import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testBench } from '../testing/harness.js';
import { CircuitBreaker, type BreakerConfig } from './circuit-breaker.js';

const base = {
  openFor: 5000,
  probes: 1,
  halfOpen: 'automatic' as const,
  recordOn: ['error', 'timeout', 'unavailable', 'overloaded'] as const,
};

function breaker(cfg: Partial<BreakerConfig> & Pick<BreakerConfig, 'strategy'>) {
  const b = testBench();
  const full = { ...base, failureThreshold: 3, window: 10, failureRate: 0.5, minimumCalls: 4, buckets: 10, ...cfg } as unknown as BreakerConfig;
  const cb = new CircuitBreaker('cb', full, b.ctx('cb'));
  /** One call that takes `ms` and ends `ok` or not. */
  const call = (outcome: 'ok' | 'fail', ms = 0) => {
    const permit = cb.tryAcquire();
    if (permit < 0) return 'rejected';
    if (ms > 0) b.kernel.runUntil(b.kernel.now() + ms);
    cb.record(permit, outcome === 'fail', ms);
    return 'done';
  };
  const advance = (ms: number) => b.kernel.runUntil(b.kernel.now() + ms);
  return { cb, call, advance, b };
}

describe('circuit breaker: consecutive failures', () => {
  it.each([
    { failures: 2, threshold: 3, state: 'CLOSED' },
    { failures: 3, threshold: 3, state: 'OPEN' },
    { failures: 1, threshold: 1, state: 'OPEN' },
  ])('$failures failures against a threshold of $threshold → $state', ({ failures, threshold, state }) => {
    const { cb, call } = breaker({ strategy: 'consecutive', failureThreshold: threshold });
    for (let i = 0; i < failures; i++) call('fail');
    expect(cb.state()).toBe(state);
  });

  it('a success in between starts the count again', () => {
    const { cb, call } = breaker({ strategy: 'consecutive', failureThreshold: 3 });
    call('fail');
    call('fail');
    call('ok');
    call('fail');
    call('fail');
    expect(cb.state()).toBe('CLOSED');
    call('fail');
    expect(cb.state()).toBe('OPEN');
  });

  it('says why it opened', () => {
    const { call, b } = breaker({ strategy: 'consecutive', failureThreshold: 3 });
    for (let i = 0; i < 3; i++) call('fail');
    expect(b.transitions('cb')[0]).toMatchObject({ from: 'CLOSED', to: 'OPEN', cause: '3 consecutive failures (threshold 3)' });
  });

  it('rejects while open, and counts the rejections', () => {
    const { cb, call, b } = breaker({ strategy: 'consecutive', failureThreshold: 1 });
    call('fail');
    expect(call('ok')).toBe('rejected');
    expect(call('ok')).toBe('rejected');
    expect(b.metrics.counter('cb', 'rejected')!.value).toBe(2);
    expect(cb.state()).toBe('OPEN');
  });

  it('a slow call counts as a failure when slowCallDuration is set', () => {
    const { cb, call } = breaker({ strategy: 'consecutive', failureThreshold: 2, slowCallDuration: 100 });
    call('ok', 150);
    call('ok', 150);
    expect(cb.state()).toBe('OPEN');
  });
});

describe('circuit breaker: count window', () => {
  it('does not judge before minimumCalls, however bad', () => {
    const { cb, call } = breaker({ strategy: 'count-window', window: 10, minimumCalls: 4, failureRate: 0.5 });
    for (let i = 0; i < 3; i++) call('fail');
    expect(cb.state()).toBe('CLOSED');
    call('fail');
    expect(cb.state()).toBe('OPEN');
  });

  it('opens exactly at the threshold rate', () => {
    const { cb, call, b } = breaker({ strategy: 'count-window', window: 4, minimumCalls: 4, failureRate: 0.5 });
    call('ok');
    call('fail');
    call('ok');
    expect(cb.state()).toBe('CLOSED');
    call('fail');
    expect(cb.state()).toBe('OPEN');
    expect(b.transitions('cb')[0]!.cause).toBe('failure rate 50% ≥ 50% over the last 4 calls');
  });

  it('old outcomes slide out of the window', () => {
    const { cb, call } = breaker({ strategy: 'count-window', window: 4, minimumCalls: 4, failureRate: 0.75 });
    call('fail');
    call('fail');
    call('ok');
    call('ok');
    call('ok'); // the first failure leaves: 1 failure in the last 4
    call('fail');
    call('fail'); // 2 of the last 4
    expect(cb.state()).toBe('CLOSED');
    call('fail'); // ok, fail, fail, fail → 75%
    expect(cb.state()).toBe('OPEN');
  });

  it('opens on the slow-call rate', () => {
    const { cb, call, b } = breaker({ strategy: 'count-window', window: 4, minimumCalls: 4, failureRate: 0.5, slowCallDuration: 100, slowCallRate: 0.5 });
    call('ok', 10);
    call('ok', 200);
    call('ok', 10);
    call('ok', 200);
    expect(cb.state()).toBe('OPEN');
    expect(b.transitions('cb')[0]!.cause).toMatch(/^slow-call rate 50% ≥ 50% over the last 4 calls/);
  });
});

describe('circuit breaker: time window', () => {
  it('needs the minimum throughput within the window', () => {
    const { cb, call, advance } = breaker({ strategy: 'time-window', window: 10_000, buckets: 10, minimumCalls: 4, failureRate: 0.5 });
    call('fail');
    advance(3000);
    call('fail');
    advance(3000);
    call('fail');
    expect(cb.state()).toBe('CLOSED');
    call('fail');
    expect(cb.state()).toBe('OPEN');
  });

  it('forgets failures older than the window', () => {
    const { cb, call, advance } = breaker({ strategy: 'time-window', window: 10_000, buckets: 10, minimumCalls: 4, failureRate: 0.5 });
    call('fail');
    call('fail');
    call('fail');
    advance(11_000);
    call('fail');
    call('ok');
    call('ok');
    call('ok');
    expect(cb.state()).toBe('CLOSED');
  });
});

describe('circuit breaker: open and half-open', () => {
  it('automatic: a timer moves OPEN → HALF_OPEN after openFor, with no traffic', () => {
    const { cb, call, advance, b } = breaker({ strategy: 'consecutive', failureThreshold: 1, halfOpen: 'automatic' });
    call('fail');
    advance(4999);
    expect(cb.state()).toBe('OPEN');
    advance(1);
    expect(cb.state()).toBe('HALF_OPEN');
    expect(b.transitions('cb')[1]).toMatchObject({ t: 5000, cause: 'open for 5s elapsed' });
  });

  it('lazy: stays OPEN past openFor until a call arrives', () => {
    const { cb, call, advance, b } = breaker({ strategy: 'consecutive', failureThreshold: 1, halfOpen: 'lazy' });
    call('fail');
    advance(20_000);
    expect(cb.state()).toBe('OPEN');
    expect(call('ok')).toBe('done');
    expect(cb.state()).toBe('CLOSED');
    expect(b.transitions('cb').map((t) => `${t.from}>${t.to}@${t.t}`)).toEqual(['CLOSED>OPEN@0', 'OPEN>HALF_OPEN@20000', 'HALF_OPEN>CLOSED@20000']);
  });

  it('admits exactly `probes` calls while half-open and rejects the rest', () => {
    const { cb, advance, call } = breaker({ strategy: 'consecutive', failureThreshold: 1, probes: 2 });
    call('fail');
    advance(5000);
    const p1 = cb.tryAcquire();
    const p2 = cb.tryAcquire();
    const p3 = cb.tryAcquire();
    expect([p1 >= 0, p2 >= 0, p3 >= 0]).toEqual([true, true, false]);
    cb.record(p1, false, 0);
    expect(cb.state()).toBe('HALF_OPEN');
    cb.record(p2, false, 0);
    expect(cb.state()).toBe('CLOSED');
  });

  it('consecutive: one failing probe reopens at once', () => {
    const { cb, advance, call, b } = breaker({ strategy: 'consecutive', failureThreshold: 1, probes: 3 });
    call('fail');
    advance(5000);
    const p1 = cb.tryAcquire();
    cb.record(p1, true, 0, 'timeout');
    expect(cb.state()).toBe('OPEN');
    expect(b.transitions('cb').at(-1)!.cause).toBe('probe 1/3 failed (timeout)');
  });

  it('window strategies decide on the probes’ failure rate once all are back', () => {
    const { cb, advance, call } = breaker({ strategy: 'count-window', window: 4, minimumCalls: 1, failureRate: 0.5, probes: 3 });
    call('fail');
    advance(5000);
    const ps = [cb.tryAcquire(), cb.tryAcquire(), cb.tryAcquire()];
    cb.record(ps[0]!, true, 0);
    expect(cb.state()).toBe('HALF_OPEN');
    cb.record(ps[1]!, false, 0);
    cb.record(ps[2]!, false, 0);
    expect(cb.state()).toBe('CLOSED');
  });

  it('a probe released without an outcome frees its slot', () => {
    const { cb, advance, call } = breaker({ strategy: 'consecutive', failureThreshold: 1, probes: 1 });
    call('fail');
    advance(5000);
    const p = cb.tryAcquire();
    expect(cb.tryAcquire()).toBe(-1);
    cb.release(p);
    expect(cb.tryAcquire()).toBeGreaterThanOrEqual(0);
  });

  it('an outcome from an earlier state does not sway the current one', () => {
    const { cb, advance } = breaker({ strategy: 'consecutive', failureThreshold: 1, probes: 1 });
    const slow = cb.tryAcquire(); // admitted while CLOSED
    const other = cb.tryAcquire();
    cb.record(other, true, 0); // opens
    advance(5000); // half-open
    cb.record(slow, false, 0); // late success from the CLOSED era
    expect(cb.state()).toBe('HALF_OPEN');
  });

  it('backs off on repeated opens and resets the wait once closed', () => {
    const { cb, advance, call, b } = breaker({ strategy: 'consecutive', failureThreshold: 1, openBackoff: { factor: 2, max: 15_000 } });
    call('fail'); // open 5s
    advance(5000);
    call('fail'); // reopen 10s
    advance(9999);
    expect(cb.state()).toBe('OPEN');
    advance(1);
    call('fail'); // reopen 15s (capped from 20s)
    advance(15_000);
    call('ok');
    expect(cb.state()).toBe('CLOSED');
    call('fail'); // back to 5s
    const waits = b.transitions('cb').filter((t) => t.to === 'OPEN').map((t) => t.data?.['openForMs']);
    expect(waits).toEqual([5000, 10_000, 15_000, 5000]);
  });
});

describe('circuit breaker: invariants', () => {
  it('property: never admits a call while OPEN, and at most `probes` per half-open period', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3000 }), fail: fc.boolean(), hold: fc.boolean() }), { maxLength: 300 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom('automatic' as const, 'lazy' as const),
        (steps, probes, halfOpen) => {
          const { cb, b } = breaker({ strategy: 'consecutive', failureThreshold: 2, probes, halfOpen });
          const held: number[] = [];
          let admittedThisHalfOpen = 0;
          let lastState = cb.state();
          for (const s of steps) {
            b.kernel.runUntil(b.kernel.now() + s.gap);
            const before = cb.state();
            const permit = cb.tryAcquire();
            const state = cb.state();
            if (state !== lastState && state === 'HALF_OPEN') admittedThisHalfOpen = 0;
            lastState = state;
            if (before === 'OPEN' && state === 'OPEN') expect(permit).toBe(-1);
            if (permit >= 0 && state === 'HALF_OPEN') {
              admittedThisHalfOpen++;
              expect(admittedThisHalfOpen).toBeLessThanOrEqual(probes);
            }
            if (permit < 0) continue;
            if (s.hold) held.push(permit);
            else cb.record(permit, s.fail, 0);
            if (held.length > 3) cb.record(held.shift()!, s.fail, 0);
            lastState = cb.state();
            if (lastState !== 'HALF_OPEN') admittedThisHalfOpen = 0;
          }
        },
      ),
    );
  });

  it('property: a consecutive breaker opens exactly when N failures come in a row', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 100 }), fc.integer({ min: 1, max: 6 }), (outcomes, n) => {
        const { cb, call } = breaker({ strategy: 'consecutive', failureThreshold: n });
        let run = 0;
        for (const failed of outcomes) {
          if (cb.state() !== 'CLOSED') break;
          call(failed ? 'fail' : 'ok');
          run = failed ? run + 1 : 0;
          expect(cb.state()).toBe(run >= n ? 'OPEN' : 'CLOSED');
        }
      }),
    );
  });
});

describe('circuit breaker: execute (promise API)', () => {
  it('passes values and errors through, records them, and rejects fast when open', async () => {
    const { cb } = breaker({ strategy: 'consecutive', failureThreshold: 2 });
    await expect(cb.execute(async () => 42)).resolves.toBe(42);
    await expect(cb.execute(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(
      cb.execute(() => {
        throw new Error('sync boom');
      }),
    ).rejects.toThrow('sync boom');
    expect(cb.state()).toBe('OPEN');
    await expect(cb.execute(async () => 1)).rejects.toThrow('circuit cb is open');
  });
});
