import { describe, expect, it } from 'vitest';
import type { Outcome } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { rateAt } from './load.js';
import { Service, type ServiceConfig } from './service.js';

function service(cfg: Partial<ServiceConfig> = {}) {
  const b = testBench();
  const s = new Service('svc', { latency: { dist: 'constant', value: 100 }, errorRate: 0, queue: 1000, ...cfg }, b.ctx('svc'));
  const results: { outcome: Outcome; at: number }[] = [];
  const call = (id: number) => s.handle({ id, startedAt: b.kernel.now() }, (outcome) => results.push({ outcome, at: b.kernel.now() }));
  return { s, b, call, results };
}

describe('service', () => {
  it('serves up to `concurrency` at once and queues the rest, so latency grows with load', () => {
    const { b, call, results } = service({ concurrency: 2 });
    for (let i = 0; i < 5; i++) call(i);
    b.kernel.runUntil(1000);
    expect(results.map((r) => r.at)).toEqual([100, 100, 200, 200, 300]);
  });

  it('refuses calls beyond the queue as overloaded', () => {
    const { b, call, results } = service({ concurrency: 1, queue: 1 });
    for (let i = 0; i < 3; i++) call(i);
    b.kernel.runUntil(1000);
    expect(results.map((r) => r.outcome)).toEqual([{ ok: false, error: 'overloaded' }, { ok: true }, { ok: true }]);
  });

  it('an outage in fail mode refuses at once and resets open calls', () => {
    const { s, b, call, results } = service();
    call(1);
    b.kernel.runUntil(50);
    const undo = s.impose({ down: 'fail' }, 'fault outage');
    call(2);
    expect(results.map((r) => [r.outcome, r.at])).toEqual([
      [{ ok: false, error: 'unavailable' }, 50],
      [{ ok: false, error: 'unavailable' }, 50],
    ]);
    undo();
    expect(b.transitions('svc').map((t) => `${t.from}>${t.to}: ${t.cause}`)).toEqual(['UP>DOWN: fault outage started', 'DOWN>UP: fault outage ended']);
  });

  it('an outage in hang mode answers nothing until it ends, then resets', () => {
    const { s, b, call, results } = service();
    call(1);
    b.kernel.runUntil(50);
    const undo = s.impose({ down: 'hang' }, 'fault outage');
    call(2);
    b.kernel.runUntil(5000);
    expect(results).toEqual([]);
    undo();
    expect(results.map((r) => r.outcome)).toEqual([
      { ok: false, error: 'unavailable' },
      { ok: false, error: 'unavailable' },
    ]);
  });

  it('a latency fault multiplies and adds', () => {
    const { s, b, call, results } = service();
    s.impose({ latencyFactor: 3, latencyAdd: 50 }, 'fault slow');
    call(1);
    b.kernel.runUntil(1000);
    expect(results[0]!.at).toBe(350);
    expect(s.state()).toBe('SLOW');
  });

  it('error-rate faults stack with the base rate', () => {
    const { s, b, call, results } = service({ errorRate: 0 });
    s.impose({ errorRate: 1 }, 'fault errors');
    call(1);
    b.kernel.runUntil(1000);
    expect(results[0]!.outcome).toEqual({ ok: false, error: 'error' });
    expect(s.state()).toBe('FLAKY');
  });
});

describe('service: planned stops, watchers and effects', () => {
  it('a stop finishes the calls it has, refuses new ones, and tells its watchers', () => {
    const { s, b, call, results } = service();
    const seen: string[] = [];
    s.watch((state, cause) => seen.push(`${state}: ${cause}`));
    call(1);
    b.kernel.runUntil(50);
    const undo = s.impose({ down: 'stop' }, 'fault deploy');
    call(2);
    b.kernel.runUntil(500);
    undo();
    expect(results.map((r) => [r.outcome, r.at])).toEqual([
      [{ ok: false, error: 'unavailable' }, 50],
      [{ ok: true }, 100],
    ]);
    expect(seen).toEqual(['STOPPED: fault deploy started', 'UP: fault deploy ended']);
  });

  it.each([
    { faults: ['stop', 'hang'] as const, state: 'DOWN', hung: true },
    { faults: ['hang', 'stop'] as const, state: 'DOWN', hung: true },
    { faults: ['stop', 'fail'] as const, state: 'DOWN', hung: false },
    { faults: ['stop'] as const, state: 'STOPPED', hung: false },
  ])('overlapping $faults: the harsher decides ($state)', ({ faults, state, hung }) => {
    const { s } = service();
    for (const down of faults) s.impose({ down }, `fault ${down}`);
    expect(s.health()).toEqual({ state, hung, saturated: false });
  });

  it('a hang that gives way to a stop resets the hung calls', () => {
    const { s, b, call, results } = service();
    const undoHang = s.impose({ down: 'hang' }, 'fault hang');
    s.impose({ down: 'stop' }, 'fault stop');
    call(1);
    undoHang();
    b.kernel.runUntil(500);
    expect(results.map((r) => r.outcome)).toEqual([{ ok: false, error: 'unavailable' }]);
    expect(s.state()).toBe('STOPPED');
  });

  it('counts effects per call id: the same id succeeding twice is a duplicate effect', () => {
    const { b, call } = service({ effects: true });
    for (const id of [1, 2, 1, 3, 1]) call(id);
    b.kernel.runUntil(1000);
    expect(b.metrics.counters('svc')).toMatchObject({ effects: 5, uniqueEffects: 3, duplicateEffects: 2 });
  });

  it('reports saturation to a readiness check while calls queue', () => {
    const { s, b, call } = service({ concurrency: 1 });
    call(1);
    expect(s.health().saturated).toBe(false);
    call(2);
    expect(s.health().saturated).toBe(true);
    b.kernel.runUntil(1000);
    expect(s.health().saturated).toBe(false);
  });
});

describe('load profile', () => {
  const steps = [
    { at: 0, rate: 10, ramp: 0 },
    { at: 10_000, rate: 110, ramp: 10_000 },
  ];
  it.each([
    [0, 10],
    [9_999, 10],
    [10_000, 10],
    [15_000, 60],
    [20_000, 110],
    [99_000, 110],
  ])('at %i ms the rate is %i/s', (t, rate) => {
    expect(rateAt(steps, t)).toBeCloseTo(rate);
  });

  it.each([
    { draws: 'per-call' as const, same: true },
    { draws: 'sequential' as const, same: false },
  ])('draws $draws: copies of one call arriving together meet the same fate: $same', ({ draws, same }) => {
    const { s, b } = service({ latency: { dist: 'lognormal', median: 50, sigma: 1 }, errorRate: 0.5, draws });
    const fates: string[][] = [[], []];
    for (let id = 1; id <= 20; id++) {
      for (const copy of [0, 1]) s.handle({ id, startedAt: 0 }, (o) => (fates[copy]![id] = `${o.ok}@${b.kernel.now()}`));
    }
    b.kernel.runUntil(100_000);
    expect(fates[0]!.join() === fates[1]!.join()).toBe(same);
  });
});
