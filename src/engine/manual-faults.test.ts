import fc from 'fast-check';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FaultEvent } from '../core/trace.js';
import type { ManualFault } from '../faults/manual.js';
import { NdjsonWriter } from '../render/ndjson.js';
import { catalogueDir } from '../scenario/catalogue.js';
import { loadScenarioFile } from '../scenario/load.js';
import { Run, type FaultRequest } from './run.js';

const file = (name: string) => path.join(catalogueDir, `${name}.yaml`);

/** Runs a scenario, injecting each request when the simulated clock reaches its moment. */
async function runWithInjections(name: string, injections: { atMs: number; request: FaultRequest }[], set: string[] = []) {
  const scenario = await loadScenarioFile(file(name), { set });
  let text = '';
  const ndjson = new NdjsonWriter((t) => (text += t));
  const run = new Run(scenario, [ndjson.listener]);
  for (const { atMs, request } of [...injections].sort((a, b) => a.atMs - b.atMs)) {
    run.kernel.runUntil(atMs);
    run.injectFault(request);
  }
  const result = await run.execute({ speed: Infinity });
  ndjson.flush();
  return { text, result };
}

/** What `run --replay` does: read the manual faults back from the trace, run again with them. */
async function replay(name: string, trace: string, set: string[] = []) {
  const manual: ManualFault[] = trace
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { kind: string })
    .filter((e): e is FaultEvent => e.kind === 'fault' && (e as FaultEvent).manual === true && (e as FaultEvent).phase === 'start')
    .map((e) => ({ id: e.id, kind: e.fault, target: e.target, params: e.params!, at: e.t, ...(e.forMs !== undefined ? { forMs: e.forMs } : {}) }));
  const scenario = await loadScenarioFile(file(name), { set });
  let text = '';
  const ndjson = new NdjsonWriter((t) => (text += t));
  await new Run(scenario, [ndjson.listener], { manualFaults: manual }).execute({ speed: Infinity });
  ndjson.flush();
  return text;
}

describe('faults injected by hand', () => {
  it('go into the trace like scheduled ones, marked manual, with what a replay needs', async () => {
    const { text } = await runWithInjections('payment-outage', [{ atMs: 5000.25, request: { kind: 'error-rate', target: 'payment', params: { rate: '50%' }, forMs: 4000 } }]);
    const faults = text
      .split('\n')
      .filter((l) => l.includes('"manual"'))
      .map((l) => JSON.parse(l) as FaultEvent);
    expect(faults).toEqual([
      { kind: 'fault', t: 5000.251, phase: 'start', id: 'manual-1', fault: 'error-rate', target: 'payment', description: '50% of calls fail', manual: true, params: { rate: '50%' }, forMs: 4000 },
      { kind: 'fault', t: 9000.251, phase: 'end', id: 'manual-1', fault: 'error-rate', target: 'payment', description: '50% of calls fail', manual: true },
    ]);
    expect(text).toContain('"to":"FLAKY","cause":"fault manual-1 started"');
  });

  it('are numbered in order and show in the view while active', async () => {
    const scenario = await loadScenarioFile(file('payment-outage'));
    const run = new Run(scenario);
    run.kernel.runUntil(1000);
    expect(run.injectFault({ kind: 'outage', target: 'payment', params: { mode: 'fail' } }).id).toBe('manual-1');
    expect(run.injectFault({ kind: 'latency', target: 'payment', params: { factor: 10 }, forMs: 1000 }).id).toBe('manual-2');
    run.kernel.runUntil(1500);
    expect(run.view().activeFaults.map((f) => f.id)).toEqual(['manual-1', 'manual-2']);
    run.kernel.runUntil(2500);
    expect(run.view().activeFaults.map((f) => f.id)).toEqual(['manual-1']);
  });

  it('refuses what its target cannot take', async () => {
    const run = new Run(await loadScenarioFile(file('payment-outage')));
    expect(() => run.injectFault({ kind: 'outage', target: 'breaker', params: {} })).toThrow('outage cannot target breaker');
  });

  it('the run event records the knobs set, so a replay can apply them', async () => {
    const { text } = await runWithInjections('payment-outage', [], ['breaker.openFor=10s']);
    expect(JSON.parse(text.split('\n')[0]!)).toMatchObject({ kind: 'run', set: ['breaker.openFor=10s'] });
    const plain = await runWithInjections('payment-outage', []);
    expect(JSON.parse(plain.text.split('\n')[0]!)).not.toHaveProperty('set');
  });

  const request = fc.record({
    atMs: fc.double({ min: 0, max: 59_000, noNaN: true }),
    request: fc.oneof(
      fc.constant<FaultRequest>({ kind: 'outage', target: 'payment', params: { mode: 'hang' } }),
      fc.constant<FaultRequest>({ kind: 'outage', target: 'payment', params: { mode: 'fail' } }),
      fc.constant<FaultRequest>({ kind: 'error-rate', target: 'payment', params: { rate: '50%' } }),
      fc.constant<FaultRequest>({ kind: 'latency', target: 'payment', params: { factor: 10 } }),
    ),
    forMs: fc.option(fc.constantFrom(5000, 10_000, 20_000), { nil: undefined }),
  });

  it('a run replayed from its trace writes the same trace, byte for byte, whenever the faults were injected', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 3 }), async (injections) => {
        const withDuration = injections.map((i) => ({ atMs: i.atMs, request: { ...i.request, ...(i.forMs !== undefined ? { forMs: i.forMs } : {}) } }));
        const original = await runWithInjections('payment-outage', withDuration, ['breaker.probes=2']);
        expect(await replay('payment-outage', original.text, ['breaker.probes=2'])).toBe(original.text);
      }),
      { numRuns: 12 },
    );
  });
});
