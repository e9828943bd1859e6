import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Kernel } from './kernel.js';

describe('Kernel', () => {
  it('runs events in time order, FIFO among equal times', () => {
    const k = new Kernel();
    const seen: string[] = [];
    k.setTimer(20, () => seen.push('b@20'));
    k.setTimer(10, () => seen.push('a@10'));
    k.setTimer(20, () => seen.push('c@20'));
    k.setTimer(0, () => seen.push('z@0'));
    k.runUntil(100);
    expect(seen).toEqual(['z@0', 'a@10', 'b@20', 'c@20']);
    expect(k.now()).toBe(100);
  });

  it('runs a zero-delay timer after everything already due at the same time', () => {
    const k = new Kernel();
    const seen: string[] = [];
    k.setTimer(5, () => {
      seen.push('first');
      k.setTimer(0, () => seen.push('scheduled-during'));
    });
    k.setTimer(5, () => seen.push('second'));
    k.runUntil(10);
    expect(seen).toEqual(['first', 'second', 'scheduled-during']);
  });

  it('never runs a cancelled timer, and cancelling twice is harmless', () => {
    const k = new Kernel();
    const seen: number[] = [];
    const t = k.setTimer(5, () => seen.push(5));
    k.setTimer(6, () => seen.push(6));
    t.cancel();
    t.cancel();
    expect(k.pending).toBe(1);
    k.runUntil(10);
    expect(seen).toEqual([6]);
    expect(k.eventsRun).toBe(1);
  });

  it('a timer can cancel another due at the same instant', () => {
    const k = new Kernel();
    const seen: string[] = [];
    const later = k.setTimer(1, () => seen.push('cancelled one'));
    k.at(1, () => seen.push('also due'));
    k.at(0.5, () => later.cancel());
    k.runUntil(2);
    expect(seen).toEqual(['also due']);
  });

  it('stops after a budget of events so a caller can yield, then carries on', () => {
    const k = new Kernel();
    let n = 0;
    for (let i = 0; i < 10; i++) k.setTimer(i, () => n++);
    expect(k.runUntil(100, 4)).toBe(false);
    expect(n).toBe(4);
    expect(k.now()).toBe(3);
    expect(k.runUntil(100)).toBe(true);
    expect(n).toBe(10);
  });

  it('refuses negative and non-numeric delays', () => {
    const k = new Kernel();
    expect(() => k.setTimer(-1, () => {})).toThrow(RangeError);
    expect(() => k.setTimer(NaN, () => {})).toThrow(RangeError);
  });

  it('runs past-due absolute times at the current time', () => {
    const k = new Kernel();
    k.runUntil(50);
    let at = -1;
    k.at(10, () => (at = k.now()));
    k.runUntil(60);
    expect(at).toBe(50);
  });

  it('property: any schedule runs in (time, insertion) order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 200 }), (plan) => {
        const k = new Kernel();
        const ran: [number, number][] = [];
        const timers = plan.map(([delay], i) => k.setTimer(delay, () => ran.push([delay, i])));
        plan.forEach(([, cancel], i) => cancel && timers[i]!.cancel());
        k.runUntil(100);
        const expected = plan
          .map(([delay, cancel], i) => ({ delay, cancel, i }))
          .filter((x) => !x.cancel)
          .sort((a, b) => a.delay - b.delay || a.i - b.i)
          .map((x) => [x.delay, x.i]);
        expect(ran).toEqual(expected);
      }),
    );
  });
});

describe('Kernel with many cancelled timers', () => {
  it('keeps order and counts when most timers are cancelled (the heap is rebuilt)', () => {
    const k = new Kernel();
    const ran: number[] = [];
    const timers = Array.from({ length: 5000 }, (_, i) => k.setTimer((i * 7919) % 1000, () => ran.push(i)));
    timers.forEach((t, i) => i % 5 !== 0 && t.cancel());
    expect(k.pending).toBe(1000);
    k.runUntil(2000);
    const expected = Array.from({ length: 5000 }, (_, i) => i)
      .filter((i) => i % 5 === 0)
      .sort((a, b) => ((a * 7919) % 1000) - ((b * 7919) % 1000) || a - b);
    expect(ran).toEqual(expected);
    expect(k.pending).toBe(0);
  });
});
