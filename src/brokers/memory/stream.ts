import type { Message, StreamListener, Subscription } from '../broker.js';
import { partitionForKey } from '../partitioner.js';
import type { BrokerHost, ClientLink } from './host.js';
import { ConsumerGroup, type StoredRecord } from './stream-group.js';

/**
 * A partitioned log: appends go to the partition of their key (round robin without one),
 * records stay after they are read, and each consumer group keeps its own offsets.
 */
export class MemoryStream {
  private readonly log: StoredRecord[][];
  private readonly groups = new Map<string, ConsumerGroup>();
  private turn = 0;

  constructor(
    readonly name: string,
    readonly partitions: number,
    private readonly host: BrokerHost,
  ) {
    this.log = Array.from({ length: partitions }, () => []);
  }

  append(message: Message, partition?: number): { partition: number; offset: number } {
    const p =
      partition !== undefined
        ? Math.max(0, Math.min(this.partitions - 1, partition))
        : message.key !== undefined
          ? partitionForKey(message.key, this.partitions)
          : this.turn++ % this.partitions;
    const records = this.log[p]!;
    const offset = records.length;
    records.push({ message, offset });
    for (const g of this.groups.values()) g.appended();
    return { partition: p, offset };
  }

  join(link: ClientLink, group: string, sessionTimeoutMs: number, listener: StreamListener): Subscription {
    let g = this.groups.get(group);
    if (!g) {
      g = new ConsumerGroup(this.name, group, this.log, this.host);
      this.groups.set(group, g);
    }
    return { cancel: g.join(link, listener, sessionTimeoutMs) };
  }

  connectionClosed(link: ClientLink, abrupt: boolean): void {
    for (const g of this.groups.values()) g.connectionClosed(link, abrupt);
  }

  consumerGroups(): IterableIterator<ConsumerGroup> {
    return this.groups.values();
  }

  /** Records each known group has not committed yet. Groups that never joined hold everything (the log keeps it). */
  *holding(): IterableIterator<{ id: string; group: string }> {
    for (const g of this.groups.values()) for (const id of g.holding()) yield { id, group: g.group };
  }

  get length(): number {
    return this.log.reduce((n, r) => n + r.length, 0);
  }
}
