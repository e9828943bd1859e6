import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Component, Handler, Outcome } from '../core/component.js';
import { Kernel } from '../core/kernel.js';
import { Random } from '../core/random.js';
import { testBench } from '../testing/harness.js';
import { Picker, type Algorithm, type Candidate } from './balancing.js';
import type { InstanceView, ViewListener } from './instance-view.js';
import { LoadBalancer } from './load-balancer.js';
import { OutlierEjection, type EjectionConfig } from './outlier-ejection.js';

const pool = (outstanding: number[], down: number[] = []): Candidate[] => outstanding.map((o, i) => ({ outstanding: o, available: !down.includes(i) }));

describe('picking an instance', () => {
  it.each([
    { what: 'round robin takes them in turn', algorithm: 'round-robin', pool: pool([0, 0, 0]), picks: [0, 1, 2, 0, 1, 2] },
    { what: 'round robin skips the unavailable and keeps its place', algorithm: 'round-robin', pool: pool([0, 0, 0, 0], [1]), picks: [0, 2, 3, 0, 2] },
    { what: 'least outstanding takes the least busy', algorithm: 'least-outstanding', pool: pool([3, 1, 2]), picks: [1, 1, 1] },
    { what: 'least outstanding ignores an unavailable idle one', algorithm: 'least-outstanding', pool: pool([3, 0, 2], [1]), picks: [2, 2] },
    { what: 'p2c with one available takes it', algorithm: 'p2c', pool: pool([5, 0, 0], [1, 2]), picks: [0, 0] },
    { what: 'nobody available: -1', algorithm: 'random', pool: pool([0, 0], [0, 1]), picks: [-1] },
  ] as const)('$what', ({ algorithm, pool, picks }) => {
    const picker = new Picker(algorithm, new Random(1));
    expect(picks.map(() => picker.pick(pool))).toEqual(picks);
  });

  it('p2c never picks the busiest of three with distinct loads', () => {
    const picker = new Picker('p2c', new Random(7));
    const picks = Array.from({ length: 300 }, () => picker.pick(pool([9, 1, 5])));
    expect(picks).not.toContain(0);
    expect(new Set(picks)).toEqual(new Set([1, 2]));
  });

  const algorithmArb = fc.constantFrom<Algorithm>('round-robin', 'random', 'least-outstanding', 'p2c');
  const poolArb = fc.array(fc.record({ outstanding: fc.nat(20), available: fc.boolean() }), { minLength: 1, maxLength: 8 });

  it('property: a pick is always an available instance, and -1 only when none is', () => {
    fc.assert(
      fc.property(algorithmArb, poolArb, fc.integer(), (algorithm, candidates, seed) => {
        const i = new Picker(algorithm, new Random(seed)).pick(candidates);
        if (candidates.some((c) => c.available)) expect(candidates[i]?.available).toBe(true);
        else expect(i).toBe(-1);
      }),
    );
  });

  it('property: least outstanding always picks a minimum among the available', () => {
    fc.assert(
      fc.property(poolArb, fc.integer(), (candidates, seed) => {
        const i = new Picker('least-outstanding', new Random(seed)).pick(candidates);
        const available = candidates.filter((c) => c.available);
        if (available.length > 0) expect(candidates[i]!.outstanding).toBe(Math.min(...available.map((c) => c.outstanding)));
      }),
    );
  });

  it('property: round robin over a fixed pool gives every available instance the same share', () => {
    fc.assert(
      fc.property(poolArb, fc.integer({ min: 1, max: 5 }), (candidates, rounds) => {
        const available = candidates.filter((c) => c.available).length;
        fc.pre(available > 0);
        const picker = new Picker('round-robin', new Random(1));
        const counts = new Map<number, number>();
        for (let k = 0; k < rounds * available; k++) {
          const i = picker.pick(candidates);
          counts.set(i, (counts.get(i) ?? 0) + 1);
        }
        expect([...counts.values()]).toEqual(Array(available).fill(rounds));
      }),
    );
  });
});

const ejectionCfg = (over: Partial<EjectionConfig> = {}): EjectionConfig => ({
  consecutiveFailures: 3,
  baseEjection: 1000,
  maxEjection: 2500,
  maxEjectedShare: 0.5,
  ejectOn: ['error', 'timeout', 'unavailable', 'overloaded'],
  ...over,
});
const OK: Outcome = { ok: true };
const ERR: Outcome = { ok: false, error: 'error' };
const REJ: Outcome = { ok: false, error: 'rejected' };

function ejector(cfg = ejectionCfg(), size = 4) {
  const kernel = new Kernel();
  const log: string[] = [];
  const e = new OutlierEjection(cfg, size, kernel, (m, from, to) => log.push(`${kernel.now()} #${m} ${from}>${to}`));
  return { kernel, e, log };
}

describe('outlier ejection', () => {
  it.each([
    { outcomes: [ERR, ERR], ejected: false, why: 'one below the threshold' },
    { outcomes: [ERR, ERR, ERR], ejected: true, why: 'exactly at the threshold' },
    { outcomes: [ERR, ERR, OK, ERR, ERR], ejected: false, why: 'a success resets the count' },
    { outcomes: [REJ, REJ, REJ], ejected: false, why: 'failures it is not told to count' },
  ])('$why → ejected $ejected', ({ outcomes, ejected }) => {
    const { e } = ejector();
    for (const o of outcomes) e.record(0, o);
    expect(e.isEjected(0)).toBe(ejected);
  });

  it('ejects for base × times ejected, up to the maximum, and forgives after a clean run', () => {
    const { kernel, e, log } = ejector();
    const fail3 = () => [1, 2, 3].forEach(() => e.record(0, ERR));
    fail3();
    kernel.runUntil(5000);
    fail3();
    kernel.runUntil(10_000);
    fail3();
    kernel.runUntil(20_000);
    expect(log).toEqual(['0 #0 ACTIVE>EJECTED', '1000 #0 EJECTED>ACTIVE', '5000 #0 ACTIVE>EJECTED', '7000 #0 EJECTED>ACTIVE', '10000 #0 ACTIVE>EJECTED', '12500 #0 EJECTED>ACTIVE']);
    [1, 2, 3].forEach(() => e.record(0, OK));
    fail3();
    expect(e.remaining(0)).toBe(1000);
  });

  it('never ejects more than its share, though one may always go', () => {
    const { e } = ejector(ejectionCfg({ maxEjectedShare: 0.1 }), 4);
    for (const m of [0, 1]) for (let i = 0; i < 3; i++) e.record(m, ERR);
    expect([e.isEjected(0), e.isEjected(1), e.ejectedCount]).toEqual([true, false, 1]);
  });

  it('property: the ejected count never exceeds the cap, whatever the outcomes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.record({ member: fc.nat(7), failed: fc.boolean(), wait: fc.nat(700) }), { maxLength: 200 }),
        (size, share, script) => {
          const { kernel, e } = ejector(ejectionCfg({ maxEjectedShare: share }), size);
          const cap = Math.max(1, Math.floor(share * size));
          for (const step of script) {
            kernel.runUntil(kernel.now() + step.wait);
            e.record(step.member % size, step.failed ? ERR : OK);
            expect(e.ejectedCount).toBeLessThanOrEqual(cap);
          }
        },
      ),
    );
  });
});

/** Instances that answer after 10 ms with whatever `outcome[name]` says now. */
function instances(kernel: Kernel, names: string[], outcome: Record<string, Outcome> = {}) {
  const calls: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  return {
    calls,
    list: names.map((name) => ({
      name,
      call: ((_c, done) => {
        calls[name]!++;
        const t = kernel.setTimer(10, () => done(outcome[name] ?? OK));
        return () => t.cancel();
      }) as Handler,
    })),
  };
}

class FakeView implements InstanceView {
  readonly kind = 'fake';
  readonly name = 'health';
  private listeners: ViewListener[] = [];
  readonly out = new Set<string>();
  constructor(readonly instances: readonly string[]) {}
  state(): undefined {
    return undefined;
  }
  columns() {
    return {};
  }
  admits(instance: string): boolean {
    return !this.out.has(instance);
  }
  watch(listener: ViewListener): void {
    this.listeners.push(listener);
  }
  set(instance: string, admitted: boolean): void {
    if (admitted) this.out.delete(instance);
    else this.out.add(instance);
    for (const l of this.listeners) l(instance, `${instance} ${admitted ? 'in' : 'out'}`);
  }
}

describe('load balancer', () => {
  const names = ['a', 'b', 'c'];

  function balancer(opts: { outcome?: Record<string, Outcome>; ejection?: EjectionConfig; view?: FakeView } = {}) {
    const b = testBench();
    const inst = instances(b.kernel, names, opts.outcome);
    const lb = new LoadBalancer('lb', { algorithm: 'round-robin', ejection: opts.ejection }, inst.list, opts.view ? [opts.view] : [], b.ctx('lb'));
    const results: Outcome[] = [];
    const send = (n: number) => {
      for (let i = 0; i < n; i++) lb.handle({ id: i, startedAt: b.kernel.now() }, (o) => results.push(o));
      b.kernel.runUntil(b.kernel.now() + 100);
    };
    return { b, lb, inst, results, send };
  }

  it('sends nothing to an instance a monitor does not admit, and says so in its state', () => {
    const view = new FakeView(names);
    const { b, lb, inst, send } = balancer({ view });
    view.set('b', false);
    send(6);
    expect(inst.calls).toEqual({ a: 3, b: 0, c: 3 });
    expect(lb.state()).toBe('DEGRADED');
    view.set('b', true);
    expect(b.transitions('lb').map((t) => `${t.from}>${t.to}`)).toEqual(['BALANCED>DEGRADED', 'DEGRADED>BALANCED']);
  });

  it('refuses at once, as unavailable, when no instance is in rotation', () => {
    const view = new FakeView(names);
    const { lb, results, send, b } = balancer({ view });
    for (const n of names) view.set(n, false);
    send(1);
    expect(results).toEqual([{ ok: false, error: 'unavailable', by: 'lb', detail: 'no instance in rotation' }]);
    expect(lb.state()).toBe('EMPTY');
    expect(b.metrics.counters('lb')).toMatchObject({ calls: 1, noInstance: 1 });
  });

  it('ejects an instance that keeps failing, traced as a member, and takes it back later', () => {
    const { b, lb, inst, send } = balancer({ outcome: { b: ERR }, ejection: ejectionCfg({ consecutiveFailures: 2, baseEjection: 500 }) });
    send(6);
    expect(inst.calls['b']).toBe(2);
    expect(lb.state()).toBe('DEGRADED');
    send(4);
    expect(inst.calls['b']).toBe(2);
    b.kernel.runUntil(1000);
    expect(lb.state()).toBe('BALANCED');
    expect(b.transitions('lb/b').map((t) => `${t.from}>${t.to}`)).toEqual(['ACTIVE>EJECTED', 'EJECTED>ACTIVE']);
  });

  it('a cancelled call no longer counts as outstanding', () => {
    const b = testBench();
    const inst = instances(b.kernel, ['a', 'b']);
    const lb = new LoadBalancer('lb', { algorithm: 'least-outstanding' }, inst.list, [], b.ctx('lb'));
    const cancel = lb.handle({ id: 1, startedAt: 0 }, () => {});
    expect(lb.columns()['busy']).toMatch(/^(1\/0|0\/1)$/);
    cancel();
    expect(lb.columns()['busy']).toBe('0/0');
  });

  it('is a component the run can show', () => {
    const { lb } = balancer();
    const c: Component = lb;
    expect(c.columns()).toMatchObject({ pick: 'round-robin', 'in rotation': '3/3' });
  });
});
