import { describe, expect, it } from 'vitest';
import type { Job } from '../components/job.js';
import { testBench } from '../testing/harness.js';
import type { MessagingEndpoint } from './messaging-endpoint.js';
import { SagaBook } from './saga-book.js';
import { Orchestrator } from './saga-orchestration.js';

const steps = [
  { participant: 'inventory', state: 'RESERVED' },
  { participant: 'payment', state: 'CHARGED' },
  { participant: 'shipping', state: 'SHIPPED' },
];

/** An orchestrator on a simulated clock, its messages captured instead of sent. */
function orchestrator(opts: { retries?: number; compensate?: boolean } = {}) {
  const bench = testBench();
  const sent: string[] = [];
  let reply: ((job: Job) => void) | undefined;
  const acked: string[] = [];
  const endpoint = {
    listen: (_source: unknown, received: (job: Job) => void) => ((reply = received), 'replies'),
    send: (_to: unknown, message: { id: string }) => sent.push(message.id),
    complete: (job: Job) => acked.push(job.message.id),
  } as unknown as MessagingEndpoint;
  const ctx = bench.ctx('orders');
  const book = new SagaBook('orders', steps, ctx);
  let retried = 0;
  const o = new Orchestrator({ steps, replies: 'replies', stepTimeout: 1000, retries: opts.retries ?? 2, compensate: opts.compensate ?? true }, book, endpoint, ctx, () => retried++);
  const saga = book.open('user-1');
  o.begin(saga);
  return {
    bench,
    book,
    saga,
    sent,
    acked,
    orchestrator: o,
    retried: () => retried,
    answer(step: string, op: 'do' | 'undo', outcome: string) {
      const headers = { saga: saga.id, step, op, outcome };
      reply!({ message: { id: `${saga.id}/${step}/${op}/reply`, headers, size: 1, timestamp: 0 }, group: 'replies', deliveryCount: 1, autoAcked: false, complete() {}, retry() {}, refuse() {} });
    },
    states: () => bench.events.flatMap((e) => (e.kind === 'event' && e.name === 'saga' ? [e.data!['to']] : [])),
  };
}

describe('orchestrator', () => {
  it('asks one step at a time and ends in the last step’s state', () => {
    const h = orchestrator();
    expect(h.sent).toEqual(['orders-1/inventory/do']);
    h.answer('inventory', 'do', 'done');
    h.answer('payment', 'do', 'done');
    h.answer('shipping', 'do', 'done');
    expect(h.sent).toEqual(['orders-1/inventory/do', 'orders-1/payment/do', 'orders-1/shipping/do']);
    expect(h.states()).toEqual(['PENDING', 'RESERVED', 'CHARGED', 'SHIPPED']);
    expect(h.saga.ended).toBe('success');
  });

  it.each([
    { fails: 'inventory', undo: [], states: ['PENDING', 'COMPENSATING', 'CANCELLED'] },
    { fails: 'payment', undo: ['inventory'], states: ['PENDING', 'RESERVED', 'COMPENSATING', 'CANCELLED'] },
    { fails: 'shipping', undo: ['payment', 'inventory'], states: ['PENDING', 'RESERVED', 'CHARGED', 'COMPENSATING', 'CANCELLED'] },
  ])('when $fails fails it undoes $undo, latest first', ({ fails, undo, states }) => {
    const h = orchestrator();
    for (const s of ['inventory', 'payment', 'shipping']) {
      if (s === fails) {
        h.answer(s, 'do', 'failed');
        break;
      }
      h.answer(s, 'do', 'done');
    }
    for (const s of undo) h.answer(s, 'undo', 'compensated');
    expect(h.sent.filter((id) => id.endsWith('/undo'))).toEqual(undo.map((s) => `orders-1/${s}/undo`));
    expect(h.states()).toEqual(states);
    expect(h.book.metrics.compensated.value).toBe(1);
  });

  it('without compensation a failure ends the saga FAILED, its steps left as they are', () => {
    const h = orchestrator({ compensate: false });
    h.answer('inventory', 'do', 'done');
    h.answer('payment', 'do', 'failed');
    expect(h.states()).toEqual(['PENDING', 'RESERVED', 'FAILED']);
    expect(h.sent.some((id) => id.endsWith('/undo'))).toBe(false);
    expect(h.book.metrics.uncompensated.value).toBe(1);
  });

  it.each([0, 1, 3])('with %i retries a silent step is asked retries + 1 times, then undone before the steps done', (retries) => {
    const h = orchestrator({ retries });
    h.answer('inventory', 'do', 'done');
    h.bench.kernel.runUntil(1000 * (retries + 1) - 1);
    expect(h.sent.filter((id) => id === 'orders-1/payment/do')).toHaveLength(retries + 1);
    expect(h.saga.state).toBe('RESERVED');
    h.bench.kernel.runUntil(1000 * (retries + 1));
    expect(h.saga.state).toBe('COMPENSATING');
    expect(h.book.metrics.timeouts.value).toBe(1);
    // It may have charged after all: refund first, then release the stock.
    expect(h.sent.slice(-1)).toEqual(['orders-1/payment/undo']);
    h.answer('payment', 'undo', 'compensated');
    expect(h.sent.slice(-1)).toEqual(['orders-1/inventory/undo']);
  });

  it('asks a compensation again until it is answered', () => {
    const h = orchestrator({ retries: 0 });
    h.answer('inventory', 'do', 'done');
    h.answer('payment', 'do', 'failed');
    h.bench.kernel.runUntil(10_500);
    expect(h.sent.filter((id) => id === 'orders-1/inventory/undo')).toHaveLength(11);
    h.answer('inventory', 'undo', 'compensated');
    expect(h.saga.ended).toBe('cancelled');
    h.bench.kernel.runUntil(20_000);
    expect(h.sent.filter((id) => id === 'orders-1/inventory/undo')).toHaveLength(11);
  });

  it('ignores an answer it is not waiting for, and acks it', () => {
    const h = orchestrator();
    h.answer('payment', 'do', 'done');
    h.answer('inventory', 'do', 'done');
    h.answer('inventory', 'do', 'done');
    expect(h.book.metrics.lateReplies.value).toBe(2);
    expect(h.acked).toHaveLength(3);
    expect(h.saga.state).toBe('RESERVED');
  });

  it('after a crash, asks again what each saga was waiting for', () => {
    const h = orchestrator();
    h.answer('inventory', 'do', 'done');
    h.orchestrator.forget();
    h.bench.kernel.runUntil(5000);
    expect(h.sent).toEqual(['orders-1/inventory/do', 'orders-1/payment/do']);
    h.orchestrator.resume();
    expect(h.sent.slice(-1)).toEqual(['orders-1/payment/do']);
    expect(h.retried()).toBe(0);
  });
});
