import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Handler, Outcome } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { FixedWindow } from './fixed-window.js';
import { LeakyBucket } from './leaky-bucket.js';
import { jain, RateLimiter, type Bucket, type Decision, type LimiterConfig } from './rate-limit.js';
import { SlidingWindowCounter } from './sliding-window-counter.js';
import { SlidingWindowLog } from './sliding-window-log.js';
import { TokenBucket } from './token-bucket.js';

/** Feeds calls at the given times to one bucket and writes down each answer. */
function feed(bucket: Bucket, times: readonly number[]): Decision[] {
  return times.map((t) => bucket.take(t));
}

const verdicts = (ds: Decision[]) => ds.map((d) => (d.admit ? (d.delay > 0 ? `wait ${d.delay}` : 'ok') : `429 ${d.retryAfter}`));

describe('the algorithms, edge by edge', () => {
  it.each([
    { name: 'fixed window: the limit, then a refusal until the window ends', make: () => new FixedWindow({ limit: 3, window: 1000 }), times: [0, 0, 0, 0, 999, 1000], want: ['ok', 'ok', 'ok', '429 1000', '429 1', 'ok'] },
    { name: 'fixed window: twice the limit across a boundary', make: () => new FixedWindow({ limit: 3, window: 1000 }), times: [998, 998, 998, 1000, 1000, 1000], want: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok'] },
    { name: 'sliding log: a refusal until the oldest call is a window old', make: () => new SlidingWindowLog({ limit: 3, window: 1000 }), times: [0, 100, 200, 300, 999, 1000], want: ['ok', 'ok', 'ok', '429 700', '429 1', 'ok'] },
    { name: 'sliding log: no boundary burst', make: () => new SlidingWindowLog({ limit: 3, window: 1000 }), times: [998, 998, 998, 1000, 1000, 1998], want: ['ok', 'ok', 'ok', '429 998', '429 998', 'ok'] },
    { name: 'sliding counter: the previous window weighs by the share still inside', make: () => new SlidingWindowCounter({ limit: 4, window: 1000 }), times: [0, 0, 0, 0, 1500, 1500, 1500], want: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', '429 250'] },
    { name: 'sliding counter: a full window waits into the next', make: () => new SlidingWindowCounter({ limit: 2, window: 1000 }), times: [900, 900, 900], want: ['ok', 'ok', '429 600'] },
    { name: 'token bucket: a burst up to capacity, then the refill rate', make: () => new TokenBucket({ rate: 2, capacity: 3 }, 0), times: [0, 0, 0, 0, 250, 500], want: ['ok', 'ok', 'ok', '429 500', '429 250', 'ok'] },
    { name: 'leaky bucket: a queue drained every 1/rate, overflow dropped', make: () => new LeakyBucket({ rate: 10, queue: 2 }), times: [0, 0, 0, 0, 100], want: ['ok', 'wait 100', 'wait 200', '429 100', 'wait 200'] },
    { name: 'leaky bucket without a queue polices the rate', make: () => new LeakyBucket({ rate: 10, queue: 0 }), times: [0, 50, 100], want: ['ok', '429 50', 'ok'] },
  ])('$name', ({ make, times, want }) => {
    expect(verdicts(feed(make(), times))).toEqual(want);
  });

  it.each([
    { bucket: new FixedWindow({ limit: 10, window: 1000 }), want: '1/10 in this window' },
    { bucket: new SlidingWindowLog({ limit: 10, window: 1000 }), want: '1/10 in the last 1s' },
    { bucket: new SlidingWindowCounter({ limit: 10, window: 1000 }), want: '~1/10 in the last 1s' },
    { bucket: new TokenBucket({ rate: 1, capacity: 10 }, 0), want: '9/10 tokens' },
    { bucket: new LeakyBucket({ rate: 1, queue: 10 }), want: '0/10 queued' },
  ])('describes itself: $want', ({ bucket, want }) => {
    bucket.take(0);
    expect(bucket.describe(0)).toBe(want);
  });
});

/** Arrival times: sorted, with clumps (several calls at one instant) and gaps. */
const arrivals = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 400 }), fc.double({ min: 0, max: 50, noNaN: true })), { minLength: 1, maxLength: 300 }).map((gaps) => {
  let t = 0;
  return gaps.map((g) => (t += g));
});
const windowParams = fc.record({ limit: fc.integer({ min: 1, max: 12 }), window: fc.integer({ min: 1, max: 2000 }) });

function admittedTimes(bucket: Bucket, times: readonly number[]): number[] {
  return times.filter((t) => bucket.take(t).admit);
}

describe('properties: none admits more than its definition allows', () => {
  it('fixed window: at most `limit` in every clock-aligned window', () => {
    fc.assert(
      fc.property(windowParams, arrivals, (p, times) => {
        const perWindow = new Map<number, number>();
        for (const t of admittedTimes(new FixedWindow(p), times)) {
          const w = Math.floor(t / p.window);
          perWindow.set(w, (perWindow.get(w) ?? 0) + 1);
        }
        for (const n of perWindow.values()) expect(n).toBeLessThanOrEqual(p.limit);
      }),
    );
  });

  it('sliding log: at most `limit` in any window (t − window, t]', () => {
    fc.assert(
      fc.property(windowParams, arrivals, (p, times) => {
        const admitted = admittedTimes(new SlidingWindowLog(p), times);
        for (const t of admitted) {
          expect(admitted.filter((u) => u > t - p.window && u <= t).length).toBeLessThanOrEqual(p.limit);
        }
      }),
    );
  });

  it('sliding counter: at most `limit` per aligned window, and its weighted estimate never passes the limit', () => {
    fc.assert(
      fc.property(windowParams, arrivals, (p, times) => {
        const admitted = admittedTimes(new SlidingWindowCounter(p), times);
        for (const t of admitted) {
          const w = Math.floor(t / p.window);
          const current = admitted.filter((u) => u <= t && Math.floor(u / p.window) === w).length;
          const previous = admitted.filter((u) => Math.floor(u / p.window) === w - 1).length;
          const elapsed = (t - w * p.window) / p.window;
          expect(current).toBeLessThanOrEqual(p.limit);
          expect(previous * (1 - elapsed) + current).toBeLessThanOrEqual(p.limit + 1e-9);
        }
      }),
    );
  });

  it('token bucket: never more than capacity + rate × span over any span', () => {
    fc.assert(
      fc.property(fc.record({ rate: fc.double({ min: 0.1, max: 100, noNaN: true }), capacity: fc.integer({ min: 1, max: 20 }) }), arrivals, (p, times) => {
        const admitted = admittedTimes(new TokenBucket(p, 0), times);
        for (let i = 0; i < admitted.length; i++) {
          for (let j = i; j < admitted.length; j++) {
            expect(j - i + 1).toBeLessThanOrEqual(p.capacity + (p.rate * (admitted[j]! - admitted[i]!)) / 1000 + 1e-6);
          }
        }
      }),
    );
  });

  it('token bucket: a quiet key bursts up to its capacity, and not one call more', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 100, noNaN: true }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 5000 }), (rate, capacity, t0) => {
        const bucket = new TokenBucket({ rate, capacity }, 0);
        bucket.take(0);
        const quiet = t0 + (capacity * 1000) / rate;
        const burst = feed(bucket, Array(capacity + 1).fill(quiet));
        expect(burst.filter((d) => d.admit).length).toBe(capacity);
        expect(burst[capacity]!.admit).toBe(false);
      }),
    );
  });

  it('leaky bucket: calls leave at least 1/rate apart, and never more than `queue` wait', () => {
    fc.assert(
      fc.property(fc.record({ rate: fc.double({ min: 0.5, max: 200, noNaN: true }), queue: fc.integer({ min: 0, max: 10 }) }), arrivals, (p, times) => {
        const bucket = new LeakyBucket(p);
        const departures: number[] = [];
        for (const t of times) {
          const d = bucket.take(t);
          if (d.admit) departures.push(t + d.delay);
          expect(departures.filter((x) => x > t).length).toBeLessThanOrEqual(p.queue);
        }
        for (let i = 1; i < departures.length; i++) {
          expect(departures[i]! - departures[i - 1]!).toBeGreaterThanOrEqual(1000 / p.rate - 1e-6);
        }
      }),
    );
  });

  it('every refusal says when to come back, and a call then is admitted', () => {
    const makers: (() => Bucket)[] = [
      () => new FixedWindow({ limit: 3, window: 700 }),
      () => new SlidingWindowLog({ limit: 3, window: 700 }),
      () => new SlidingWindowCounter({ limit: 3, window: 700 }),
      () => new TokenBucket({ rate: 4, capacity: 3 }, 0),
      () => new LeakyBucket({ rate: 4, queue: 2 }),
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: makers.length - 1 }), arrivals, (which, times) => {
        const bucket = makers[which]!();
        for (const t of times) {
          const d = bucket.take(t);
          if (d.admit) continue;
          expect(d.retryAfter).toBeGreaterThanOrEqual(0);
          expect(bucket.take(t + d.retryAfter + 1e-6).admit).toBe(true);
          return;
        }
      }),
    );
  });
});

function limiter(cfg: Partial<LimiterConfig<{ limit: number; window: number }>> = {}) {
  const b = testBench();
  const rl = new RateLimiter('fixed-window', 'limiter', { params: { limit: 2, window: 1000 }, ...cfg }, (p) => new FixedWindow(p), b.ctx('limiter'));
  const sent: number[] = [];
  const dep: Handler = (call, done) => {
    sent.push(call.id);
    done({ ok: true });
    return () => {};
  };
  const handler = rl.wrap(dep);
  const call = (id: number, tags?: Record<string, string>): Outcome => {
    let out: Outcome | undefined;
    handler({ id, startedAt: b.kernel.now(), ...(tags ? { tags } : {}) }, (o) => (out = o));
    return out!;
  };
  return { b, rl, call, sent };
}

describe('the rate limiter policy', () => {
  it('refuses with 429 and a Retry-After, naming itself', () => {
    const { call } = limiter();
    call(1);
    call(2);
    expect(call(3)).toEqual({ ok: false, error: 'rejected', by: 'limiter', detail: '429 too many requests (everyone)', retryAfterMs: 1000 });
  });

  it.each([
    { what: 'one bucket for everyone', cfg: {}, calls: [['user-1'], ['user-2'], ['user-3']], admitted: 2 },
    { what: 'a bucket per user', cfg: { key: 'user' }, calls: [['user-1'], ['user-2'], ['user-3'], ['user-1'], ['user-1']], admitted: 4 },
    { what: 'calls without the key share one bucket', cfg: { key: 'user' }, calls: [[], [], []], admitted: 2 },
  ])('$what', ({ cfg, calls, admitted }) => {
    const { call, sent } = limiter(cfg);
    calls.forEach(([user], i) => call(i, user ? { user } : {}));
    expect(sent.length).toBe(admitted);
  });

  it('a class gets its own limit, over the defaults', () => {
    const { call, sent } = limiter({ key: 'user', classes: { by: 'tier', limits: { premium: { limit: 5 } } } });
    for (let i = 0; i < 10; i++) call(i, { user: 'u', tier: 'premium' });
    for (let i = 0; i < 10; i++) call(100 + i, { user: 'v', tier: 'free' });
    expect(sent.filter((id) => id < 100).length).toBe(5);
    expect(sent.filter((id) => id >= 100).length).toBe(2);
  });

  it('is LIMITING while it refuses, and settles back after a quiet second', () => {
    const { b, call, rl } = limiter();
    call(1);
    call(2);
    call(3);
    expect(rl.state()).toBe('LIMITING');
    b.kernel.runUntil(500);
    call(4);
    b.kernel.runUntil(1400);
    expect(rl.state()).toBe('LIMITING');
    b.kernel.runUntil(1600);
    expect(rl.state()).toBe('ADMITTING');
    expect(b.transitions('limiter').map((t) => `${t.from}→${t.to}: ${t.cause}`)).toEqual([
      'ADMITTING→LIMITING: refused everyone: 2/2 in this window; retry after 1s',
      'LIMITING→ADMITTING: nothing refused for 1s',
    ]);
  });

  it('reports the largest burst per key and the fairness between limited keys', () => {
    const { call, rl } = limiter({ key: 'user' });
    for (let i = 0; i < 4; i++) call(i, { user: 'a' });
    for (let i = 0; i < 4; i++) call(10 + i, { user: 'b' });
    expect(rl.report()).toEqual({ admitted: 4, rejected: 4, 'largest burst': '2/s (a)', 'keys limited': '2 of 2', fairness: '1.00' });
  });

  it('a leaky bucket holds a call until its turn; a caller who gives up is not sent', () => {
    const b = testBench();
    const rl = new RateLimiter('leaky-bucket', 'leaky', { params: { rate: 10, queue: 5 } }, (p) => new LeakyBucket(p), b.ctx('leaky'));
    const sentAt: number[] = [];
    const handler = rl.wrap((_call, done) => {
      sentAt.push(b.kernel.now());
      done({ ok: true });
      return () => {};
    });
    const cancels = [1, 2, 3].map((id) => handler({ id, startedAt: 0 }, () => {}));
    cancels[1]!();
    b.kernel.runUntil(1000);
    expect(sentAt).toEqual([0, 200]);
  });
});

describe('fairness index', () => {
  it.each([
    { values: [5, 5, 5], want: 1 },
    { values: [10, 0], want: 0.5 },
    { values: [3, 1], want: 0.8 },
  ])('$values → $want', ({ values, want }) => {
    expect(jain(values)).toBeCloseTo(want);
  });
});
