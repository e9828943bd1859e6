import { describe, expect, it } from 'vitest';
import type { Handler, Outcome } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { ScatterGather } from './scatter-gather.js';

/** A recipient that answers after `ms` with `outcome`. */
function after(b: ReturnType<typeof testBench>, ms: number, outcome: Outcome = { ok: true }): Handler {
  return (_call, done) => {
    const t = b.kernel.setTimer(ms, () => done(outcome));
    return () => t.cancel();
  };
}

describe('scatter-gather', () => {
  it.each([
    { deadline: 100, need: 1, answered: true, at: 100, replies: 2, late: 1 },
    { deadline: 100, need: 3, answered: false, at: 100, replies: 2, late: 1 },
    { deadline: undefined, need: 3, answered: true, at: 300, replies: 3, late: 0 },
    { deadline: 500, need: 1, answered: true, at: 300, replies: 3, late: 0 },
  ])('deadline $deadline, need $need: answered $answered at $at ms with $replies replies', ({ deadline, need, answered, at, replies, late }) => {
    const b = testBench();
    const sg = new ScatterGather('q', [10, 50, 300].map((ms, i) => ({ name: `r${i}`, handle: after(b, ms) })), { deadline, need }, b.ctx('q'));
    let result: { outcome: Outcome; t: number } | undefined;
    sg.handle({ id: 1, startedAt: 0 }, (outcome) => (result = { outcome, t: b.kernel.now() }));
    b.kernel.runUntil(1000);
    expect(result).toEqual({ outcome: answered ? { ok: true } : expect.objectContaining({ ok: false, error: 'timeout' }), t: at });
    expect(b.metrics.counters('q')).toMatchObject({ replies, late });
  });

  it('a failed recipient is not a reply', () => {
    const b = testBench();
    const sg = new ScatterGather('q', [after(b, 10, { ok: false, error: 'error' }), after(b, 20)].map((handle, i) => ({ name: `r${i}`, handle })), { need: 2 }, b.ctx('q'));
    let outcome: Outcome | undefined;
    sg.handle({ id: 1, startedAt: 0 }, (o) => (outcome = o));
    b.kernel.runUntil(100);
    expect(outcome).toMatchObject({ ok: false });
    expect(b.metrics.counters('q')).toMatchObject({ replies: 1, failures: 1, unanswered: 1 });
  });
});
