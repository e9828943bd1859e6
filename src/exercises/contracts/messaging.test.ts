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
import { relayContract } from './relay.js';

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

describe('relay contract', () => {
  const scenario = loadScenarioText(
    'relay.yaml',
    `
name: relay
title: the broker goes down, the relay crashes
pattern: transactional-outbox
goal: duplicates, never loss
seed: 2
duration: 12s
components:
  broker: { kind: broker, queues: { q: {} } }
  orders: { kind: producer, implementation: ./starter.ts, broker: broker, queue: q, database: 100ms, outbox: { every: 200ms, batch: 50 }, link: 2ms }
  shipping: { kind: consumer, broker: broker, queue: q, inbox: true }
  load: { kind: load, target: orders, rate: 40/s, stop: 10s }
faults:
  - { kind: broker-unavailable, target: broker, at: 2s, for: 2s }
  - { kind: crash, target: orders, at: 7.2s, for: 1s }   # between a publish and its mark
expect:
  - { id: lost, says: none lost, metric: orders.lost, equals: 0 }
  - { id: pending, says: all out, metric: orders.pending, atMost: 0 }
  - { id: again, says: the batch in hand goes out again, metric: orders.duplicates, atLeast: 1 }
  - { id: twice, says: nothing else does, metric: orders.duplicates, atMost: 30 }
`,
  );
  const run = (learner: object) => check(scenario, 'orders', relayContract, learner);
  const oldest = (unsent: readonly string[]) => unsent.slice(0, 50);

  it('answering as the built-in relay does, the run is the built-in run, step for step', async () => {
    const r = await run({ poll: oldest, published: (confirmed: string[]) => confirmed });
    expect(r.fault).toBeUndefined();
    expect(r.divergence).toBeUndefined();
    expect(r.passed).toBe(true);
    expect(r.steps.yours).toBeGreaterThan(20);
  });

  it.each([
    ['publishes nothing', { poll: () => [], published: () => [] }, ['pending', 'again']],
    ['never marks a row sent', { poll: oldest, published: () => [] }, ['pending', 'twice']],
    ['marks the failed rows sent too', { poll: oldest, published: (c: string[], f: string[]) => [...c, ...f] }, ['lost']],
  ] as [string, object, string[]][])('a relay that %s fails its expectation', async (_what, learner, failing) => {
    const r = await run(learner);
    expect(r.fault).toBeUndefined();
    expect(r.expectations.filter((e) => !e.passed).map((e) => e.id)).toEqual(failing);
  });

  it.each([
    ['poll answers something else', { poll: () => 'orders-1', published: () => [] }, 'poll returned "orders-1"; poll returns an array of the ids of unsent rows'],
    ['poll names a row that is not unsent', { poll: () => ['orders-999'], published: () => [] }, 'poll returned "orders-999" among its ids, which is not one of them'],
    ['poll names a row twice', { poll: (u: string[]) => [u[0], u[0]], published: () => [] }, 'poll returned orders-1 twice'],
    ['published marks a row of no batch', { poll: oldest, published: () => ['orders-999'] }, 'published returned "orders-999" among its ids, which is not one of them; published returns an array of ids of the rows just published'],
  ] as [string, object, string][])('refuses it when %s', async (_what, learner, message) => {
    const r = await run(learner);
    expect(r.fault).toMatchObject({ kind: 'invalid', message: expect.stringContaining(message) });
  });

  it('wants both functions', () => {
    expect(relayContract.shape({ poll() {} })).toEqual(['your object has no published() function']);
  });
});
