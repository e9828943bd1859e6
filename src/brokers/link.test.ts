import { describe, expect, it } from 'vitest';
import { Kernel } from '../core/kernel.js';
import { Random } from '../core/random.js';
import { MessageLink } from './link.js';

function carry(link: MessageLink, kernel: Kernel, n: number): { id: string; at: number }[] {
  const arrived: { id: string; at: number }[] = [];
  for (let i = 0; i < n; i++) link.carry(`m${i}`, () => arrived.push({ id: `m${i}`, at: kernel.now() }));
  kernel.runUntil(kernel.now() + 10_000);
  return arrived;
}

describe('message link', () => {
  it.each([
    { condition: {}, count: 1000, order: true },
    { condition: { drop: 0.25 }, count: 750, order: true },
    { condition: { duplicate: 0.25 }, count: 1250, order: true },
    { condition: { cut: true }, count: 0, order: true },
    { condition: { reorder: 50 }, count: 1000, order: false },
  ])('$condition: about $count of 1000 arrive, in order: $order', ({ condition, count, order }) => {
    const kernel = new Kernel();
    const link = new MessageLink(kernel, new Random(4), 5);
    link.impose(condition);
    const arrived = carry(link, kernel, 1000);
    expect(Math.abs(arrived.length - count)).toBeLessThanOrEqual(50);
    const ids = arrived.map((a) => Number(a.id.slice(1)));
    const sorted = ids.every((v, i) => i === 0 || v >= ids[i - 1]!);
    expect(sorted).toBe(order);
  });

  it('a delay adds to the latency, and undoing it takes it away', () => {
    const kernel = new Kernel();
    const link = new MessageLink(kernel, new Random(1), 5);
    const undo = link.impose({ delay: 100 });
    expect(carry(link, kernel, 1)[0]!.at).toBe(105);
    undo();
    const start = kernel.now();
    expect(carry(link, kernel, 1)[0]!.at - start).toBe(5);
  });

  it('messages in flight when the link is cut never arrive; acks stop too', () => {
    const kernel = new Kernel();
    const link = new MessageLink(kernel, new Random(1), 10);
    const arrived: string[] = [];
    link.carry('m', () => arrived.push('m'));
    expect([...link.holding()]).toEqual([{ id: 'm' }]);
    kernel.runUntil(5);
    link.impose({ cut: true });
    link.back(() => arrived.push('ack'));
    kernel.runUntil(100);
    expect(arrived).toEqual([]);
    expect(link.describe()).toBe('cut');
  });
});
