import { describe, expect, it } from 'vitest';
import { testBench } from '../testing/harness.js';
import { SettledState } from './settled-state.js';

type Level = 'CALM' | 'BUSY' | 'FULL';

/** Observations at given times, then the transitions they caused, as "t FROM→TO". */
function run(observed: [number, Level][], until = 10_000): string[] {
  const b = testBench();
  const ctx = b.ctx('x');
  const state = new SettledState<Level>(['CALM', 'BUSY', 'FULL'], 1000, ctx, (from) => `no ${from.toLowerCase()}`);
  for (const [t, level] of observed) b.kernel.at(t, () => state.observe(level, () => `saw ${level}`));
  b.kernel.runUntil(until);
  return b.transitions('x').map((e) => `${e.t} ${e.from}→${e.to}: ${e.cause}`);
}

describe('settled state', () => {
  it.each([
    { what: 'rises at once and falls a quiet second later', observed: [[100, 'BUSY']] as [number, Level][], want: ['100 CALM→BUSY: saw BUSY', '1100 BUSY→CALM: no busy for 1s'] },
    { what: 'stays up while it keeps happening', observed: [[0, 'BUSY'], [900, 'BUSY'], [1800, 'BUSY']] as [number, Level][], want: ['0 CALM→BUSY: saw BUSY', '2800 BUSY→CALM: no busy for 1s'] },
    { what: 'jumps levels, and falls to the level still seen', observed: [[0, 'FULL'], [500, 'BUSY'], [1200, 'BUSY']] as [number, Level][], want: ['0 CALM→FULL: saw FULL', '1000 FULL→BUSY: no full for 1s', '2200 BUSY→CALM: no busy for 1s'] },
    { what: 'ignores the calmest level', observed: [[0, 'CALM']] as [number, Level][], want: [] },
  ])('$what', ({ observed, want }) => {
    expect(run(observed)).toEqual(want);
  });
});
