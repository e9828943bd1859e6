import { Bulkhead, type Admission, type BulkheadConfig, type Slots } from '../../patterns/bulkhead.js';
import { formatClock } from '../../core/units.js';
import type { LearnerCalls } from '../learner.js';
import { describeAnswer, missingFunctions, type Contract } from './contract.js';

/**
 * The learner's side of a bulkhead: who takes a slot, who waits, who is refused, and which
 * waiting call a freed slot goes to. The bulkhead around it (holding the calls, timing the
 * waits out, the state and the figures) is the built-in's.
 */
export interface LearnerSlots {
  /** Call `ticket` arrives at `now`: 'run', 'wait' or 'refuse'. */
  acquire(ticket: number, now: number): Admission;
  /** A call in a slot is done: the ticket of the waiting call that gets the slot, or undefined. */
  release(now: number): number | undefined | null;
  /** Waiting call `ticket` left the queue without a slot (it waited too long, or its caller gave up). */
  leave(ticket: number, now: number): void;
}

const ADMISSIONS: readonly Admission[] = ['run', 'wait', 'refuse'];

export const slotsContract: Contract = {
  name: 'slots',
  hooks: ['acquire', 'release', 'leave'],
  shape: (learner) => missingFunctions(learner, 'your object', ['acquire', 'release', 'leave']),
  build: (learner, { spec, ctx, calls }) => {
    const cfg = spec.config as BulkheadConfig;
    const slots = new LearnerSlotsAdapter(learner as LearnerSlots, calls);
    return new Bulkhead(ctx.name, { maxConcurrent: cfg.maxConcurrent, queue: cfg.queue, queueTimeout: cfg.queueTimeout }, ctx, slots);
  },
};

/** Asks the learner, and holds its answers to what the simulator knows: which calls are waiting. */
class LearnerSlotsAdapter implements Slots {
  private readonly waiting = new Set<number>();
  /** When recent calls left the queue without a slot, to say so if the learner hands one a slot. */
  private readonly left = new Map<number, number>();

  constructor(
    private readonly learner: LearnerSlots,
    private readonly calls: LearnerCalls,
  ) {}

  acquire(ticket: number, now: number): Admission {
    const answer = this.calls.call('acquire', now, () => this.learner.acquire(ticket, now));
    if (!ADMISSIONS.includes(answer)) {
      throw this.calls.invalid('acquire', now, `acquire(${ticket}) returned ${describeAnswer(answer)}: answer 'run' (it takes a slot), 'wait' (it queues for one) or 'refuse'`);
    }
    if (answer === 'wait') this.waiting.add(ticket);
    return answer;
  }

  release(now: number): number | undefined {
    const ticket = this.calls.call('release', now, () => this.learner.release(now));
    if (ticket === undefined || ticket === null) return undefined;
    if (typeof ticket !== 'number' || !this.waiting.has(ticket)) {
      throw this.calls.invalid('release', now, `release returned ${describeAnswer(ticket)}, but ${this.whyNotWaiting(ticket)}. Return the ticket of a waiting call, or undefined to leave the slot free.`);
    }
    this.waiting.delete(ticket);
    return ticket;
  }

  leave(ticket: number, now: number): void {
    this.waiting.delete(ticket);
    this.left.set(ticket, now);
    if (this.left.size > LEFT_KEPT) this.left.delete(this.left.keys().next().value!);
    this.calls.call('leave', now, () => this.learner.leave(ticket, now));
  }

  private whyNotWaiting(ticket: unknown): string {
    const at = typeof ticket === 'number' ? this.left.get(ticket) : undefined;
    const tickets = [...this.waiting];
    const waiting = tickets.length === 0 ? 'no call is waiting now' : `the calls waiting now are ${list(tickets)}`;
    if (at === undefined) return `that is not a call waiting for a slot, and ${waiting}`;
    return `call ${ticket} left the queue at ${formatClock(at)} (it waited too long, or its caller gave up: your leave heard of it), and ${waiting}`;
  }
}

/** Calls that left the queue remembered at once, for error messages. */
const LEFT_KEPT = 1000;

function list(tickets: number[]): string {
  return tickets.length > 5 ? `${tickets.slice(0, 5).join(', ')}...` : tickets.join(', ');
}
