/**
 * The contracts whose learner code sits inside a messaging component (the consumer's inbox,
 * the producer's outbox relay, the saga's orchestrator): each stands in for the built-in
 * without changing a thing when it answers as the built-in does, and the typical mistakes
 * show in the figures.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../scenario/load.js';
import type { Scenario } from '../../scenario/model.js';
import { inProcessHost, LearnerCalls } from '../learner.js';
import { checkSeed } from '../session.js';
import type { Contract } from './contract.js';
import { inboxContract } from './inbox.js';

const check = (scenario: Scenario, component: string, contract: Contract, learner: object) =>
  checkSeed(scenario, { component, contract, loadModule: async () => ({ default: () => learner }), calls: new LearnerCalls(inProcessHost, () => false) });

const measured = (r: Awaited<ReturnType<typeof check>>) => Object.fromEntries(r.expectations.map((e) => [e.id, e.measured]));

describe('inbox contract', () => {
  const scenario = loadScenarioText(
    'inbox.yaml',
    `
name: inbox
title: duplicates and a crash
pattern: idempotent-consumer
goal: one effect per message
seed: 3
duration: 12s
components:
  broker: { kind: broker, queues: { q: {} } }
  sender: { kind: producer, broker: broker, queue: q }
  worker: { kind: consumer, implementation: ./starter.ts, broker: broker, queue: q, instances: 2, work: 50ms, ackDelay: 200ms, inbox: true }
  load: { kind: load, target: sender, rate: 50/s }
faults:
  - { kind: message-duplicate, target: sender, at: 1s, for: 4s, rate: 30% }
  - { kind: crash, target: worker, instances: 1, at: 6s, for: 1s }
expect:
  - { id: dup, says: none twice, metric: worker.duplicates, equals: 0 }
  - { id: lost, says: none skipped undone, metric: worker.lostEffects, equals: 0 }
`,
  );
  const run = (learner: object) => check(scenario, 'worker', inboxContract, learner);
  const inbox = (write: 'receipt' | 'commit', rollback: boolean) => {
    const done = new Set<string>();
    return {
      receive: (id: string) => (done.has(id) ? 'skip' : (write === 'receipt' && done.add(id), 'process')),
      commit: (id: string) => (rollback && done.has(id) ? 'rollback' : (done.add(id), 'commit')),
    };
  };

  it('answering as the built-in inbox does, the run is the built-in run, step for step', async () => {
    const r = await run(inbox('commit', true));
    expect(r.fault).toBeUndefined();
    expect(r.divergence).toBeUndefined();
    expect(r.steps.yours).toBeGreaterThan(10);
    expect(measured(r)).toEqual({ dup: 'worker.duplicates = 0', lost: 'worker.lostEffects = 0' });
  });

  it.each([
    ['remembers nothing', { receive: () => 'process', commit: () => 'commit' }, 'dup'],
    ['never rolls back a copy worked on at the same time', inbox('commit', false), 'dup'],
    ['writes the id on receipt, so a crash before the effect loses it', inbox('receipt', true), 'lost'],
  ] as [string, object, string][])('an inbox that %s fails its expectation', async (_what, learner, failing) => {
    const r = await run(learner);
    expect(r.fault).toBeUndefined();
    expect(r.expectations.filter((e) => !e.passed).map((e) => e.id)).toEqual([failing]);
    expect(r.divergence?.yours?.what).toMatch(/^sender-\d+: /);
  });

  it('refuses an answer that is neither', async () => {
    const r = await run({ receive: () => true, commit: () => 'commit' });
    expect(r.fault).toMatchObject({ kind: 'invalid', hook: 'receive', message: expect.stringContaining("receive(\"sender-1\") returned true: answer 'process'") });
  });

  it('wants both functions', () => {
    expect(inboxContract.shape({ receive() {} })).toEqual(['your object has no commit() function']);
  });
});
