/**
 * Priority queue: a queue declared with `maxPriority` hands out its highest-priority
 * ready message first (FIFO within one priority), so urgent work overtakes a backlog of
 * bulk work. The price is starvation: while urgent work keeps coming, bulk work waits, and
 * only its end-to-end latency shows it. Priorities act among *ready* messages only: a
 * consumer with a large prefetch has already taken bulk messages off the queue, so keep
 * prefetch small where priorities matter.
 *
 * The broker side is in the memory adapter's ReadyList; a producer sets a message's
 * priority (`priority:`), clamped to the queue's maximum as RabbitMQ does.
 */
export function effectivePriority(requested: number | undefined, maxPriority: number | undefined): number {
  if (maxPriority === undefined) return 0;
  return Math.max(0, Math.min(requested ?? 0, maxPriority));
}
