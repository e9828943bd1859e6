import { describe, expect, it } from 'vitest';
import type { Handler, Outcome, Policy } from '../../core/component.js';
import { circuitBreakerKind } from '../../patterns/circuit-breaker.js';
import { retryKind } from '../../patterns/retry.js';
import { testBench } from '../../testing/harness.js';
import { inProcessHost, LearnerCalls } from '../learner.js';
import { gateContract } from './gate.js';
import { retryContract } from './retry.js';
import type { ComponentKind } from '../../components/kind.js';
import type { Contract } from './contract.js';

const calls = new LearnerCalls(inProcessHost, () => false);
const breakerConfig = circuitBreakerKind.schema.parse({ kind: 'circuit-breaker', strategy: 'consecutive', halfOpen: 'lazy' });
const retryConfig = retryKind.schema.parse({ kind: 'retry', maxAttempts: 3, jitter: 'full', delay: '100ms' });

/** A dependency that answers each call with the next outcome, after `latency` ms. */
function answering(bench: ReturnType<typeof testBench>, outcomes: Outcome[], latency = 10): Handler {
  return (_call, done) => {
    const o = outcomes.shift() ?? { ok: true };
    bench.kernel.setTimer(latency, () => done(o));
    return () => {};
  };
}

/** The learner's object wrapped by a contract, as the built-in `kind` would be, on a simulated clock. */
function standIn(contract: Contract, kind: ComponentKind, config: unknown, learner: object) {
  const bench = testBench();
  const spec = { name: kind.kind, kind: kind.kind, config };
  const policy = contract.build(learner, { spec, ctx: bench.ctx(kind.kind), kind, calls }) as Policy;
  return { bench, policy };
}

const gate = (learner: object) => standIn(gateContract, circuitBreakerKind as unknown as ComponentKind, breakerConfig, learner);
const retry = (learner: object) => standIn(retryContract, retryKind as unknown as ComponentKind, retryConfig, learner);

describe('gate contract', () => {
  it('asks before each call, reports outcomes with the permit, and turns state changes into transitions', () => {
    const log: string[] = [];
    const learner = {
      state: 'CLOSED',
      tryAcquire(now: number) {
        log.push(`try ${now}`);
        return this.state === 'OPEN' ? false : 7;
      },
      onSuccess(now: number, took: number, permit: unknown) {
        log.push(`ok ${now} ${took} ${String(permit)}`);
      },
      onFailure(now: number, took: number, permit: unknown) {
        log.push(`fail ${now} ${took} ${String(permit)}`);
        this.state = 'OPEN';
      },
    };
    const { bench, policy } = gate(learner);
    const handler = policy.wrap(answering(bench, [{ ok: true }, { ok: false, error: 'timeout' }]));
    const got: Outcome[] = [];
    handler({ id: 1, startedAt: 0 }, (o) => got.push(o));
    bench.kernel.runUntil(20, 1000);
    handler({ id: 2, startedAt: 20 }, (o) => got.push(o));
    bench.kernel.runUntil(40, 1000);
    handler({ id: 3, startedAt: 40 }, (o) => got.push(o));
    expect(log).toEqual(['try 0', 'ok 10 10 7', 'try 20', 'fail 30 10 7', 'try 40']);
    expect(got.map((o) => (o.ok ? 'ok' : o.error))).toEqual(['ok', 'timeout', 'rejected']);
    expect(bench.transitions('circuit-breaker').map((t) => [t.t, t.from, t.to, t.cause])).toEqual([[30, 'CLOSED', 'OPEN', 'in your onFailure (the call took 10ms)']]);
  });

  it('tells onIgnored, not onFailure, about failures outside recordOn', () => {
    const log: string[] = [];
    const learner = { state: 'CLOSED', tryAcquire: () => true, onSuccess: () => log.push('ok'), onFailure: () => log.push('fail'), onIgnored: () => log.push('ignored') };
    const { bench, policy } = gate(learner);
    policy.wrap(answering(bench, [{ ok: false, error: 'rejected' }]))({ id: 1, startedAt: 0 }, () => {});
    bench.kernel.runUntil(20, 1000);
    expect(log).toEqual(['ignored']);
  });

  it.each([
    ['a missing state', { tryAcquire: () => true, onSuccess() {}, onFailure() {} }, 'your object has no state'],
    ['a state the kind does not have', { state: 'open', tryAcquire: () => true, onSuccess() {}, onFailure() {} }, 'state is "open"; a circuit-breaker is one of CLOSED, OPEN, HALF_OPEN'],
  ] as [string, object, string][])('refuses %s', (_what, learner, message) => {
    expect(() => gate(learner)).toThrow(message);
  });

  it('refuses a tryAcquire that answers nothing', () => {
    const { bench, policy } = gate({ state: 'CLOSED', tryAcquire: () => undefined, onSuccess() {}, onFailure() {} });
    expect(() => policy.wrap(answering(bench, []))({ id: 1, startedAt: 0 }, () => {})).toThrow('tryAcquire returned undefined');
  });

  it('reads state through a getter or a method too', () => {
    class Getter {
      private s = 'CLOSED';
      get state() {
        return this.s;
      }
      tryAcquire() {
        this.s = 'HALF_OPEN';
        return true;
      }
      onSuccess() {}
      onFailure() {}
    }
    const { bench, policy } = gate(new Getter());
    policy.wrap(answering(bench, []))({ id: 1, startedAt: 0 }, () => {});
    expect(bench.transitions('circuit-breaker').map((t) => t.to)).toEqual(['HALF_OPEN']);
    expect(gateContract.shape({ state: () => 'CLOSED', tryAcquire() {} })).toEqual(['your object has no onSuccess() function', 'your object has no onFailure() function']);
  });
});

describe('retry contract', () => {
  it('asks whether and when to retry, runs the timers, and emits retry events', () => {
    const asked: string[] = [];
    const learner = {
      shouldRetry: (attempt: number, failure: string) => (asked.push(`should ${attempt} ${failure}`), attempt < 3),
      nextDelay: (retry: number) => (asked.push(`delay ${retry}`), 100 * retry),
    };
    const { bench, policy } = retry(learner);
    const got: Outcome[] = [];
    policy.wrap(answering(bench, [{ ok: false, error: 'error' }, { ok: false, error: 'timeout' }, { ok: true }]))({ id: 9, startedAt: 0 }, (o) => got.push(o));
    bench.kernel.runUntil(10_000, 1000);
    expect(asked).toEqual(['should 1 error', 'delay 1', 'should 2 timeout', 'delay 2']);
    expect(got).toEqual([{ ok: true }]);
    const events = bench.events.filter((e) => e.kind === 'event').map((e) => [e.t, e.kind === 'event' ? e.data : undefined]);
    expect(events).toEqual([
      [10, { call: 9, attempt: 2, delayMs: 100, after: 'error' }],
      [120, { call: 9, attempt: 3, delayMs: 200, after: 'timeout' }],
    ]);
    expect(retryContract.describeEvent!({ kind: 'event', t: 10, component: 'retry', name: 'retry', data: { call: 9, attempt: 2, delayMs: 100, after: 'error' } })).toBe('call 9: attempt 2 in 100ms (after error)');
  });

  it('hands out the component’s own random stream', () => {
    const draws: number[] = [];
    const { bench, policy } = retry({ shouldRetry: (a: number) => a < 2, nextDelay: (_r: number, random: () => number) => (draws.push(random()), 5) });
    policy.wrap(answering(bench, [{ ok: false, error: 'error' }]))({ id: 1, startedAt: 0 }, () => {});
    bench.kernel.runUntil(100, 1000);
    expect(draws).toEqual([bench.ctx('retry').random.next()]);
  });

  it.each([
    ['shouldRetry answers a string', { shouldRetry: () => 'yes', nextDelay: () => 1 }, 'shouldRetry returned "yes"'],
    ['nextDelay answers NaN', { shouldRetry: () => true, nextDelay: () => NaN }, 'nextDelay(1) returned NaN'],
    ['nextDelay answers a negative time', { shouldRetry: () => true, nextDelay: () => -5 }, 'nextDelay(1) returned -5'],
  ] as [string, object, string][])('refuses it when %s', (_what, learner, message) => {
    const { bench, policy } = retry(learner);
    policy.wrap(answering(bench, [{ ok: false, error: 'error' }]))({ id: 1, startedAt: 0 }, () => {});
    expect(() => bench.kernel.runUntil(100, 1000)).toThrow(message);
  });
});
