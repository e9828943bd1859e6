import type { Clock } from '../core/clock.js';
import type { GroupMessages, MessageStatus, MessagesSummary, NotableMessage, ProducerMessages } from '../core/trace.js';

/** One group's view of one message. */
interface GroupState {
  delivered: number;
  effects: number;
  handled: boolean;
  deadLettered: boolean;
}

interface MessageRecord {
  readonly id: string;
  readonly producer: string;
  readonly createdAt: number;
  /** When its producer committed to it (answered its caller, or committed a business row). */
  owedAt: number | undefined;
  /** Times a broker took it in; more than once is a duplicate. */
  accepted: number;
  /** Where it was sent: the producer's destination, then wherever routers forwarded it. */
  readonly destinations: string[];
  readonly groups: Map<string, GroupState>;
  effectSeen: boolean;
}

export interface GroupRegistration {
  destination: string;
  /** A queue's name, `topic@subscription`, `stream@group`. */
  group: string;
  consumer: string;
  /** A router: handing the message on is not the end of its journey. */
  relay?: boolean;
  /** A stream: the log keeps what the group has not read, so nothing there is lost. */
  log?: boolean;
  /** Called once the run is over with the group's final tally. */
  settled?: (tally: GroupMessages) => void;
}

export interface ProducerHooks {
  /** A message of this producer had its first effect, `ms` after it was created. */
  firstEffect?(ms: number): void;
  settled?(tally: ProducerMessages): void;
}

/** Something that holds messages: a broker, a producer's buffer or outbox, a link. */
export type HoldingProbe = () => Iterable<{ id: string; group?: string | undefined }>;

interface GroupInfo extends GroupRegistration {
  consumers: string[];
}

const NOTABLE = 50;
const severity: Record<MessageStatus, number> = { lost: 4, pending: 3, 'dead-lettered': 2, unconsumed: 1, handled: 0 };

/**
 * Message accounting for one run: every message id, where it was sent, how many times it
 * was published and delivered, whether each group that should get it acked it, dead-
 * lettered it or never saw it, and how many side effects it caused. At the end it settles
 * each message as handled, dead-lettered, pending (still held somewhere: a queue, an
 * outbox, a link) or lost (held nowhere, yet never handled).
 */
export class MessageLedger {
  private readonly records = new Map<string, MessageRecord>();
  private readonly groups = new Map<string, GroupInfo>();
  private readonly byDestination = new Map<string, GroupInfo[]>();
  private readonly producers = new Map<string, ProducerHooks>();
  private readonly probes: HoldingProbe[] = [];
  private readonly settlers: (() => void)[] = [];
  private result: { statuses: Map<string, { status: MessageStatus; groups: Map<string, MessageStatus> }>; summary: MessagesSummary } | undefined;

  constructor(private readonly clock: Pick<Clock, 'now'>) {}

  get tracked(): number {
    return this.records.size;
  }

  registerProducer(name: string, hooks: ProducerHooks): void {
    this.producers.set(name, hooks);
  }

  registerGroup(reg: GroupRegistration): void {
    const existing = this.groups.get(reg.group);
    if (existing) {
      if (!existing.consumers.includes(reg.consumer)) existing.consumers.push(reg.consumer);
      const previous = existing.settled;
      if (reg.settled) existing.settled = previous ? (t) => (previous(t), reg.settled!(t)) : reg.settled;
      return;
    }
    const info: GroupInfo = { ...reg, consumers: [reg.consumer] };
    this.groups.set(reg.group, info);
    const list = this.byDestination.get(reg.destination) ?? [];
    list.push(info);
    this.byDestination.set(reg.destination, list);
  }

  registerHolder(probe: HoldingProbe): void {
    this.probes.push(probe);
  }

  /**
   * Runs `tally` once when the run ends, as messages are settled: for components whose own
   * end-of-run figures depend on where things stand (a saga's reservations left behind).
   */
  onSettle(tally: () => void): void {
    this.settlers.push(tally);
  }

  // ---- as messages move ---------------------------------------------------------------

  created(id: string, producer: string, destination: string): void {
    if (this.records.has(id)) return;
    this.records.set(id, {
      id,
      producer,
      createdAt: this.clock.now(),
      owedAt: undefined,
      accepted: 0,
      destinations: [destination],
      groups: new Map(),
      effectSeen: false,
    });
  }

  owed(id: string): void {
    const r = this.records.get(id);
    if (r && r.owedAt === undefined) r.owedAt = this.clock.now();
  }

  /**
   * A broker took the message in; returns how many times it has now. A message taken in at
   * a new destination was forwarded there (by a router), and its journey goes on.
   */
  accepted(id: string, destination: string): number {
    let r = this.records.get(id);
    if (!r) {
      this.created(id, '?', destination);
      r = this.records.get(id)!;
    }
    if (!r.destinations.includes(destination)) {
      r.destinations.push(destination);
      return 1;
    }
    return ++r.accepted;
  }

  /** Returns which delivery this is for the group (1 = the first). */
  delivered(id: string, group: string): number {
    const g = this.stateOf(id, group);
    return g ? ++g.delivered : 1;
  }

  /** A side effect happened for the message in this group; `first` is false for a duplicate. */
  effect(id: string, group: string): { first: boolean } {
    const r = this.records.get(id);
    const g = this.stateOf(id, group);
    if (!r || !g) return { first: true };
    g.effects++;
    if (!r.effectSeen && !this.groups.get(group)?.relay) {
      r.effectSeen = true;
      this.producers.get(r.producer)?.firstEffect?.(this.clock.now() - r.createdAt);
    }
    return { first: g.effects === 1 };
  }

  handled(id: string, group: string): void {
    const g = this.stateOf(id, group);
    if (g) g.handled = true;
  }

  deadLettered(id: string, group: string): void {
    const g = this.stateOf(id, group);
    if (g) g.deadLettered = true;
  }

  // ---- at the end ---------------------------------------------------------------------

  /** Settles every message once and tells producers and groups their tallies. */
  settle(): MessagesSummary {
    if (this.result) return this.result.summary;
    for (const tally of this.settlers) tally();
    const held = this.holding();
    const statuses = new Map<string, { status: MessageStatus; groups: Map<string, MessageStatus> }>();
    const producers = new Map<string, ProducerMessages>();
    const groups = new Map<string, GroupMessages>();
    for (const info of this.groups.values()) groups.set(info.group, emptyGroup(info));
    let counted = 0;
    for (const r of this.records.values()) {
      if (r.owedAt === undefined && r.accepted === 0) continue;
      counted++;
      const outcome = this.outcome(r, held);
      statuses.set(r.id, outcome);
      const p = producers.get(r.producer) ?? emptyProducer(r.producer);
      producers.set(r.producer, p);
      p.messages++;
      p.published += r.accepted;
      p.duplicates += Math.max(0, r.accepted - 1);
      tally(p, outcome.status);
      for (const [group, status] of outcome.groups) {
        const g = groups.get(group)!;
        const s = r.groups.get(group);
        g.messages++;
        g.delivered += s?.delivered ?? 0;
        g.redelivered += Math.max(0, (s?.delivered ?? 0) - 1);
        g.effects += s?.effects ?? 0;
        g.duplicateEffects += Math.max(0, (s?.effects ?? 0) - 1);
        tally(g, status);
      }
    }
    const summary: MessagesSummary = {
      messages: counted,
      producers: [...producers.values()],
      groups: [...groups.values()],
      ...this.notable(statuses),
    };
    this.result = { statuses, summary };
    for (const p of summary.producers) this.producers.get(p.component)?.settled?.(p);
    for (const g of summary.groups) this.groups.get(g.group)?.settled?.(g);
    return summary;
  }

  status(id: string): MessageStatus | undefined {
    return this.result?.statuses.get(id)?.status;
  }

  private outcome(r: MessageRecord, held: Map<string, Set<string | undefined>>): { status: MessageStatus; groups: Map<string, MessageStatus> } {
    const here = held.get(r.id);
    const groups = new Map<string, MessageStatus>();
    if (r.accepted === 0) return { status: here ? 'pending' : 'lost', groups };
    let worst: MessageStatus | undefined;
    const last = r.destinations.length - 1;
    r.destinations.forEach((destination, i) => {
      for (const info of this.byDestination.get(destination) ?? []) {
        const s = r.groups.get(info.group);
        let status: MessageStatus;
        if (s?.handled) status = info.relay && i === last ? 'lost' : 'handled';
        else if (s?.deadLettered) status = 'dead-lettered';
        else if (here && (here.has(info.group) || here.has(undefined))) status = 'pending';
        else status = info.log ? 'pending' : 'lost';
        groups.set(info.group, status);
        if (worst === undefined || severity[status] > severity[worst]) worst = status;
      }
    });
    return { status: worst ?? 'unconsumed', groups };
  }

  private holding(): Map<string, Set<string | undefined>> {
    const held = new Map<string, Set<string | undefined>>();
    for (const probe of this.probes) {
      for (const { id, group } of probe()) {
        let set = held.get(id);
        if (!set) held.set(id, (set = new Set()));
        set.add(group);
      }
    }
    return held;
  }

  /** The worst first (lost, pending, dead-lettered), then those delivered or applied more than once. */
  private notable(statuses: Map<string, { status: MessageStatus; groups: Map<string, MessageStatus> }>): Pick<MessagesSummary, 'notable' | 'notableOmitted'> {
    const candidates: { r: MessageRecord; outcome: { status: MessageStatus; groups: Map<string, MessageStatus> } }[] = [];
    for (const [id, outcome] of statuses) {
      const r = this.records.get(id)!;
      const busy = [...r.groups.values()].some((g) => g.delivered > 1 || g.effects > 1);
      if (outcome.status !== 'handled' || r.accepted > 1 || busy) candidates.push({ r, outcome });
    }
    // A stable sort keeps creation order within a severity.
    candidates.sort((a, b) => severity[b.outcome.status] - severity[a.outcome.status]);
    const notable = candidates.slice(0, NOTABLE).map(({ r, outcome }) => {
      const groups: NotableMessage['groups'] = {};
      for (const [group, status] of outcome.groups) {
        const s = r.groups.get(group);
        groups[group] = { delivered: s?.delivered ?? 0, effects: s?.effects ?? 0, status };
      }
      return { id: r.id, producer: r.producer, status: outcome.status, published: r.accepted, groups };
    });
    return { notable, notableOmitted: candidates.length - notable.length };
  }

  private stateOf(id: string, group: string): GroupState | undefined {
    const r = this.records.get(id);
    if (!r) return undefined;
    let g = r.groups.get(group);
    if (!g) r.groups.set(group, (g = { delivered: 0, effects: 0, handled: false, deadLettered: false }));
    return g;
  }
}

function emptyProducer(component: string): ProducerMessages {
  return { component, messages: 0, published: 0, duplicates: 0, handled: 0, deadLettered: 0, pending: 0, lost: 0 };
}

function emptyGroup(info: GroupInfo): GroupMessages {
  return {
    destination: info.destination,
    group: info.group,
    consumers: info.consumers,
    messages: 0,
    delivered: 0,
    redelivered: 0,
    handled: 0,
    deadLettered: 0,
    pending: 0,
    lost: 0,
    effects: 0,
    duplicateEffects: 0,
  };
}

function tally(t: { handled: number; deadLettered: number; pending: number; lost: number }, status: MessageStatus): void {
  if (status === 'handled') t.handled++;
  else if (status === 'dead-lettered') t.deadLettered++;
  else if (status === 'pending') t.pending++;
  else if (status === 'lost') t.lost++;
}
