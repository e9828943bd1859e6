/**
 * The message ledger across processes. In a child, `ForwardingLedger` answers its own
 * components as a ledger does (it learns ids from deliveries too, since the producer of a
 * message lives in another process) and writes every entry out as a `LedgerOp`; it never
 * settles (a child sees only its side). The parent replays every child's ops into one
 * `MessageLedger` (`LedgerReplay`) and settles that: the Messages table of a multi-process
 * run is the same accounting as a simulation's.
 */
import { MessageLedger, type GroupRegistration, type HoldingProbe } from '../brokers/ledger.js';
import type { Clock } from '../core/clock.js';
import type { MessagesSummary } from '../core/trace.js';

export type LedgerOp =
  | { op: 'group'; destination: string; group: string; consumer: string; relay?: boolean; log?: boolean }
  | { op: 'producer'; name: string }
  | { op: 'created'; id: string; producer: string; destination: string }
  | { op: 'owed'; id: string }
  | { op: 'accepted'; id: string; destination: string }
  | { op: 'delivered'; id: string; group: string }
  | { op: 'effect'; id: string; group: string }
  | { op: 'handled'; id: string; group: string }
  | { op: 'deadLettered'; id: string; group: string };

const empty: MessagesSummary = { messages: 0, producers: [], groups: [], notable: [], notableOmitted: 0 };

export class ForwardingLedger extends MessageLedger {
  private readonly destinations = new Map<string, string>();
  private readonly holders: HoldingProbe[] = [];

  constructor(
    clock: Pick<Clock, 'now'>,
    private readonly out: (op: LedgerOp) => void,
  ) {
    super(clock);
  }

  override registerHolder(probe: HoldingProbe): void {
    super.registerHolder(probe);
    this.holders.push(probe);
  }

  /** What this process's holders (broker as seen from here, buffers, outboxes) hold now. */
  heldNow(): { id: string; group?: string | undefined }[] {
    return this.holders.flatMap((p) => [...p()]);
  }

  override registerGroup(reg: GroupRegistration): void {
    super.registerGroup(reg);
    this.destinations.set(reg.group, reg.destination);
    this.out({ op: 'group', destination: reg.destination, group: reg.group, consumer: reg.consumer, ...(reg.relay ? { relay: true } : {}), ...(reg.log ? { log: true } : {}) });
  }

  override registerProducer(name: string, hooks: Parameters<MessageLedger['registerProducer']>[1]): void {
    super.registerProducer(name, hooks);
    this.out({ op: 'producer', name });
  }

  override created(id: string, producer: string, destination: string): void {
    super.created(id, producer, destination);
    this.out({ op: 'created', id, producer, destination });
  }

  override owed(id: string): void {
    super.owed(id);
    this.out({ op: 'owed', id });
  }

  override accepted(id: string, destination: string): number {
    this.out({ op: 'accepted', id, destination });
    return super.accepted(id, destination);
  }

  override delivered(id: string, group: string): number {
    this.know(id, group);
    this.out({ op: 'delivered', id, group });
    return super.delivered(id, group);
  }

  override effect(id: string, group: string): { first: boolean } {
    this.know(id, group);
    this.out({ op: 'effect', id, group });
    return super.effect(id, group);
  }

  override handled(id: string, group: string): void {
    this.out({ op: 'handled', id, group });
    super.handled(id, group);
  }

  override deadLettered(id: string, group: string): void {
    this.out({ op: 'deadLettered', id, group });
    super.deadLettered(id, group);
  }

  /** A child sees part of the journey only: the parent settles. */
  override settle(): MessagesSummary {
    return empty;
  }

  /** An id first seen at a delivery was produced in another process: known here from now on (not forwarded). */
  private know(id: string, group: string): void {
    super.created(id, '?', this.destinations.get(group) ?? group);
  }
}

/**
 * The parent's side. Ops from different processes race (a delivery may arrive before the
 * producer's `created` for the same id), so ops for an id the parent has not seen created
 * wait until it is, or until the end.
 */
type Entry = Exclude<LedgerOp, { op: 'group' | 'producer' | 'created' }>;

export class LedgerReplay {
  readonly ledger: MessageLedger;
  private readonly seen = new Set<string>();
  private readonly waiting = new Map<string, Entry[]>();
  private readonly groups = new Set<string>();

  constructor(clock: Pick<Clock, 'now'>) {
    this.ledger = new MessageLedger(clock);
  }

  apply(op: LedgerOp): void {
    const l = this.ledger;
    switch (op.op) {
      case 'group':
        if (this.groups.has(`${op.group}\u0000${op.consumer}`)) return;
        this.groups.add(`${op.group}\u0000${op.consumer}`);
        l.registerGroup({ destination: op.destination, group: op.group, consumer: op.consumer, ...(op.relay ? { relay: true } : {}), ...(op.log ? { log: true } : {}) });
        return;
      case 'producer':
        l.registerProducer(op.name, {});
        return;
      case 'created': {
        l.created(op.id, op.producer, op.destination);
        this.seen.add(op.id);
        const queued = this.waiting.get(op.id);
        this.waiting.delete(op.id);
        for (const q of queued ?? []) this.entry(q);
        return;
      }
      default:
        if (!this.seen.has(op.id)) {
          this.waiting.set(op.id, [...(this.waiting.get(op.id) ?? []), op]);
          return;
        }
        this.entry(op);
    }
  }

  /** Ops whose `created` never came (a producer killed mid-write): replayed as they are. */
  flush(): void {
    for (const [id, ops] of this.waiting) {
      this.seen.add(id);
      for (const op of ops) this.entry(op);
    }
    this.waiting.clear();
  }

  private entry(op: Entry): void {
    const l = this.ledger;
    switch (op.op) {
      case 'owed':
        return l.owed(op.id);
      case 'accepted':
        l.accepted(op.id, op.destination);
        return;
      case 'delivered':
        l.delivered(op.id, op.group);
        return;
      case 'effect':
        l.effect(op.id, op.group);
        return;
      case 'handled':
        return l.handled(op.id, op.group);
      case 'deadLettered':
        return l.deadLettered(op.id, op.group);
    }
  }
}
