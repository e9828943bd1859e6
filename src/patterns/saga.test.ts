import { describe, expect, it } from 'vitest';
import type { NoteEvent } from '../core/trace.js';
import { loadScenarioText } from '../scenario/load.js';
import { runMessaging } from '../testing/messaging.js';
import { sagaSystem as system } from '../testing/sagas.js';

const sagaEvents = (events: readonly unknown[], id: string) =>
  (events as NoteEvent[]).filter((e) => e.kind === 'event' && e.component === 'orders' && e.name === 'saga' && e.data?.['id'] === id).map((e) => e.data?.['to']);

describe.each(['orchestration', 'choreography'])('saga (%s)', (coordination) => {
  it('a declined payment releases the stock and cancels the order; the rest ship', async () => {
    const r = await runMessaging(system({ coordination, payment: '    failureRate: 30%' }));
    const orders = r.counters('orders');
    expect(orders['failed']).toBeGreaterThan(10);
    expect(orders['compensated']).toBe(orders['failed']);
    expect(orders['completed']! + orders['compensated']!).toBe(orders['started']);
    expect(orders).toMatchObject({ uncompensated: 0, dangling: 0, unfinished: 0 });
    expect(r.counters('inventory')['compensations']).toBe(orders['failed']);
    expect(r.counters('shipping')['actions']).toBe(orders['completed']);
  });

  it('each saga goes PENDING → RESERVED → COMPENSATING → CANCELLED when its payment fails', async () => {
    const r = await runMessaging(system({ coordination, payment: '    failureRate: 100%' }), { duration: '3s' });
    expect(sagaEvents(r.events, 'orders-1')).toEqual(['PENDING', 'RESERVED', 'COMPENSATING', 'CANCELLED']);
  });

  it('a saga that succeeds goes PENDING → RESERVED → CHARGED → SHIPPED', async () => {
    const r = await runMessaging(system({ coordination }), { duration: '3s' });
    expect(sagaEvents(r.events, 'orders-1')).toEqual(['PENDING', 'RESERVED', 'CHARGED', 'SHIPPED']);
  });

  it('without compensation a failed saga ends FAILED and leaves its reservation behind', async () => {
    const r = await runMessaging(system({ coordination, orders: '    compensate: false', payment: '    failureRate: 30%' }));
    const orders = r.counters('orders');
    expect(orders['uncompensated']).toBe(orders['failed']);
    expect(orders['dangling']).toBe(orders['failed']);
    expect(r.counters('inventory')['compensations']).toBe(0);
  });

  it.each([
    { idempotent: true, twice: 0 },
    { idempotent: false, twice: 1 },
  ])('deliveries arriving twice, idempotent: $idempotent — reserved twice or released twice: $twice+', async ({ idempotent, twice }) => {
    const participant = `    idempotent: ${idempotent}`;
    const r = await runMessaging(system({ coordination, inventory: participant, payment: `    failureRate: 30%\n${participant}` }), {
      faults: '  - { kind: message-duplicate, target: inventory, at: 0s, rate: 50% }',
    });
    const inventory = r.counters('inventory');
    expect((inventory['duplicateActions'] ?? 0) + (inventory['overCompensations'] ?? 0) >= twice).toBe(true);
    if (idempotent) expect(inventory).toMatchObject({ duplicateActions: 0, overCompensations: 0 });
    if (idempotent) expect(r.counters('orders')['dangling']).toBe(0);
  });

  it('a participant that crashes and restarts loses no saga: its unacked requests come back', async () => {
    const r = await runMessaging(system({ coordination, payment: '    failureRate: 20%' }), { faults: '  - { kind: crash, target: inventory, at: 2s, for: 1s }' });
    expect(r.counters('inventory')['crashes']).toBe(1);
    expect(r.counters('orders')).toMatchObject({ unfinished: 0, uncompensated: 0, dangling: 0 });
  });

  it('the broker down for 2 s delays the sagas, loses none', async () => {
    const r = await runMessaging(system({ coordination, orders: '    retries: 10', payment: '    failureRate: 20%' }), {
      faults: '  - { kind: broker-unavailable, target: broker, at: 2s, for: 2s }',
    });
    expect(r.counters('orders')['started']).toBeGreaterThan(80);
    expect(r.counters('orders')).toMatchObject({ unfinished: 0, uncompensated: 0, dangling: 0 });
    expect(r.producer('orders').lost).toBe(0);
  });

  it('the order service crashing resumes every saga from its log', async () => {
    const r = await runMessaging(system({ coordination, payment: '    failureRate: 20%' }), { faults: '  - { kind: crash, target: orders, at: 2s, for: 1s }' });
    const orders = r.counters('orders');
    expect(orders).toMatchObject({ unfinished: 0, uncompensated: 0, dangling: 0 });
    expect(orders['started']).toBeGreaterThan(50);
    expect(r.result.summary.components.find((c) => c.name === 'orders')?.state).toBe('RUNNING');
  });

  it('readers see orders still in progress', async () => {
    const r = await runMessaging(system({ coordination, rate: '100/s' }), { duration: '4s' });
    const orders = r.counters('orders');
    expect(orders['reads']).toBeGreaterThan(50);
    expect(orders['readsPending']).toBeGreaterThan(0);
  });
});

describe('saga orchestration', () => {
  it('a step that never answers is undone with the rest; back up, its participant holds nothing', async () => {
    const r = await runMessaging(system({ orders: '    retries: 1', rate: '2/s' }).replace('stop: 6s', 'stop: 2s'), {
      duration: '10s',
      faults: '  - { kind: crash, target: payment, at: 0s, for: 4s }',
    });
    const orders = r.counters('orders');
    expect(orders['started']).toBeGreaterThan(1);
    expect(orders['timeouts']).toBe(orders['started']);
    expect(orders).toMatchObject({ compensated: orders['started'], dangling: 0, unfinished: 0 });
    expect(r.counters('inventory')['compensations']).toBe(orders['started']);
  });

  it.each([
    { idempotent: true, dangling: false },
    { idempotent: false, dangling: true },
  ])('a slow payment asked twice, then undone — idempotent: $idempotent, a charge left behind: $dangling', async ({ idempotent, dangling }) => {
    const slow = { faults: '  - { kind: message-delay, target: payment, at: 0s, for: 3s, add: 400ms }', duration: '8s' };
    const r = await runMessaging(system({ orders: '    retries: 1', payment: `    idempotent: ${idempotent}` }), slow);
    expect(r.counters('orders')['timeouts']).toBeGreaterThan(10);
    expect(r.counters('orders')['dangling']! > 0).toBe(dangling);
    expect(r.counters('payment')['duplicateActions']! > 0).toBe(dangling);
  });

  it('goes RETRYING while steps do not answer, and back to RUNNING', async () => {
    const r = await runMessaging(system(), { faults: '  - { kind: crash, target: payment, at: 1s, for: 2s }' });
    const moves = r.events.filter((e) => e.kind === 'transition' && e.component === 'orders').map((e) => (e.kind === 'transition' ? e.to : ''));
    expect(moves).toEqual(['RETRYING', 'RUNNING']);
  });
});

describe('saga choreography', () => {
  it('sends no commands: every step is an event on the topic', async () => {
    const r = await runMessaging(system({ coordination: 'choreography' }), { duration: '3s' });
    expect(r.counters('orders')['commands']).toBe(0);
    expect(r.group('events@inventory').messages).toBe(r.group('events@orders').messages);
  });
});

describe('a saga scenario that cannot work is refused at load', () => {
  const scenario = (components: string) => `name: t
title: a saga test
pattern: saga-orchestration
goal: checks what the loader says
duration: 5s
components:
${components}
expect:
  - { says: it runs, metric: orders.started, atLeast: 0 }
`;
  it.each([
    { what: 'an orchestrator without a reply queue', edit: (s: string) => s.replace('    replies: replies\n', ''), message: /orders\.replies: an orchestrator needs a queue its participants answer on/ },
    { what: 'a participant without its command queue', edit: (s: string) => s.replace(', shipping: {}', ''), message: /steps\[2\]\.participant: the broker declares no queue "shipping"/ },
    { what: 'choreography without a topic', edit: (s: string) => s.replace('    topic: events\n', '').replace('coordination: orchestration', 'coordination: choreography'), message: /orders\.topic: choreographed steps talk through a topic/ },
    { what: 'a step that is not a saga participant', edit: (s: string) => s.replace('shipping: { kind: saga-participant, broker: broker, work: 5ms }', 'shipping: { kind: consumer, broker: broker, queue: shipping }'), message: /steps\[2\]\.participant: "shipping" is a consumer, but steps needs a saga-participant/ },
    { what: 'two steps reaching one state', edit: (s: string) => s.replace('state: CHARGED', 'state: RESERVED'), message: /steps\[1\]\.state: step 1 reaches RESERVED already/ },
    { what: 'a step reaching one of the saga’s own states', edit: (s: string) => s.replace('state: SHIPPED', 'state: CANCELLED'), message: /CANCELLED is one of the saga's own states/ },
  ])('$what', ({ edit, message }) => {
    expect(() => loadScenarioText('t.yaml', scenario(edit(system())))).toThrow(message);
  });
});
