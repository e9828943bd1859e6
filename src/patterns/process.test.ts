import { describe, expect, it } from 'vitest';
import { Kernel } from '../core/kernel.js';
import { Process } from './process.js';

describe('process', () => {
  it('overlapping pauses: the process resumes when the last one ends, and runs what waited in order', () => {
    const k = new Kernel();
    const p = new Process('p', k, 5);
    const ran: string[] = [];
    p.after(100, () => ran.push(`a@${k.now()}`));
    p.after(200, () => ran.push(`b@${k.now()}`));
    const first = p.pause();
    const second = p.pause();
    k.runUntil(300);
    first();
    first();
    expect([p.isPaused, ran]).toEqual([true, []]);
    second();
    expect([p.isPaused, ran]).toEqual([false, ['a@300', 'b@300']]);
  });

  it('a partition holds messages both ways and delivers them after the heal', () => {
    const k = new Kernel();
    const p = new Process('p', k, 5);
    const log: string[] = [];
    const heal = p.partition();
    p.request(
      () => log.push(`served@${k.now()}`),
      () => log.push(`answered@${k.now()}`),
    );
    k.runUntil(1000);
    expect(log).toEqual([]);
    heal();
    k.runUntil(2000);
    expect(log).toEqual(['served@1005', 'answered@1010']);
  });
});
