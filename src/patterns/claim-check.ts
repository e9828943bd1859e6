import type { Message } from '../brokers/broker.js';
import type { Cancel, FailureKind, Handler } from '../core/component.js';
import type { Clock } from '../core/clock.js';

/** The header that carries the reference to a checked-in payload. */
export const CLAIM_HEADER = 'claim-check';
/** What a message that only carries a reference weighs. */
const REFERENCE_BYTES = 256;

/**
 * The claim check: a payload too large for the broker goes to a blob store, and the message
 * carries only a reference to it; the consumer fetches the payload back. The broker's size
 * limit no longer matters, at the price of a second system on the path: when the store is
 * down, large messages can neither be sent nor read.
 */
export class ClaimCheck {
  constructor(
    private readonly store: Handler,
    /** Payloads above this go to the store. */
    private readonly over: number,
    private readonly newCallId: () => number,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /** Stores the payload if it is large; hands back the message to send. */
  checkIn(message: Message, done: (error: FailureKind | undefined, toSend?: Message) => void): Cancel {
    if (message.size <= this.over) {
      done(undefined, message);
      return noop;
    }
    return this.store({ id: this.newCallId(), startedAt: this.clock.now(), tags: { op: 'put', blob: message.id } }, (outcome) => {
      if (!outcome.ok) return done(outcome.error);
      done(undefined, {
        ...message,
        size: REFERENCE_BYTES,
        headers: { ...message.headers, [CLAIM_HEADER]: `blob/${message.id}`, 'payload-bytes': String(message.size) },
      });
    });
  }

  /** Fetches the payload a message refers to; messages without a reference need nothing. */
  checkOut(message: Message, done: (error: FailureKind | undefined) => void): Cancel {
    const ref = message.headers[CLAIM_HEADER];
    if (ref === undefined) {
      done(undefined);
      return noop;
    }
    return this.store({ id: this.newCallId(), startedAt: this.clock.now(), tags: { op: 'get', blob: ref } }, (outcome) => done(outcome.ok ? undefined : outcome.error));
  }
}

const noop: Cancel = () => {};
