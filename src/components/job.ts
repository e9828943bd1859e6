import type { Message } from '../brokers/broker.js';

/**
 * One message handed to a consumer, whatever it came from: a queue delivery, a topic
 * subscription, a stream record. The source decides what finishing it means.
 */
export interface Job {
  readonly message: Message;
  /** Who the copy is for: the queue, `topic@subscription` or `stream@group`. */
  readonly group: string;
  /** As the broker counts it (1 = first delivery). */
  readonly deliveryCount: number;
  /** The broker forgot it as it handed it over (at-most-once): nothing to ack, nothing comes back. */
  readonly autoAcked: boolean;
  readonly partition?: number | undefined;
  /** Done with it: ack, or commit its offset. */
  complete(): void;
  /** Another try: nack it back to the queue, or (streams) process it again. */
  retry(): void;
  /** Give up on it: reject (dead-letter, if the queue has one), or (streams) skip past it. */
  refuse(): void;
}

export type JobHandler = (job: Job) => void;
