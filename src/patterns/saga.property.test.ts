import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runMessaging } from '../testing/messaging.js';
import { sagaSystem } from '../testing/sagas.js';

const fault = fc.oneof(
  fc.record({ kind: fc.constant('message-duplicate'), target: fc.constantFrom('inventory', 'payment', 'orders'), rate: fc.integer({ min: 5, max: 60 }) }),
  fc.record({ kind: fc.constant('message-delay'), target: fc.constantFrom('inventory', 'payment'), add: fc.integer({ min: 100, max: 1500 }) }),
  fc.record({ kind: fc.constant('crash'), target: fc.constantFrom('inventory', 'payment', 'orders') }),
  fc.record({ kind: fc.constant('broker-unavailable'), target: fc.constant('broker') }),
);

const run = fc.record({
  coordination: fc.constantFrom('orchestration', 'choreography'),
  declined: fc.integer({ min: 0, max: 60 }),
  retries: fc.integer({ min: 0, max: 3 }),
  faults: fc.array(fc.record({ fault, at: fc.integer({ min: 0, max: 4000 }), for: fc.integer({ min: 200, max: 3000 }) }), { maxLength: 3 }),
});

type Run = typeof run extends fc.Arbitrary<infer T> ? T : never;

function yaml(r: Run): { components: string; faults: string } {
  const faults = r.faults
    .map(({ fault: f, at, for: length }) => {
      const extra = 'rate' in f ? `, rate: ${f.rate}%` : 'add' in f ? `, add: ${f.add}ms` : '';
      return `  - { kind: ${f.kind}, target: ${f.target}, at: ${at}ms, for: ${length}ms${extra} }`;
    })
    .join('\n');
  const components = sagaSystem({
    coordination: r.coordination,
    orders: `    retries: ${r.retries}\n    link: 1ms`,
    inventory: '    link: 1ms',
    payment: `    failureRate: ${r.declined}%\n    link: 1ms`,
    rate: '15/s',
  });
  return { components, faults };
}

describe('sagas under faults', () => {
  it('property: with idempotent participants every saga ends, and no failed one leaves anything held or undone twice', async () => {
    await fc.assert(
      fc.asyncProperty(run, async (r) => {
        const { components, faults } = yaml(r);
        const result = await runMessaging(components, { faults: faults || undefined, duration: '20s' });
        const orders = result.counters('orders');
        expect(orders).toMatchObject({ unfinished: 0, uncompensated: 0, dangling: 0 });
        expect(orders['completed']! + orders['compensated']!).toBe(orders['started']);
        for (const p of ['inventory', 'payment', 'shipping']) expect(result.counters(p)).toMatchObject({ duplicateActions: 0, overCompensations: 0 });
        // Every saga that ended is counted in exactly one final state.
        const final = result.result.summary.components.find((c) => c.name === 'orders');
        expect(final?.counters['started']).toBe(orders['started']);
      }),
      { numRuns: 12, seed: 5 },
    );
  });
});
