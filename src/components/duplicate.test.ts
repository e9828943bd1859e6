import { describe, expect, it } from 'vitest';
import type { Handler, Outcome } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { Duplicate } from './duplicate.js';

describe('duplicate', () => {
  it.each([
    { first: { ok: true }, second: { ok: true }, answer: { ok: true }, at: 10 },
    { first: { ok: false, error: 'error' }, second: { ok: true }, answer: { ok: true }, at: 60 },
    { first: { ok: true }, second: { ok: false, error: 'error' }, answer: { ok: true }, at: 10 },
    { first: { ok: false, error: 'error' }, second: { ok: false, error: 'timeout' }, answer: { ok: false, error: 'timeout' }, at: 60 },
  ] as const)('copies answer $first.ok then $second.ok → the caller gets $answer at $at ms', ({ first, second, answer, at }) => {
    const b = testBench();
    const seen: number[] = [];
    const script: Outcome[] = [first, second];
    const next: Handler = (call, done) => {
      seen.push(call.id);
      const outcome = script[seen.length - 1]!;
      const t = b.kernel.setTimer(10, () => done(outcome));
      return () => t.cancel();
    };
    const answers: { outcome: Outcome; at: number }[] = [];
    new Duplicate('dup', { share: 1, after: 50 }, b.ctx('dup')).wrap(next)({ id: 42, startedAt: 0 }, (outcome) => answers.push({ outcome, at: b.kernel.now() }));
    b.kernel.runUntil(1000);
    expect(seen).toEqual([42, 42]);
    expect(answers).toEqual([{ outcome: answer, at }]);
  });

  it('sends about its share twice', () => {
    const b = testBench();
    let sent = 0;
    const dup = new Duplicate('dup', { share: 0.25, after: 0 }, b.ctx('dup')).wrap((_c, done) => (sent++, done({ ok: true }), () => {}));
    for (let i = 0; i < 4000; i++) dup({ id: i, startedAt: 0 }, () => {});
    b.kernel.runUntil(10);
    expect(sent / 4000).toBeGreaterThan(1.22);
    expect(sent / 4000).toBeLessThan(1.28);
  });
});
