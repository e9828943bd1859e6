import type { Job } from '../components/job.js';

export type FailureAction = 'retry' | 'refuse';

export interface FailurePolicy {
  /** What to do with a message whose processing failed: requeue it, or reject it. */
  onError: 'requeue' | 'reject';
  /** Reject once the broker has delivered it this many times (needs `delivery-count`). */
  maxAttempts?: number | undefined;
}

/**
 * The consumer's half of dead-lettering. A message that fails is given back for another
 * try — until it has been tried `maxAttempts` times, then it is rejected, and a queue with
 * a dead-letter queue moves it there instead of dropping it. Brokers that count deliveries
 * themselves (RabbitMQ quorum queues' delivery limit) do the counting broker-side: declare
 * `deadLetter: {to, after}` on the queue and leave maxAttempts out. Without either, one
 * poison message is redelivered forever and blocks the consumer that keeps getting it.
 */
export function onFailure(job: Pick<Job, 'deliveryCount'>, policy: FailurePolicy): FailureAction {
  if (policy.maxAttempts !== undefined && job.deliveryCount >= policy.maxAttempts) return 'refuse';
  return policy.onError === 'reject' ? 'refuse' : 'retry';
}
