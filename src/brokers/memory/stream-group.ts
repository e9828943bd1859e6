import type { StreamListener, StreamRecord, Message } from '../broker.js';
import { streamGroup } from '../groups.js';
import type { BrokerHost, ClientLink } from './host.js';

export interface StoredRecord {
  readonly message: Message;
  readonly offset: number;
}

interface Member {
  readonly name: string;
  readonly link: ClientLink;
  readonly listener: StreamListener;
  readonly sessionTimeoutMs: number;
  /** False once its connection dropped without leaving: it gets nothing while the group waits. */
  alive: boolean;
}

class GroupRecord implements StreamRecord {
  constructor(
    private readonly group: ConsumerGroup,
    readonly stream: string,
    readonly partition: number,
    readonly stored: StoredRecord,
    readonly member: Member,
    readonly generation: number,
  ) {}

  get message(): Message {
    return this.stored.message;
  }

  get offset(): number {
    return this.stored.offset;
  }

  commit(): void {
    this.group.commit(this);
  }
}

/**
 * One consumer group on one stream: partitions shared among its members (partition p goes
 * to member p mod n, in join order), one record in flight per partition, offsets committed
 * per partition. When a member joins or leaves the group rebalances; a member whose
 * connection vanished is waited for `sessionTimeoutMs` first. Records are read from the
 * committed offset, so a record processed but not committed is read again after a
 * rebalance — at-least-once, in order within a partition.
 */
export class ConsumerGroup {
  readonly committed: number[];
  private readonly inFlight: (GroupRecord | undefined)[];
  private readonly owner: (Member | undefined)[];
  private members: Member[] = [];
  private generation = 0;
  private joined = 0;
  private dispatchPending = false;

  constructor(
    readonly stream: string,
    readonly name: string,
    private readonly log: readonly (readonly StoredRecord[])[],
    private readonly host: BrokerHost,
  ) {
    this.committed = log.map(() => 0);
    this.inFlight = log.map(() => undefined);
    this.owner = log.map(() => undefined);
  }

  get group(): string {
    return streamGroup(this.stream, this.name);
  }

  lag(): number[] {
    return this.log.map((records, p) => records.length - this.committed[p]!);
  }

  maxLag(): number {
    let max = 0;
    for (let p = 0; p < this.log.length; p++) max = Math.max(max, this.log[p]!.length - this.committed[p]!);
    return max;
  }

  join(link: ClientLink, listener: StreamListener, sessionTimeoutMs: number): () => void {
    const member: Member = { name: `${link.client}#${++this.joined}`, link, listener, sessionTimeoutMs, alive: true };
    this.members.push(member);
    this.rebalance();
    return () => this.leave(member);
  }

  connectionClosed(link: ClientLink, abrupt: boolean): void {
    for (const m of this.members) {
      if (m.link !== link) continue;
      if (!abrupt) {
        this.leave(m);
        continue;
      }
      m.alive = false;
      this.host.clock.setTimer(m.sessionTimeoutMs, () => this.leave(m));
    }
  }

  appended(): void {
    this.schedule();
  }

  commit(record: GroupRecord): void {
    const p = record.partition;
    if (record.generation !== this.generation || this.inFlight[p] !== record || !record.member.link.open) return;
    this.committed[p] = record.offset + 1;
    this.inFlight[p] = undefined;
    this.host.emit({ type: 'committed', id: record.message.id, group: this.group, partition: p, offset: record.offset });
    this.schedule();
  }

  /** Ids not yet committed by this group. */
  *holding(): IterableIterator<string> {
    for (let p = 0; p < this.log.length; p++) {
      const records = this.log[p]!;
      for (let o = this.committed[p]!; o < records.length; o++) yield records[o]!.message.id;
    }
  }

  private leave(member: Member): void {
    if (!this.members.includes(member)) return;
    this.members = this.members.filter((m) => m !== member);
    this.rebalance();
  }

  private rebalance(): void {
    this.generation++;
    const n = this.members.length;
    const revoked = new Map<Member, number[]>();
    const assigned = new Map<Member, number[]>();
    for (let p = 0; p < this.log.length; p++) {
      const next = n === 0 ? undefined : this.members[p % n];
      const previous = this.owner[p];
      // A new generation invalidates every record in flight: commits from it are ignored.
      this.inFlight[p] = undefined;
      if (next === previous) continue;
      if (previous) revoked.set(previous, [...(revoked.get(previous) ?? []), p]);
      if (next) assigned.set(next, [...(assigned.get(next) ?? []), p]);
      this.owner[p] = next;
    }
    const assignment: Record<string, number[]> = {};
    for (let p = 0; p < this.log.length; p++) {
      const o = this.owner[p];
      if (o) (assignment[o.name] ??= []).push(p);
    }
    this.host.emit({ type: 'rebalanced', group: this.group, generation: this.generation, assignment });
    this.host.clock.setTimer(this.host.latencyMs, () => {
      for (const [m, ps] of revoked) if (m.link.open && m.alive) m.listener.revoked(ps);
      for (const [m, ps] of assigned) if (m.link.open) m.listener.assigned(ps);
    });
    this.schedule();
  }

  private schedule(): void {
    if (this.dispatchPending) return;
    this.dispatchPending = true;
    this.host.clock.setTimer(this.host.latencyMs, () => this.dispatch());
  }

  private dispatch(): void {
    this.dispatchPending = false;
    for (let p = 0; p < this.log.length; p++) {
      const member = this.owner[p];
      if (!member || !member.alive || !member.link.open || this.inFlight[p]) continue;
      const stored = this.log[p]![this.committed[p]!];
      if (!stored) continue;
      const record = new GroupRecord(this, this.stream, p, stored, member, this.generation);
      this.inFlight[p] = record;
      this.host.emit({ type: 'delivered', id: stored.message.id, group: this.group, count: 1 });
      member.listener.record(record);
    }
  }
}
