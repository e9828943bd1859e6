import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Handler, Outcome, Policy } from '../../core/component.js';
import { bulkheadKind } from '../../patterns/bulkhead.js';
import { circuitBreakerKind } from '../../patterns/circuit-breaker.js';
import { LeakyBucket, leakyBucketKind } from '../../patterns/leaky-bucket.js';
import type { Bucket } from '../../patterns/rate-limit.js';
import { retryKind } from '../../patterns/retry.js';
import { TokenBucket, tokenBucketKind } from '../../patterns/token-bucket.js';
import { testBench } from '../../testing/harness.js';
import { inProcessHost, LearnerCalls } from '../learner.js';
import { bucketContract } from './bucket.js';
import { gateContract } from './gate.js';
import { retryContract } from './retry.js';
import { slotsContract } from './slots.js';
import type { ComponentKind, Resolver } from '../../components/kind.js';
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
function standIn(contract: Contract, kind: ComponentKind, config: unknown, learner: object, bench = testBench()) {
  const spec = { name: kind.kind, kind: kind.kind, config };
  const policy = contract.build(learner, { spec, ctx: bench.ctx(kind.kind), kind, calls, resolve: {} as Resolver }) as Policy;
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

/** Calls arriving at the given times through `policy`, each answered by a dependency after 10 ms; what each caller got, and when. */
function drive(bench: ReturnType<typeof testBench>, policy: Policy, arrivals: readonly number[], latency = 10): string[] {
  const handler = policy.wrap(answering(bench, [], latency));
  const got: string[] = [];
  arrivals.forEach((t, id) =>
    bench.kernel.at(t, () => {
      handler({ id, startedAt: t }, (o) => got.push(`${id}@${bench.kernel.now()}: ${o.ok ? 'ok' : `${o.error} ${o.retryAfterMs ?? ''}`.trim()}`));
    }),
  );
  bench.kernel.runUntil(1_000_000, 100_000);
  return got;
}

/** A learner's bucket that answers as a built-in one decides: the reference solutions in miniature. */
const answeringAs = (bucket: Bucket) => ({
  tryTake: (now: number) => {
    const d = bucket.take(now);
    return d.admit ? (d.delay > 0 ? { wait: d.delay } : true) : { retryAfter: d.retryAfter };
  },
});

describe('bucket contract', () => {
  const leaky = leakyBucketKind.schema.parse({ kind: 'leaky-bucket', rate: '10/s', queue: 1 });
  const token = tokenBucketKind.schema.parse({ kind: 'token-bucket', rate: '10/s', capacity: 2 });
  const bucket = (learner: object, config: unknown = leaky, kind: unknown = leakyBucketKind) => standIn(bucketContract, kind as ComponentKind, config, learner);

  it('asks tryTake about each call: true goes now, { wait } goes later, { retryAfter } is a 429 that says when', () => {
    const answers: unknown[] = [true, { wait: 50 }, { retryAfter: 80 }];
    const asked: number[] = [];
    const { bench, policy } = bucket({ tryTake: (now: number) => (asked.push(now), answers.shift()) });
    expect(drive(bench, policy, [0, 1, 2])).toEqual(['2@2: rejected 80', '0@10: ok', '1@61: ok']);
    expect(asked).toEqual([0, 1, 2]);
    expect(bench.metrics.gauge('leaky-bucket', 'queued')!.max).toBe(1);
    expect(bench.transitions('leaky-bucket').map((t) => [t.t, t.to, t.cause])).toEqual([
      [2, 'LIMITING', 'refused everyone: 1 queued, in your tryTake; retry after 80ms'],
      [1002, 'ADMITTING', 'nothing refused for 1s'],
    ]);
  });

  it.each([
    ['a token bucket', tokenBucketKind, token, () => new TokenBucket({ rate: token.rate, capacity: token.capacity }, 0)],
    ['a leaky bucket', leakyBucketKind, leaky, () => new LeakyBucket({ rate: leaky.rate, queue: leaky.queue })],
  ] as [string, ComponentKind, object, () => Bucket][])('stands in for %s without changing a thing: same answers, same times, same states', (_name, kind, config, make) => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 40 }), (gaps) => {
        const arrivals = gaps.map((_, i) => gaps.slice(0, i + 1).reduce((a, b) => a + b, 0));
        const builtIn = testBench();
        const reference = kind.create(config, builtIn.ctx(kind.kind), {} as Resolver) as Policy; // limiters resolve nothing
        const { bench, policy } = bucket(answeringAs(make()), config, kind);
        expect(drive(bench, policy, arrivals)).toEqual(drive(builtIn, reference, arrivals));
        expect(bench.transitions().map((t) => [t.t, t.to])).toEqual(builtIn.transitions().map((t) => [t.t, t.to]));
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['false', false],
    ['a bare number', 5],
    ['a negative wait', { wait: -1 }],
    ['NaN', { retryAfter: NaN }],
    ['both at once', { wait: 1, retryAfter: 1 }],
    ['nothing', undefined],
  ])('refuses %s', (_what, answer) => {
    const { bench, policy } = bucket({ tryTake: () => answer });
    expect(() => drive(bench, policy, [0])).toThrow('tryTake returned');
  });

  it('refuses a scenario that asks for a bucket per key: the factory made one', () => {
    const keyed = leakyBucketKind.schema.parse({ kind: 'leaky-bucket', rate: '10/s', queue: 1, key: 'user' });
    expect(() => bucket({ tryTake: () => true }, keyed)).toThrow('your bucket is one for everyone: remove `key:`');
  });
});

describe('slots contract', () => {
  const slots = (learner: object, queueTimeout = '50ms') =>
    standIn(slotsContract, bulkheadKind as unknown as ComponentKind, bulkheadKind.schema.parse({ kind: 'bulkhead', maxConcurrent: 1, queue: 1, queueTimeout }), learner);
  /** A learner that logs what it is told and answers from its script. */
  const scripted = (acquire: string[], release: (number | undefined)[], log: string[]) => ({
    acquire: (ticket: number, now: number) => (log.push(`acquire ${ticket}@${now}`), acquire.shift()),
    release: (now: number) => (log.push(`release@${now}`), release.shift()),
    leave: (ticket: number, now: number) => log.push(`leave ${ticket}@${now}`),
  });

  it('runs, queues and refuses as told, hands a freed slot to the ticket release names, and reports who left', () => {
    const log: string[] = [];
    const { bench, policy } = slots(scripted(['run', 'wait', 'refuse', 'wait'], [2, undefined], log), '150ms');
    expect(drive(bench, policy, [0, 1, 2, 3], 100)).toEqual(['2@2: rejected', '0@100: ok', '3@153: rejected', '1@200: ok']);
    expect(log).toEqual(['acquire 1@0', 'acquire 2@1', 'acquire 3@2', 'acquire 4@3', 'release@100', 'leave 4@153', 'release@200']);
    expect(bench.transitions('bulkhead').map((t) => t.to)).toEqual(['QUEUEING', 'REJECTING', 'ACCEPTING']);
    expect(bench.metrics.histogram('bulkhead', 'wait')!.total.max).toBe(99);
  });

  it.each([
    ['acquire answers something else', { acquire: () => 'yes' }, "acquire(1) returned \"yes\": answer 'run'"],
    ['release names a call that left', { acquire: (t: number) => (t === 1 ? 'run' : 'wait'), release: () => 2 }, 'release returned 2, but call 2 left the queue at 0.051s'],
    ['release names a call that never waited', { acquire: () => 'run', release: () => 7 }, 'release returned 7, but that is not a call waiting for a slot, and no call is waiting now'],
  ] as [string, object, string][])('refuses it when %s', (_what, answers, message) => {
    const { bench, policy } = slots({ release: () => undefined, leave() {}, ...answers });
    expect(() => drive(bench, policy, [0, 1], 100)).toThrow(message);
  });

  it('wants all three functions', () => {
    expect(slotsContract.shape({ acquire() {} })).toEqual(['your object has no release() function', 'your object has no leave() function']);
  });
});
