import type { Admission, Bulkhead, BulkheadSettings } from './contract.js';

/**
 * The reference solution: the decisions of the built-in bulkhead (BoundedSlots in
 * src/patterns/bulkhead.ts), through the learner's interface. The author gate checks that it
 * passes the scenario and matches the built-in step for step.
 */
export default function createBulkhead(settings: BulkheadSettings): Bulkhead {
  return new Compartment(settings);
}

class Compartment implements Bulkhead {
  /** Slots taken. */
  private busy = 0;
  /** Tickets of the calls waiting for a slot, longest-waiting first. */
  private readonly waiting: number[] = [];

  constructor(private readonly settings: BulkheadSettings) {}

  acquire(ticket: number): Admission {
    if (this.busy < this.settings.maxConcurrent) {
      this.busy++;
      return 'run';
    }
    if (this.waiting.length < this.settings.queue) {
      this.waiting.push(ticket);
      return 'wait';
    }
    return 'refuse';
  }

  release(): number | undefined {
    // The slot passes straight to the call that has waited longest, so it stays taken.
    const next = this.waiting.shift();
    if (next === undefined) this.busy--;
    return next;
  }

  leave(ticket: number): void {
    const i = this.waiting.indexOf(ticket);
    if (i >= 0) this.waiting.splice(i, 1);
  }
}
