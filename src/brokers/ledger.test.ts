import { describe, expect, it } from 'vitest';
import { Kernel } from '../core/kernel.js';
import { MessageLedger } from './ledger.js';

function ledger() {
  const kernel = new Kernel();
  const l = new MessageLedger(kernel);
  const held: { id: string; group?: string }[] = [];
  l.registerHolder(() => held);
  l.registerGroup({ destination: 'orders', group: 'orders', consumer: 'worker' });
  return { l, held, kernel };
}

describe('message ledger', () => {
  it.each([
    ['handled', (l: MessageLedger) => (l.accepted('m', 'orders'), l.handled('m', 'orders')), 'handled'],
    ['dead-lettered', (l: MessageLedger) => (l.accepted('m', 'orders'), l.deadLettered('m', 'orders')), 'dead-lettered'],
    ['accepted and held nowhere', (l: MessageLedger) => l.accepted('m', 'orders'), 'lost'],
    ['owed, never accepted, held nowhere', (l: MessageLedger) => l.owed('m'), 'lost'],
  ] as const)('%s → %s', (_name, act, status) => {
    const { l } = ledger();
    l.created('m', 'shop', 'orders');
    act(l);
    l.settle();
    expect(l.status('m')).toBe(status);
  });

  it('a message still held somewhere is pending, not lost', () => {
    const { l, held } = ledger();
    l.created('m', 'shop', 'orders');
    l.owed('m');
    held.push({ id: 'm' });
    l.settle();
    expect(l.status('m')).toBe('pending');
  });

  it('a message nobody was promised and no broker took is not counted', () => {
    const { l } = ledger();
    l.created('m', 'shop', 'orders');
    expect(l.settle().messages).toBe(0);
  });

  it('a copy a subscriber never got is lost for that subscriber only', () => {
    const { l } = ledger();
    l.registerGroup({ destination: 'events', group: 'events@mail', consumer: 'mail' });
    l.registerGroup({ destination: 'events', group: 'events@stats', consumer: 'stats' });
    let missed = -1;
    l.registerGroup({ destination: 'events', group: 'events@mail', consumer: 'mail', settled: (t) => (missed = t.lost) });
    l.created('e', 'shop', 'events');
    l.accepted('e', 'events');
    l.handled('e', 'events@stats');
    const s = l.settle();
    expect(l.status('e')).toBe('lost');
    expect(missed).toBe(1);
    expect(s.groups.find((g) => g.group === 'events@stats')).toMatchObject({ handled: 1, lost: 0 });
  });

  it('a stream keeps what a group has not read: pending, never lost', () => {
    const { l } = ledger();
    l.registerGroup({ destination: 'log', group: 'log@g', consumer: 'c', log: true });
    l.created('r', 'shop', 'log');
    l.accepted('r', 'log');
    l.settle();
    expect(l.status('r')).toBe('pending');
  });

  it('a router that forwards hands the outcome to the next destination; one that swallows loses it', () => {
    const { l } = ledger();
    l.registerGroup({ destination: 'in', group: 'in', consumer: 'router', relay: true });
    l.registerGroup({ destination: 'out', group: 'out', consumer: 'team' });
    for (const id of ['forwarded', 'swallowed']) {
      l.created(id, 'shop', 'in');
      l.accepted(id, 'in');
      l.handled(id, 'in');
    }
    l.accepted('forwarded', 'out');
    l.handled('forwarded', 'out');
    l.settle();
    expect(l.status('forwarded')).toBe('handled');
    expect(l.status('swallowed')).toBe('lost');
  });

  it('counts duplicates: accepted twice, applied twice', () => {
    const { l } = ledger();
    l.created('m', 'shop', 'orders');
    l.accepted('m', 'orders');
    l.accepted('m', 'orders');
    expect(l.delivered('m', 'orders')).toBe(1);
    expect(l.delivered('m', 'orders')).toBe(2);
    expect(l.effect('m', 'orders')).toEqual({ first: true });
    expect(l.effect('m', 'orders')).toEqual({ first: false });
    l.handled('m', 'orders');
    const s = l.settle();
    expect(s.producers[0]).toMatchObject({ messages: 1, published: 2, duplicates: 1, handled: 1 });
    expect(s.groups[0]).toMatchObject({ delivered: 2, redelivered: 1, effects: 2, duplicateEffects: 1 });
    expect(s.notable.map((n) => n.id)).toEqual(['m']);
  });

  it('reports end-to-end latency once per message, at its first effect', () => {
    const { l, kernel } = ledger();
    const seen: number[] = [];
    l.registerProducer('shop', { firstEffect: (ms) => seen.push(ms) });
    l.created('m', 'shop', 'orders');
    kernel.runUntil(250);
    l.effect('m', 'orders');
    l.effect('m', 'orders');
    expect(seen).toEqual([250]);
  });

  it('lists the worst messages first', () => {
    const { l } = ledger();
    for (const id of ['dup', 'gone']) {
      l.created(id, 'shop', 'orders');
      l.accepted(id, 'orders');
    }
    l.accepted('dup', 'orders');
    l.handled('dup', 'orders');
    expect(l.settle().notable.map((n) => [n.id, n.status])).toEqual([
      ['gone', 'lost'],
      ['dup', 'handled'],
    ]);
  });
});
