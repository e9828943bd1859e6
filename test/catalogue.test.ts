import { describe, expect, it } from 'vitest';
import { componentKinds } from '../src/components/registry.js';
import type { ComponentKind, KnobSpec } from '../src/components/kind.js';
import { runToEnd } from '../src/engine/run.js';
import { patterns } from '../src/patterns/registry.js';
import { loadCatalogue } from '../src/scenario/catalogue.js';
import { loadScenarioFile } from '../src/scenario/load.js';
import { catalogueDir } from '../src/scenario/catalogue.js';
import path from 'node:path';

const scenarios = await loadCatalogue();

describe('the catalogue', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s passes every expectation', async (_name, s) => {
    const result = await runToEnd(s);
    const failed = result.expectations.filter((e) => !e.passed).map((e) => `${e.says}: ${e.measured} (expected ${e.expected})`);
    expect(failed).toEqual([]);
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('%s has a title, a goal, knobs, expectations and a baseline that fails', async (_name, s) => {
    expect(s.title.length).toBeGreaterThan(10);
    expect(s.goal.length).toBeGreaterThan(10);
    expect(s.knobs.length).toBeGreaterThan(0);
    expect(s.expectations.length).toBeGreaterThan(0);
    expect(s.hasBaseline).toBe(true);
    const baseline = await loadScenarioFile(path.join(catalogueDir, `${s.name}.yaml`), { baseline: true });
    const result = await runToEnd(baseline);
    // The baseline exists to show the pattern matters: something it promises must break without it.
    expect(result.expectations.some((e) => !e.passed)).toBe(true);
  });

  it('file names match scenario names', () => {
    for (const s of scenarios) expect(path.basename(s.file)).toBe(`${s.name}.yaml`);
  });

  it.each(Object.entries(patterns))('pattern %s has a default scenario that shows it', (name, p) => {
    const s = scenarios.find((x) => x.name === p.defaultScenario);
    expect(s, `${p.defaultScenario} is missing`).toBeDefined();
    const kinds = new Set(s!.components.map((c) => c.kind));
    expect(p.kinds.some((k) => kinds.has(k)), `${p.defaultScenario} does not use ${name}`).toBe(true);
    const variant = (p as { defaultVariant?: string }).defaultVariant;
    if (variant !== undefined) expect(s!.variants.map((v) => v.name), `${p.defaultScenario} has no variant ${variant}`).toContain(variant);
  });
});

describe('component kinds', () => {
  const kinds = Object.values(componentKinds) as unknown as ComponentKind[];
  it.each(kinds.map((k) => [k.kind, k] as const))('%s: every knob is a field its schema accepts at both ends of its range', (_name, kind) => {
    for (const [field, spec] of Object.entries(kind.knobs) as [string, KnobSpec | undefined][]) {
      if (!spec) continue;
      // Some knobs belong to one variant of a kind (a strategy, a loop): any minimal config may take them.
      const accepts = (value: unknown) => minimalConfigs(kind.kind).some((base) => kind.schema.safeParse({ ...base, [field]: value }).success);
      for (const v of [spec.min, spec.max, ...(spec.values ?? [])]) {
        if (v === undefined) continue;
        expect(accepts(v), `${kind.kind}.${field}=${v} is refused by the schema`).toBe(true);
      }
    }
  });
});

function minimalConfigs(kind: string): Record<string, unknown>[] {
  switch (kind) {
    case 'client':
      return [{ kind, calls: 'x' }];
    case 'load':
      return [{ kind, target: 'x', rate: '1/s' }, { kind, target: 'x' }];
    case 'circuit-breaker':
      return [...['consecutive', 'count-window', 'time-window'].map((strategy) => ({ kind, strategy })), { kind, strategy: 'count-window', slowCallDuration: '1s' }];
    case 'timeout':
      return [{ kind, after: '1s' }, { kind }];
    case 'bulkhead':
      return [{ kind, maxConcurrent: 1 }];
    case 'shared-breaker':
      return [{ kind, store: 'x' }];
    case 'fixed-window':
    case 'sliding-window-log':
    case 'sliding-window-counter':
      return [{ kind, limit: 1, window: '1s' }];
    case 'token-bucket':
      return [{ kind, rate: '1/s', capacity: 1 }];
    case 'leaky-bucket':
      return [{ kind, rate: '1/s', queue: 0 }];
    case 'load-shedding':
      return [{ kind, maxQueue: 1 }, { kind, by: 'latency', targetLatency: '1s' }];
    case 'hedging':
      return [{ kind }, { kind, delay: '10ms' }];
    case 'duplicate':
      return [{ kind, share: 0.1 }];
    case 'health-check':
      return [{ kind, targets: ['x'], check: 'liveness' }];
    case 'service-discovery':
      return [{ kind, instances: ['x'], ttl: '1h' }, { kind, instances: ['x'], heartbeat: '10ms' }];
    case 'load-balancer':
      return [{ kind, instances: ['x'] }];
    case 'api-gateway':
      return [{ kind, routes: [{ path: '/', to: 'x' }] }];
    case 'producer':
      return [{ kind, broker: 'b', queue: 'q' }, { kind, broker: 'b', stream: 's' }];
    case 'consumer':
      return [{ kind, broker: 'b', queue: 'q' }, { kind, broker: 'b', topic: 't' }];
    case 'content-based-router':
      return [{ kind, broker: 'b', queue: 'q', by: 'type', routes: { a: 'qa' } }];
    case 'saga':
      return [{ kind, broker: 'b', coordination: 'orchestration', replies: 'r', topic: 't', steps: [{ participant: 'p', state: 'DONE' }] }];
    case 'saga-participant':
      return [{ kind, broker: 'b' }];
    case 'read-model':
      return [{ kind, broker: 'b', stream: 's', source: 'w' }];
    case 'leader-election':
      return [{ kind, renewEvery: '10ms' }, { kind, ttl: '1h' }];
    case 'distributed-lock':
      return [{ kind }, { kind, ttl: '1h' }];
    case 'sharding':
      return [{ kind, shards: ['x'] }];
    case 'scatter-gather':
      return [{ kind, recipients: Array.from({ length: 100 }, (_, i) => `r${i}`) }];
    case 'cache':
      return [{ kind, database: 'x' }, { kind, database: 'x', broker: 'b', topic: 't' }];
    default:
      return [{ kind }];
  }
}
