import type { Connection, Subscription } from '../brokers/broker.js';
import { streamGroup } from '../brokers/groups.js';
import type { Job, JobHandler } from '../components/job.js';

/**
 * Partitioned stream: messages with the same key go to the same partition, a partition is
 * read by one member of a consumer group at a time, one record after another, so each
 * key's messages are processed in the order they were written — while different keys
 * proceed in parallel. There is no order across partitions, and a rebalance (a member
 * joins or leaves) replays what was processed but not yet committed.
 */
export function joinStream(
  connection: Connection,
  stream: string,
  options: { group: string; sessionTimeoutMs: number },
  onJob: JobHandler,
  onAssignment: (partitions: { assigned?: readonly number[]; revoked?: readonly number[] }) => void,
): Subscription {
  const group = streamGroup(stream, options.group);
  return connection.join(stream, options, {
    record: (r) => {
      const job: Job = {
        message: r.message,
        group,
        deliveryCount: 1,
        autoAcked: false,
        partition: r.partition,
        complete: () => r.commit(),
        // A log has no "give it back": try it again here, in place, so order holds.
        retry: () => onJob(job),
        // Skipping a record is the only way past it; without a dead-letter topic it is lost.
        refuse: () => r.commit(),
      };
      onJob(job);
    },
    assigned: (partitions) => onAssignment({ assigned: partitions }),
    revoked: (partitions) => onAssignment({ revoked: partitions }),
  });
}

export type SequenceVerdict = 'in-order' | 'late' | 'replay' | 'unsequenced';

/**
 * Checks per-key sequence numbers as effects happen: a number below the highest already
 * seen for its key, and never seen, arrived late — its key's events were applied out of
 * order. A number seen before is a replay (a duplicate), not a reordering.
 */
export class SequenceChecker {
  private readonly keys = new Map<string, { highest: number; seen: Set<number> }>();

  observe(headers: Readonly<Record<string, string>>): { verdict: SequenceVerdict; key?: string; seq?: number; highest?: number } {
    const key = headers['key'];
    const seq = Number(headers['seq']);
    if (key === undefined || !Number.isInteger(seq)) return { verdict: 'unsequenced' };
    let k = this.keys.get(key);
    if (!k) this.keys.set(key, (k = { highest: 0, seen: new Set() }));
    const highest = k.highest;
    if (k.seen.has(seq)) return { verdict: 'replay', key, seq, highest };
    k.seen.add(seq);
    if (seq < highest) return { verdict: 'late', key, seq, highest };
    k.highest = seq;
    return { verdict: 'in-order', key, seq, highest };
  }
}
