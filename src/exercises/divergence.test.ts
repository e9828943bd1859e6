import { describe, expect, it } from 'vitest';
import { firstDivergence, StepRecorder, type Step } from './divergence.js';

const s = (t: number, component: string, what: string, cause?: string): Step => ({ t, component, what, cause });

describe('firstDivergence', () => {
  const base = [s(15_000, 'payment', 'UP → DOWN'), s(16_046, 'breaker', 'CLOSED → OPEN', '5 in a row')];
  it.each([
    ['identical runs', base, base, undefined],
    ['causes are shown, not compared', base, [base[0]!, s(16_046, 'breaker', 'CLOSED → OPEN', 'in your onFailure')], undefined],
    ['sub-microsecond noise is the same time', base, [base[0]!, s(16_046.0000004, 'breaker', 'CLOSED → OPEN')], undefined],
    ['a later transition', base, [base[0]!, s(16_100, 'breaker', 'CLOSED → OPEN')], { agreed: 1, yours: s(16_100, 'breaker', 'CLOSED → OPEN'), reference: base[1] }],
    ['another state', base, [base[0]!, s(16_046, 'breaker', 'CLOSED → HALF_OPEN')], { agreed: 1, yours: s(16_046, 'breaker', 'CLOSED → HALF_OPEN'), reference: base[1] }],
    ['yours stops early', base, [base[0]!], { agreed: 1, yours: undefined, reference: base[1] }],
    ['yours goes on', base, [...base, s(21_000, 'breaker', 'OPEN → HALF_OPEN')], { agreed: 2, yours: s(21_000, 'breaker', 'OPEN → HALF_OPEN'), reference: undefined }],
    ['differs at once', base, [s(1, 'x', 'A → B')], { agreed: 0, yours: s(1, 'x', 'A → B'), reference: base[0] }],
  ] as const)('%s', (_name, reference, yours, expected) => {
    expect(firstDivergence(yours as Step[], reference as Step[])).toEqual(expected);
  });
});

describe('StepRecorder', () => {
  it('keeps every transition and only the described events of its component', () => {
    const r = new StepRecorder('retry', (ev) => (ev.name === 'retry' ? `attempt ${String(ev.data?.['attempt'])}` : undefined));
    r.listener({ kind: 'transition', t: 1, component: 'payment', from: 'UP', to: 'DOWN', cause: 'fault' });
    r.listener({ kind: 'event', t: 2, component: 'retry', name: 'retry', data: { attempt: 2 } });
    r.listener({ kind: 'event', t: 3, component: 'retry', name: 'other' });
    r.listener({ kind: 'event', t: 4, component: 'elsewhere', name: 'retry', data: { attempt: 3 } });
    r.listener({ kind: 'fault', t: 5, phase: 'start', id: 'x', fault: 'outage', target: 'payment', description: 'down' });
    expect(r.steps).toEqual([
      { t: 1, component: 'payment', what: 'UP → DOWN', cause: 'fault' },
      { t: 2, component: 'retry', what: 'attempt 2' },
    ]);
  });
});
