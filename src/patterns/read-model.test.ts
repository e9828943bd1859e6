import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../core/errors.js';
import { loadScenarioText } from '../scenario/load.js';
import { runMessaging } from '../testing/messaging.js';

/** A write model (a keyed producer), its read model, and loads writing and reading 100 users. */
function system(opts: { source?: 'stream' | 'queue' | 'topic'; view?: string; readers?: string; writes?: string } = {}): string {
  const source = opts.source ?? 'stream';
  const declare = { stream: 'streams: { changes: { partitions: 2 } }', queue: 'queues: { changes: {} }', topic: 'topics: [changes]' }[source];
  return `  broker: { kind: broker, ${declare} }
  accounts: { kind: producer, broker: broker, ${source}: changes, key: user, database: 2ms, link: 1ms }
  view:
    kind: read-model
    broker: broker
    ${source}: changes
    source: accounts
    key: user
    link: 1ms
${opts.view ?? ''}
  db: { kind: service, latency: 20ms }
  writers: { kind: load, target: accounts, rate: ${opts.writes ?? '40/s'}, stop: 8s, mix: [{ weight: 1, key: { name: user, count: 100 } }] }
  readers:
    kind: load
    target: view
    rate: 100/s
    mix:
${opts.readers ?? '      - { weight: 1, key: { name: user, count: 100 } }'}`;
}

const crash = '  - { kind: crash, target: view, at: 2s, for: 3s }';

describe('read model', () => {
  it.each(['stream', 'queue', 'topic'] as const)('applies every change read from a %s, once, and ends current', async (source) => {
    const r = await runMessaging(system({ source }), { faults: crash });
    const view = r.counters('view');
    expect(view['applied']).toBe(r.producer('accounts').messages);
    expect(view['unapplied']).toBe(0);
    expect(r.result.summary.components.find((c) => c.name === 'view')?.state).toBe('CURRENT');
  });

  it.each([
    { throughput: '1000/s', lagging: false },
    { throughput: '25/s', lagging: true },
  ])('applying $throughput against 40 writes a second, it falls behind: $lagging', async ({ throughput, lagging }) => {
    const r = await runMessaging(system({ view: `    throughput: ${throughput}` }), { duration: '30s' });
    const states = r.events.filter((e) => e.kind === 'transition' && e.component === 'view').map((e) => (e.kind === 'transition' ? e.to : ''));
    expect(states.includes('LAGGING')).toBe(lagging);
    expect(r.counters('view')['unapplied']).toBe(0);
  });

  it('goes DOWN on a crash, LAGGING once back, and CURRENT when it has caught up', async () => {
    const r = await runMessaging(system({ view: '    throughput: 100/s' }), { faults: crash });
    const states = r.events.filter((e) => e.kind === 'transition' && e.component === 'view').map((e) => (e.kind === 'transition' ? e.to : ''));
    expect(states).toEqual(['DOWN', 'LAGGING', 'CURRENT']);
  });

  it('an event delivered twice changes nothing the second time', async () => {
    const r = await runMessaging(system({ source: 'queue' }), { faults: '  - { kind: message-duplicate, target: view, at: 0s, rate: 50% }' });
    const view = r.counters('view');
    expect(view['skipped']).toBeGreaterThan(50);
    expect(view['applied']).toBe(r.producer('accounts').messages);
    expect(r.group('changes').duplicateEffects).toBe(0);
  });

  it.each([
    { guard: '', violations: true, waited: false, fellBack: false },
    { guard: '    readYourWrites: { wait: 10s }', violations: false, waited: true, fellBack: false },
    { guard: '    readYourWrites: { wait: 50ms, fallback: db }', violations: false, waited: true, fellBack: true },
  ])('owners reading while the projector is down — $guard', async ({ guard, violations, waited, fellBack }) => {
    const r = await runMessaging(system({ view: guard }), { faults: crash });
    const view = r.counters('view');
    expect(view['readYourWritesViolations']! > 0).toBe(violations);
    expect(view['waited']! > 0).toBe(waited);
    expect(view['fellBack']! > 0).toBe(fellBack);
    expect(r.counters('db')['calls'] ?? 0).toBe(view['fellBack']);
  });

  it('someone else reading a stale record is stale, not a read-your-writes violation', async () => {
    const r = await runMessaging(system({ readers: '      - { weight: 1, tags: { viewer: support }, key: { name: user, count: 100 } }' }), { faults: crash });
    const view = r.counters('view');
    expect(view['staleReads']).toBeGreaterThan(20);
    expect(view['readYourWritesViolations']).toBe(0);
  });

  it('measures staleness as how old the oldest missed write is', async () => {
    const r = await runMessaging(system(), { faults: crash, measure: 'view.staleness.max' });
    expect(r.measured).toBeGreaterThan(1000);
    expect(r.measured).toBeLessThan(3500);
  });

  it.each([
    { what: 'a write model whose events name no record', edit: (s: string) => s.replace('key: user, database', 'database'), message: /source: its messages name no record: give it key: <tag>/ },
    { what: 'a source that is not a producer', edit: (s: string) => s.replace('source: accounts', 'source: db'), message: /source: "db" is a service, but source needs a producer/ },
  ])('refuses $what', ({ edit, message }) => {
    const text = `name: t
title: a read model test
pattern: cqrs
goal: checks what the loader says
duration: 5s
components:
${edit(system())}
expect:
  - { says: it runs, metric: view.reads, atLeast: 0 }
`;
    expect(() => loadScenarioText('t.yaml', text)).toThrow(ScenarioError);
    expect(() => loadScenarioText('t.yaml', text)).toThrow(message);
  });
});
