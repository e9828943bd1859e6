import type { Clock } from '../../core/clock.js';
import type { Message } from '../broker.js';
import type { Capabilities } from '../capabilities.js';

export type ReturnReason = 'nack' | 'ack-timeout' | 'connection-lost';
export type DeadLetterReason = 'rejected' | 'expired' | 'delivery-limit';

/**
 * What the memory broker reports about itself: the simulation's view inside the broker,
 * used for metrics, message accounting and tests. `group` names who a copy is for: a
 * queue's name, a topic subscription's `topic@name`, a stream group's `stream@group`.
 */
export type BrokerEvent =
  | { type: 'accepted'; id: string; destination: string; groups: readonly string[] }
  | { type: 'refused'; id: string; destination: string; code: string }
  | { type: 'delivered'; id: string; group: string; count: number }
  | { type: 'acked'; id: string; group: string }
  | { type: 'returned'; id: string; group: string; reason: ReturnReason }
  | { type: 'dead-lettered'; id: string; group: string; to: string; reason: DeadLetterReason }
  | { type: 'dropped'; id: string; group: string; reason: string }
  | { type: 'committed'; id: string; group: string; partition: number; offset: number }
  | { type: 'rebalanced'; group: string; generation: number; assignment: Record<string, number[]> };

/** What the queues, topics and streams of one memory broker share. */
export interface BrokerHost {
  readonly clock: Pick<Clock, 'now' | 'setTimer'>;
  /** Delay before any callback: the broker's own processing time (0 still means "later, not now"). */
  readonly latencyMs: number;
  readonly capabilities: Capabilities;
  emit(event: BrokerEvent): void;
  /** Moves a message to the named dead-letter queue, if it exists. */
  deadLetter(to: string, message: Message, from: string, reason: DeadLetterReason): boolean;
}

/** The connection-side facts a queue, topic or stream needs about who it delivers to. */
export interface ClientLink {
  readonly open: boolean;
  readonly client: string;
}
