import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../core/kernel.js';
import { admitEntry, MemoryBreakerStore, recordEntry, type Admission } from './breaker-store.js';

const rule = { threshold: 3, openFor: 1000 };
const fresh = () => ({ state: 'CLOSED' as const as 'CLOSED' | 'OPEN' | 'HALF_OPEN', failures: 0, openUntil: 0 });

describe('the shared breaker rule', () => {
  it.each([
    ['CLOSED lets calls through', fresh(), 0, 'pass', 'CLOSED'],
    ['OPEN before openUntil rejects', { state: 'OPEN', failures: 0, openUntil: 500 }, 100, 'reject', 'OPEN'],
    ['OPEN at openUntil hands out the probe', { state: 'OPEN', failures: 0, openUntil: 500 }, 500, 'probe', 'HALF_OPEN'],
    ['HALF_OPEN rejects everyone else', { state: 'HALF_OPEN', failures: 0, openUntil: 500 }, 900, 'reject', 'HALF_OPEN'],
  ] as const)('%s', (_what, entry, now, admission, after) => {
    const e = { ...entry } as ReturnType<typeof fresh>;
    expect(admitEntry(e, now)).toBe(admission);
    expect(e.state).toBe(after);
  });

  it.each([
    ['threshold failures in a row open it', ['f', 'f', 'f'], 'OPEN'],
    ['a success in between starts the count again', ['f', 'f', 's', 'f', 'f'], 'CLOSED'],
  ] as const)('%s', (_what, outcomes, state) => {
    const e = fresh();
    for (const o of outcomes) recordEntry(e, 10, { failed: o === 'f', probe: false }, rule);
    expect(e.state).toBe(state);
  });

  it.each([
    ['a failed probe opens it again for openFor', true, 'OPEN', 2000 + rule.openFor],
    ['a successful probe closes it', false, 'CLOSED', 0],
  ] as const)('%s', (_what, failed, state, openUntil) => {
    const e = { state: 'HALF_OPEN' as 'CLOSED' | 'OPEN' | 'HALF_OPEN', failures: 0, openUntil: 0 };
    recordEntry(e, 2000, { failed, probe: true }, rule);
    expect(e.state).toBe(state);
    if (state === 'OPEN') expect(e.openUntil).toBe(openUntil);
  });

  it('property: however many clients ask at once, an open period hands out at most one probe', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 1, maxLength: 200 }), (times) => {
        const e = { state: 'OPEN' as 'CLOSED' | 'OPEN' | 'HALF_OPEN', failures: 0, openUntil: 1000 };
        const admissions = [...times].sort((a, b) => a - b).map((t) => admitEntry(e, t));
        expect(admissions.filter((a) => a === 'probe').length).toBeLessThanOrEqual(1);
        expect(admissions.filter((a) => a === 'pass')).toEqual([]);
      }),
    );
  });

  it('property: failures from any mix of clients open it after exactly `threshold` in a row', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 50 }), (outcomes) => {
        const e = fresh();
        let run = 0;
        let opened = -1;
        outcomes.forEach((failed, i) => {
          if (opened >= 0) return;
          recordEntry(e, i, { failed, probe: false }, rule);
          run = failed ? run + 1 : 0;
          if (e.state === 'OPEN') opened = i;
        });
        expect(opened >= 0).toBe(outcomes.some((_, i) => i >= rule.threshold - 1 && outcomes.slice(i - rule.threshold + 1, i + 1).every(Boolean)));
      }),
    );
  });

  it('the simulated store answers later, never inside the call', () => {
    const kernel = new Kernel();
    const store = new MemoryBreakerStore(kernel, 1);
    const seen: Admission[] = [];
    store.admit('k', 0, (a) => seen.push(a));
    expect(seen).toEqual([]);
    kernel.runUntil(10, 100);
    expect(seen).toEqual(['pass']);
  });
});
