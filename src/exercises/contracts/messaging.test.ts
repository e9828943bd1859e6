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
import { orchestratorContract } from './orchestrator.js';
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

describe('orchestrator contract', () => {
  const scenario = loadScenarioText(
    'saga.yaml',
    `
name: saga
title: declines and a silent step
pattern: saga-orchestration
goal: no order half-done
seed: 4
duration: 20s
components:
  broker: { kind: broker, queues: { replies: {}, stock: {}, card: {}, parcel: {} } }
  orders:
    kind: saga
    implementation: ./starter.ts
    broker: broker
    coordination: orchestration
    replies: replies
    steps: [{ participant: stock, state: RESERVED }, { participant: card, state: CHARGED }, { participant: parcel, state: SHIPPED }]
    stepTimeout: 500ms
    retries: 1
  stock: { kind: saga-participant, broker: broker }
  card: { kind: saga-participant, broker: broker, failureRate: 30% }
  parcel: { kind: saga-participant, broker: broker }
  load: { kind: load, target: orders, rate: 10/s, stop: 12s }
faults:
  - { kind: crash, target: parcel, at: 5s, for: 3s }
expect:
  - { id: dangling, says: nothing held, metric: orders.dangling, equals: 0 }
  - { id: order, says: latest first, metric: orders.undoneOutOfOrder, equals: 0 }
  - { id: needless, says: only what was done, metric: orders.needlessUndos, equals: 0 }
  - { id: finished, says: all ended, metric: orders.unfinished, equals: 0 }
  - { id: gave-up, says: gave up on the parcel, metric: orders.timeouts, atLeast: 1 }
`,
  );
  const run = (learner: object) => check(scenario, 'orders', orchestratorContract, learner);
  type Cmd = { do: string } | { undo: string } | 'end';
  const steps = ['stock', 'card', 'parcel'];
  /** The built-in's decisions by name, with a way to get the undo list wrong. */
  const orchestrator = (undoList: (done: string[], silent: string | undefined) => string[]) => {
    const orders = new Map<string, { done: string[]; undo?: string[] }>();
    const next = (p: { done: string[]; undo?: string[] }): Cmd => (p.undo ? (p.undo.length ? { undo: p.undo[0]! } : 'end') : p.done.length < 3 ? { do: steps[p.done.length]! } : 'end');
    return {
      begin: (id: string) => (orders.set(id, { done: [] }), next(orders.get(id)!)),
      answered(id: string, a: { step: string; op: string; outcome: string }) {
        const p = orders.get(id)!;
        if (a.op === 'undo') p.undo!.shift();
        else if (a.outcome === 'done') p.done.push(a.step);
        else p.undo = undoList(p.done, undefined);
        return next(p);
      },
      timedOut(id: string, s: { step: string; op: string; attempts: number }) {
        const p = orders.get(id)!;
        if (s.op === 'undo' || s.attempts <= 1) return { [s.op]: s.step } as Cmd;
        p.undo = undoList(p.done, s.step);
        return next(p);
      },
    };
  };
  const latestFirst = (done: string[], silent: string | undefined) => [...(silent ? [silent] : []), ...[...done].reverse()];

  it('answering as the built-in orchestrator does, the run is the built-in run, step for step', async () => {
    const r = await run(orchestrator(latestFirst));
    expect(r.fault).toBeUndefined();
    expect(r.divergence).toBeUndefined();
    expect(r.passed).toBe(true);
    expect(r.steps.yours).toBeGreaterThan(100);
  });

  it.each([
    ['undoes the steps done in the order they were done', (done: string[], silent: string | undefined) => [...(silent ? [silent] : []), ...done], ['order']],
    ['undoes every step, done or not', () => [...steps].reverse(), ['needless']],
    ['does not undo the step it gave up on', (done: string[]) => [...done].reverse(), ['dangling', 'order']],
    ['ends a failed order without undoing anything', () => [], ['dangling']],
  ] as [string, (done: string[], silent: string | undefined) => string[], string[]][])('an orchestrator that %s fails its expectation', async (_what, undoList, failing) => {
    const r = await run(orchestrator(undoList));
    expect(r.fault).toBeUndefined();
    expect(r.expectations.filter((e) => !e.passed).map((e) => e.id)).toEqual(failing);
  });

  const built = orchestrator(latestFirst);
  it.each([
    ['a step out of order', { ...built, begin: () => ({ do: 'card' }) }, "begin returned {\"do\":\"card\"} for orders-1, but its next step is stock"],
    ['a participant that is not a step', { ...built, begin: () => ({ do: 'bank' }) }, "answer { do: step }, { undo: step } (a step is a participant: stock, card, parcel) or 'end'"],
    ['a step forward while compensating', { ...built, answered: (_id: string, a: { op: string }) => (a.op === 'do' ? { undo: 'stock' } : { do: 'card' }) }, 'is being compensated: it goes on back'],
    ['a command for a complete order', { ...built, answered: (id: string, a: { step: string; op: string; outcome: string }) => (a.step === 'parcel' ? { undo: 'parcel' } : built.answered(id, a)) }, 'every step of orders-1 is done: it is complete'],
  ] as [string, object, string][])('refuses %s', async (_what, learner, message) => {
    const r = await run(learner);
    expect(r.fault).toMatchObject({ kind: 'invalid', message: expect.stringContaining(message) });
  });

  it('wants all three functions', () => {
    expect(orchestratorContract.shape({ begin() {} })).toEqual(['your object has no answered() function', 'your object has no timedOut() function']);
  });
});
