import type { Admission, Bulkhead, BulkheadSettings } from './contract.js';

/**
 * Your bulkhead. The simulator calls this function once per run with the settings from
 * scenario.yaml, and then asks the object it returns about every call (see contract.ts).
 *
 * As it stands it compiles and runs, but it lets every call run: when analytics slows down,
 * its calls take every connection the shop has, and checkouts wait. Fill in the TODOs, then
 * run `patterns check`.
 */
export default function createBulkhead(settings: BulkheadSettings): Bulkhead {
  return new MyBulkhead(settings);
}

class MyBulkhead implements Bulkhead {
  // TODO: what must the bulkhead remember between calls? (how many slots are taken, and
  // which calls wait for one, in order)

  constructor(private readonly settings: BulkheadSettings) {}

  acquire(ticket: number, now: number): Admission {
    // TODO: while fewer than `maxConcurrent` calls hold a slot, the call takes one: 'run'.
    // When every slot is taken, it may wait if fewer than `queue` calls wait already: 'wait'.
    // Otherwise: 'refuse'.
    return 'run';
  }

  release(now: number): number | undefined {
    // TODO: a slot is free. If calls are waiting, hand it to the one that has waited longest:
    // return its ticket. If none is, the slot stays free.
    return undefined;
  }

  leave(ticket: number, now: number): void {
    // TODO: this call stopped waiting (it waited too long, or its caller gave up): it must
    // not be handed a slot, and its place in the queue is free.
  }
}
