/**
 * The reads contract (cache-aside's misses): answering as the built-in single flight does,
 * the run is the built-in run; the typical mistakes show in the figures or as a clear fault.
 */
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../scenario/load.js';
import { inProcessHost, LearnerCalls } from '../learner.js';
import { checkSeed } from '../session.js';
import { readsContract } from './reads.js';

const scenario = (extra = '') =>
  loadScenarioText(
    'reads.yaml',
    `
name: reads
title: a hot key
pattern: cache-aside
goal: one load per expiry
seed: 4
duration: 7s
components:
  db: { kind: database, latency: { p50: 80ms, p99: 200ms }, concurrency: 1, queue: 0, key: page }
  cache: { kind: cache, implementation: ./starter.ts, database: db, key: page, ttl: 2s, stampede: coalesce, watch: [home-1]${extra} }
  app: { kind: client, calls: cache }
  visitors: { kind: load, target: app, rate: 500/s, mix: [{ weight: 1, key: { name: page, count: 2, prefix: home- } }] }
expect:
  - { id: one, says: one load at once, metric: cache.stampede, atMost: 1 }
  - { id: waited, says: readers waited, metric: cache.coalesced, atLeast: 1 }
`,
  );

const run = (learner: object, extra?: string) =>
  checkSeed(scenario(extra), { component: 'cache', contract: readsContract, loadModule: async () => ({ default: () => learner }), calls: new LearnerCalls(inProcessHost, () => false) });

/** Single flight; `clearOnFailure: false` forgets to end a load that failed. */
const singleFlight = (clearOnFailure = true) => {
  const loading = new Set<string>();
  return {
    miss: (key: string) => (loading.has(key) ? 'wait' : (loading.add(key), 'load')),
    loaded: (key: string, _now: number, ok: boolean) => (ok || clearOnFailure) && loading.delete(key),
  };
};

describe('reads contract', () => {
  it('answering as the built-in single flight does, the run is the built-in run, step for step, loads the database refuses included', async () => {
    const r = await run(singleFlight());
    expect(r.fault).toBeUndefined();
    expect(r.divergence).toBeUndefined();
    expect(r.passed).toBe(true);
    expect(r.steps.yours).toBeGreaterThan(5);
  });

  it('the database refuses some loads (one connection, two keys): the learner hears of them', async () => {
    const failed: string[] = [];
    const learner = singleFlight();
    const r = await run({ ...learner, loaded: (key: string, now: number, ok: boolean) => (ok || failed.push(key), learner.loaded(key, now, ok)) });
    expect(r.fault).toBeUndefined();
    expect(failed.length).toBeGreaterThan(0);
  });

  it('every miss loading is a burst', async () => {
    const r = await run({ miss: () => 'load', loaded: () => {} });
    expect(r.fault).toBeUndefined();
    expect(r.expectations.filter((e) => !e.passed).map((e) => e.id)).toEqual(['one', 'waited']);
  });

  it.each([
    ['never ends a load', { miss: () => 'wait', loaded: () => {} }, /no load of home-\d is running \(none has started yet\)/],
    ['does not end a failed load', singleFlight(false), /no load of home-\d is running \(the last one ended/],
    ['answers something else', { miss: () => true, loaded: () => {} }, "returned true: answer 'load'"],
  ] as [string, object, string | RegExp][])('a reader that %s is refused, with what it answered', async (_what, learner, message) => {
    const r = await run(learner);
    expect(r.fault).toMatchObject({ kind: 'invalid', hook: 'miss', message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message) });
  });

  it('refuses several app servers: one object decides for one cache', async () => {
    const r = await run(singleFlight(), ', servers: 2');
    expect(r.fault).toMatchObject({ kind: 'invalid', hook: 'create', message: expect.stringContaining('set servers: 1') });
  });

  it('wants both functions', () => {
    expect(readsContract.shape({ miss() {} })).toEqual(['your object has no loaded() function']);
  });
});
