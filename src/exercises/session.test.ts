import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../scenario/load.js';
import { retryContract } from './contracts/retry.js';
import { inProcessHost, LearnerCalls } from './learner.js';
import { checkSeed, factoryOf } from './session.js';
import { parseHints } from './templates.js';

const make = () => ({});
class Made {}

describe('factoryOf', () => {
  it.each([
    ['an ES default export', { default: make }, make],
    ['a default export compiled to CommonJS', { default: { default: make } }, make],
    ['a named create', { create: make }, make],
    ['a class', { default: Made }, Made],
    ['nothing callable', { default: { x: 1 } }, undefined],
    ['no module at all', undefined, undefined],
  ])('finds %s', (_what, mod, expected) => {
    expect(factoryOf(mod)).toBe(expected);
  });
});

/** A retry against a service that refuses at once, with no network delay: time cannot pass if retries never stop. */
const tight = loadScenarioText(
  'tight.yaml',
  `
name: tight
title: retries with no delay against a dead service
pattern: retry
goal: shows what a retry that never stops does to the simulation
duration: 2s
components:
  dead: { kind: service }
  retry: { kind: retry, implementation: ./starter.ts, maxAttempts: 3 }
  caller: { kind: client, calls: dead, via: [retry] }
  load: { kind: load, target: caller, rate: 10/s }
faults:
  - { kind: outage, target: dead, at: 0s, mode: fail }
expect:
  - says: nothing gets through
    metric: caller.ok
    atMost: 0
`,
);

const calls = () => new LearnerCalls(inProcessHost, () => false);
const run = (learner: object) => checkSeed(tight, { component: 'retry', contract: retryContract, loadModule: async () => ({ default: () => learner }), calls: calls() });

describe('checkSeed', () => {
  it('runs the learner beside the built-in and compares them step by step', async () => {
    const r = await run({ shouldRetry: (a: number) => a < 3, nextDelay: (_n: number, random: () => number) => random() * 100 * 2 ** (_n - 1) });
    expect(r.passed).toBe(true);
    expect(r.fault).toBeUndefined();
    expect(r.divergence).toBeUndefined();
    expect(r.expectations.map((e) => [e.passed, e.reference.passed])).toEqual([[true, true]]);
  });

  it('points at the first retry that differs', async () => {
    const r = await run({ shouldRetry: (a: number) => a < 3, nextDelay: () => 50 });
    expect(r.passed).toBe(true);
    expect(r.divergence?.agreed).toBe(1); // dead: UP → DOWN, in both
    expect(r.divergence?.yours?.what).toMatch(/^call \d+: attempt 2 in 50ms \(after unavailable\)$/);
    expect(r.divergence?.reference?.what).toMatch(/^call \d+: attempt 2 in [\d.]+ms \(after unavailable\)$/);
  });

  it('reports a learner that keeps the simulation from advancing', async () => {
    const r = await run({ shouldRetry: () => true, nextDelay: () => 0 });
    expect(r.passed).toBe(false);
    expect(r.fault).toMatchObject({ kind: 'stuck' });
    expect(r.fault?.message).toContain('shouldRetry kept saying yes, with a delay of 0?');
  });

  it('reports a factory that returns the wrong shape', async () => {
    const r = await run({ shouldRetry: () => true });
    expect(r.fault).toMatchObject({ kind: 'shape', message: 'your object has no nextDelay() function' });
    expect(r.reference.passed).toBe(true);
  });
});

describe('parseHints', () => {
  it('takes each ## section as one hint, in order', () => {
    expect(parseHints('# Hints\nintro\n\n## First\nDo this.\n\n## Second\nThen that.\n```\ncode\n```\n')).toEqual([
      { title: 'First', body: 'Do this.' },
      { title: 'Second', body: 'Then that.\n```\ncode\n```' },
    ]);
  });
});
