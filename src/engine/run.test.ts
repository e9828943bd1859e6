import { describe, expect, it } from 'vitest';
import type { TraceEvent } from '../core/trace.js';
import { loadScenarioText } from '../scenario/load.js';
import { Run, runToEnd } from './run.js';

const scenario = (expect: string, extra = '') =>
  loadScenarioText(
    's.yaml',
    `name: window-test
title: Windows of time and state
pattern: circuit-breaker
goal: Check that expectation windows measure what they say.
duration: 20s
components:
  db: { kind: service, latency: 10ms }
  cb: { kind: circuit-breaker, strategy: consecutive, failureThreshold: 1, openFor: 4s, halfOpen: lazy }
  app: { kind: client, calls: db, via: [cb] }
  users: { kind: load, target: app, rate: 10/s, arrivals: uniform }
faults:
  - { id: down, kind: outage, target: db, at: 5s, for: 5s }
${extra}
expect:
${expect}
`,
  );

async function measure(expectation: string) {
  const r = await runToEnd(scenario(expectation));
  return r.expectations[0]!;
}

describe('expectation windows', () => {
  it.each([
    ['a counter over the whole run', 'metric: app.calls\n    atLeast: 0', 199],
    ['a counter during a fault', 'metric: app.calls\n    during: down\n    atLeast: 0', 50],
    ['a counter between two moments', 'metric: app.calls\n    from: 2s\n    to: 4s\n    atLeast: 0', 20],
    ['a counter from an offset after a fault', 'metric: app.calls\n    from: down.end + 5s\n    atLeast: 0', 50],
  ])('%s', async (_name, body, value) => {
    const e = await measure(`  - says: x\n    ${body}`);
    expect(e.value).toBe(value);
  });

  it('while a component is in a state: only calls made in that state count', async () => {
    const r = await runToEnd(scenario('  - says: x\n    metric: db.calls\n    while: cb=OPEN\n    atMost: 0'));
    // With a consecutive threshold of 1 the breaker opens on the first failure and rejects
    // everything until a lazy probe: nothing reaches db while OPEN.
    expect(r.expectations[0]).toMatchObject({ passed: true, value: 0 });
  });

  it('reaches: measures the delay after the anchor', async () => {
    const e = await measure('  - says: x\n    reaches: { component: cb, state: OPEN, after: down.start, within: 1s }');
    expect(e.passed).toBe(true);
    expect(e.value).toBeLessThanOrEqual(100);
  });

  it('reaches: reports when the state never comes', async () => {
    const e = await measure('  - says: x\n    reaches: { component: cb, state: OPEN, after: down.end + 5s, within: 1s }');
    expect(e).toMatchObject({ passed: false, value: null });
    expect(e.measured).toMatch(/^never reached OPEN/);
  });

  it('a ratio with nothing to divide reports no data instead of a number', async () => {
    const e = await measure('  - says: x\n    metric: app.successRate\n    from: 19.99s\n    to: 19.995s\n    atLeast: 0.5');
    expect(e).toMatchObject({ passed: false, value: null });
    expect(e.measured).toContain('no data');
  });
});

describe('a run', () => {
  it('is deterministic: the same seed gives the same trace', async () => {
    const collect = async () => {
      const events: TraceEvent[] = [];
      await runToEnd(scenario('  - says: x\n    metric: app.calls\n    atLeast: 0'), [(e) => events.push(e)]);
      return JSON.stringify(events);
    };
    expect(await collect()).toBe(await collect());
  });

  it('stops early when interrupted and says so', async () => {
    const controller = new AbortController();
    controller.abort();
    const s = scenario('  - says: x\n    metric: app.calls\n    atLeast: 0');
    s.duration = 3_600_000;
    const result = await new Run(s).execute({ speed: Infinity, signal: controller.signal });
    expect(result.interrupted).toBe(true);
    expect(result.passed).toBe(false);
    expect(result.simulatedMs).toBeLessThan(3_600_000);
  });

  it('declares a run stuck when time stops advancing, instead of hanging', async () => {
    const s = loadScenarioText(
      's.yaml',
      `name: stuck
title: Zero think time against zero latency
pattern: retry
goal: Shows the stall guard.
duration: 10s
components:
  db: { kind: service, latency: 0ms }
  app: { kind: client, calls: db }
  users: { kind: load, target: app, concurrency: 2, think: 0ms }
expect:
  - { says: x, metric: app.calls, atLeast: 0 }
`,
    );
    await expect(runToEnd(s)).rejects.toThrow(/stopped advancing at 0.000s/);
  });

  it('paces a watched run and calls back with frames', async () => {
    const s = scenario('  - says: x\n    metric: app.calls\n    atLeast: 0');
    s.duration = 2000;
    let frames = 0;
    const result = await new Run(s).execute({ speed: 100, onFrame: () => frames++, frameMs: 5 });
    expect(result.simulatedMs).toBe(2000);
    expect(frames).toBeGreaterThan(1);
  });
});
