/**
 * The fence contract (leader election's storage check): answering as the built-in fencing
 * does, the run is the built-in run; the typical mistakes show in the figures and in the
 * first difference.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../scenario/load.js';
import { inProcessHost, LearnerCalls } from '../learner.js';
import { checkSeed } from '../session.js';
import { fenceContract } from './fence.js';

const scenario = loadScenarioText(
  'fence.yaml',
  `
name: fence
title: a paused and a cut-off leader
pattern: leader-election
goal: one writer per term
seed: 3
duration: 28s
components:
  election: { kind: leader-election, implementation: ./starter.ts, candidates: 3, ttl: 3s, renewEvery: 1s, writeEvery: 200ms, latency: 5ms }
faults:
  - { kind: pause, target: election, at: 5s, for: 5s }
  - { kind: partition, target: election, at: 15s, for: 6s }
expect:
  - { id: split, says: one writer per term, metric: election.splitTerms, equals: 0 }
  - { id: stale, says: no stale write, metric: election.staleAccepted, equals: 0 }
  - { id: fenced, says: late writes refused, metric: election.rejected, atLeast: 2 }
  - { id: writes, says: the leaders write, metric: election.accepted, atLeast: 100 }
`,
);

const run = (learner: object) =>
  checkSeed(scenario, { component: 'election', contract: fenceContract, loadModule: async () => ({ default: () => learner }), calls: new LearnerCalls(inProcessHost, () => false) });

/** A storage that remembers one term: `refuse` says which writes it refuses, `remember` what it keeps. */
const storage = (refuse: (term: number, kept: number) => boolean, remember: (term: number, kept: number, refused: boolean) => number) => {
  let kept = 0;
  return {
    write: (_writer: string, term: number) => {
      const refused = refuse(term, kept);
      kept = remember(term, kept, refused);
      return refused ? 'reject' : 'accept';
    },
  };
};

describe('fence contract', () => {
  it('answering as the built-in fencing does, the run is the built-in run, step for step', async () => {
    const r = await run(storage((t, k) => t < k, (t, k, refused) => (refused ? k : t)));
    expect(r.fault).toBeUndefined();
    expect(r.divergence).toBeUndefined();
    expect(r.passed).toBe(true);
    expect(r.steps.yours).toBeGreaterThan(10);
  });

  it.each([
    ['accepts everything', { write: () => 'accept' }, ['split', 'stale', 'fenced'], /accepted after term \d wrote/],
    ['refuses the same term too (<= for <)', storage((t, k) => t <= k, (t, k, refused) => (refused ? k : t)), ['writes'], /refused/],
    ['remembers the last term, not the highest', storage((t, k) => t < k, (t) => t), ['split', 'stale'], /accepted after term \d wrote/],
  ] as [string, object, string[], RegExp][])('a storage that %s fails its expectations', async (_what, learner, failing, step) => {
    const r = await run(learner);
    expect(r.fault).toBeUndefined();
    expect(r.expectations.filter((e) => !e.passed).map((e) => e.id)).toEqual(failing);
    expect(r.divergence?.yours?.what).toMatch(step);
  });

  it('refuses an answer that is neither', async () => {
    const r = await run({ write: () => true });
    expect(r.fault).toMatchObject({ kind: 'invalid', hook: 'write', message: expect.stringContaining(`write("node-`) });
    expect(r.fault?.message).toContain("returned true: answer 'accept'");
  });

  it('wants its function', () => {
    expect(fenceContract.shape({})).toEqual(['your object has no write() function']);
  });
});
