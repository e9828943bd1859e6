import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import type { Timer } from '../core/clock.js';
import { memberTrace, type ComponentContext, type ComponentTrace } from '../core/component.js';
import type { Counter, Gauge } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { count, duration } from '../scenario/fields.js';
import { FencedStore, type StoreTally, type WriteFence } from './fenced-store.js';
import { LeaseStore } from './lease.js';
import { Process } from './process.js';

export const candidateStates = ['FOLLOWER', 'CANDIDATE', 'LEADER'] as const;
type CandidateState = (typeof candidateStates)[number];
export const electionStates = ['NO_LEADER', 'ONE_LEADER', 'SPLIT_BRAIN'] as const;
type ElectionState = (typeof electionStates)[number];

export interface ElectionConfig {
  candidates: number;
  /** A lease not renewed for this long runs out, by the lease store's clock. */
  ttl: number;
  renewEvery: number;
  /** How often a follower looks at the lease, to campaign when it is free. */
  watchEvery: number;
  /** The leader's work: it checks its lease, prepares a write for this long, sends it. */
  writeEvery: number;
  /** One-way network delay to the lease store and the storage. */
  latency: number;
  /** The storage refuses writes with a term older than one it has seen. */
  fencing: boolean;
}

interface Candidate {
  name: string;
  process: Process;
  trace: ComponentTrace;
  state: CandidateState;
  /** The term it leads in, while it believes it leads. */
  term: number;
  /** When it believes its lease runs out: from when it sent the last renewal that was granted. */
  deadline: number;
  renewal: Timer | undefined;
  nextWrite: Timer | undefined;
}

/**
 * Leader election with leases: candidates watch a lease in a coordination service; when it is
 * free one takes it (a new term) and leads, renewing it before it runs out, and steps down
 * when its lease runs out by its own reckoning or a renewal is refused. The leader writes to
 * a storage, each write tagged with its term. A pause or a partition leaves an old leader
 * believing it still leads while another has taken over: its late writes are what fencing
 * (the storage refusing older terms) is for. The storage's accounting is the checker: at most
 * one accepted writer per term.
 */
export class LeaderElection {
  readonly kind = 'leader-election';
  readonly name: string;
  readonly lease: LeaseStore;
  readonly storage: FencedStore;
  readonly candidates: readonly Candidate[];
  private current: ElectionState = 'NO_LEADER';
  private seen: StoreTally = { accepted: 0, rejected: 0, stale: 0, lostUpdates: 0, splitTerms: 0 };
  private readonly m: {
    elections: Counter;
    renewals: Counter;
    stepDowns: Counter;
    writes: Counter;
    accepted: Counter;
    rejected: Counter;
    staleAccepted: Counter;
    splitTerms: Counter;
    leaders: Gauge;
    term: Gauge;
  };

  constructor(
    name: string,
    private readonly cfg: ElectionConfig,
    private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>,
    /** Decides on the storage's writes in place of its built-in fencing (an exercise's stand-in). */
    fence?: WriteFence,
  ) {
    this.name = name;
    this.lease = new LeaseStore(cfg.ttl, ctx.clock);
    this.storage = new FencedStore(cfg.fencing, fence);
    const m = ctx.metrics;
    this.m = {
      elections: m.counter('elections'),
      renewals: m.counter('renewals'),
      stepDowns: m.counter('stepDowns'),
      writes: m.counter('writes'),
      accepted: m.counter('accepted'),
      rejected: m.counter('rejected'),
      staleAccepted: m.counter('staleAccepted'),
      splitTerms: m.counter('splitTerms'),
      leaders: m.gauge('leaders'),
      term: m.gauge('term'),
    };
    this.candidates = Array.from({ length: cfg.candidates }, (_, i) => {
      const n = `node-${i + 1}`;
      return { name: n, process: new Process(n, ctx.clock, cfg.latency), trace: memberTrace(ctx.trace, n), state: 'FOLLOWER', term: 0, deadline: -Infinity, renewal: undefined, nextWrite: undefined };
    });
    // Processes started at slightly different moments: they do not all campaign at once.
    for (const c of this.candidates) c.process.after(ctx.random.uniform(0, cfg.watchEvery), () => this.watch(c));
  }

  state(): ElectionState {
    return this.current;
  }

  /** The candidate a fault should hit: the one that believes it leads (the newest term), or the first. */
  leader(): Candidate {
    let best: Candidate | undefined;
    for (const c of this.candidates) if (c.state === 'LEADER' && (!best || c.term > best.term)) best = c;
    return best ?? this.candidates[0]!;
  }

  pause(cause: string): () => void {
    const c = this.leader();
    c.trace.event('paused', { cause });
    const resume = c.process.pause();
    return () => {
      c.trace.event('resumed');
      resume();
    };
  }

  partition(cause: string): () => void {
    const c = this.leader();
    c.trace.event('cut-off', { cause });
    const heal = c.process.partition();
    return () => {
      c.trace.event('reconnected');
      heal();
    };
  }

  columns() {
    const held = this.lease.current();
    const believers = this.candidates.filter((c) => c.state === 'LEADER');
    const cols: Record<string, string | number> = {
      lease: held ? `${held.holder}, term ${held.token}, ${formatDuration(held.expiresAt - this.ctx.clock.now())} left` : `free (last term ${this.lease.lastToken})`,
      leaders: believers.length === 0 ? 'none' : believers.map((c) => `${c.name} (term ${c.term})`).join(', '),
    };
    const off = this.candidates.filter((c) => c.process.isPaused || c.process.isCut);
    if (off.length > 0) cols['trouble'] = off.map((c) => `${c.name} ${c.process.isPaused ? 'paused' : 'cut off'}`).join(', ');
    const t = this.storage.tally;
    cols['writes'] = `${t.accepted} accepted, ${t.rejected} fenced, ${t.stale} stale`;
    return cols;
  }

  report() {
    const t = this.storage.tally;
    return { terms: this.lease.lastToken, accepted: t.accepted, fenced: t.rejected, 'stale accepted': t.stale, 'split terms': t.splitTerms };
  }

  /** A follower looks at the lease and campaigns when it is free. */
  private watch(c: Candidate): void {
    if (c.state !== 'FOLLOWER') return;
    c.process.request(
      () => this.lease.current(),
      (held) => {
        if (c.state !== 'FOLLOWER') return;
        if (held) {
          c.process.after(this.jittered(this.cfg.watchEvery), () => this.watch(c));
          return;
        }
        this.move(c, 'CANDIDATE', 'the lease is free: campaigning');
        const sentAt = this.ctx.clock.now();
        c.process.request(
          () => this.lease.acquire(c.name),
          (answer) => {
            if (c.state !== 'CANDIDATE') return;
            if (!answer.ok) {
              this.move(c, 'FOLLOWER', `${answer.holder ?? 'another'} took the lease first`);
              c.process.after(this.jittered(this.cfg.watchEvery), () => this.watch(c));
              return;
            }
            this.m.elections.inc();
            c.term = answer.token;
            c.deadline = sentAt + this.cfg.ttl;
            this.m.term.set(answer.token);
            this.move(c, 'LEADER', `took the lease: term ${answer.token}`);
            c.renewal = c.process.after(this.cfg.renewEvery, () => this.renew(c));
            this.work(c);
          },
        );
      },
    );
  }

  private renew(c: Candidate): void {
    if (c.state !== 'LEADER') return;
    const sentAt = this.ctx.clock.now();
    const term = c.term;
    c.process.request(
      () => this.lease.renew(c.name, term),
      (answer) => {
        if (c.state !== 'LEADER' || c.term !== term) return;
        if (answer.ok) {
          this.m.renewals.inc();
          c.deadline = Math.max(c.deadline, sentAt + this.cfg.ttl);
        } else {
          this.stepDown(c, `renewal refused: ${answer.holder === undefined ? 'the lease had run out' : `${answer.holder} holds it now`}`);
        }
      },
    );
    c.renewal = c.process.after(this.cfg.renewEvery, () => this.renew(c));
  }

  /** The leader's loop: check the lease, prepare a write, send it — with no second look. */
  private work(c: Candidate): void {
    if (c.state !== 'LEADER') return;
    if (this.ctx.clock.now() >= c.deadline) {
      this.stepDown(c, `lease ran out by its own clock (no renewal granted for ${formatDuration(this.cfg.ttl)})`);
      return;
    }
    const term = c.term;
    c.nextWrite = c.process.after(this.cfg.writeEvery, () => {
      this.m.writes.inc();
      c.process.send(() => {
        this.count(c.name, term, this.storage.write(c.name, term) === 'rejected');
      });
      this.work(c);
    });
  }

  private stepDown(c: Candidate, cause: string): void {
    this.m.stepDowns.inc();
    c.renewal?.cancel();
    c.nextWrite?.cancel();
    this.move(c, 'FOLLOWER', cause);
    c.process.after(this.jittered(this.cfg.watchEvery), () => this.watch(c));
  }

  private count(writer: string, term: number, refused: boolean): void {
    const t = this.storage.tally;
    // The storage's verdicts worth seeing (and comparing, in an exercise): a write refused, an old term's write let in.
    if (refused) this.ctx.trace.event('fenced', { writer, term, highest: this.storage.highestToken });
    else if (t.stale > this.seen.stale) this.ctx.trace.event('stale-write', { writer, term, highest: this.storage.highestToken });
    this.m.accepted.inc(t.accepted - this.seen.accepted);
    this.m.rejected.inc(t.rejected - this.seen.rejected);
    this.m.staleAccepted.inc(t.stale - this.seen.stale);
    this.m.splitTerms.inc(t.splitTerms - this.seen.splitTerms);
    this.seen = { ...t };
  }

  private move(c: Candidate, to: CandidateState, cause: string): void {
    const from = c.state;
    c.state = to;
    c.trace.transition(from, to, cause, to === 'LEADER' || from === 'LEADER' ? { term: c.term } : undefined);
    const leaders = this.candidates.filter((x) => x.state === 'LEADER');
    this.m.leaders.set(leaders.length);
    const next: ElectionState = leaders.length === 0 ? 'NO_LEADER' : leaders.length === 1 ? 'ONE_LEADER' : 'SPLIT_BRAIN';
    if (next !== this.current) {
      const was = this.current;
      this.current = next;
      const who = leaders.map((x) => `${x.name} (term ${x.term})`).join(' and ');
      this.ctx.trace.transition(was, next, next === 'NO_LEADER' ? `${c.name}: ${cause}` : `${who} ${leaders.length === 1 ? 'leads' : 'both believe they lead'}`);
    }
  }

  private jittered(ms: number): number {
    return ms * this.ctx.random.uniform(0.8, 1.2);
  }
}

export const leaderElectionKind = defineKind({
  kind: 'leader-election',
  role: 'worker',
  summary: 'candidates take turns leading through a lease with a TTL; the leader writes to a storage tagged with its term',
  schema: z
    .object({
      kind: z.literal('leader-election'),
      description: z.string().optional(),
      candidates: count({ min: 1, max: 20 }).default(3),
      ttl: duration({ min: 10, max: 3_600_000 }).default(3000),
      renewEvery: duration({ min: 1, max: 3_600_000 }).default(1000),
      watchEvery: duration({ min: 1, max: 3_600_000 }).default(500),
      writeEvery: duration({ min: 1, max: 3_600_000 }).default(200),
      latency: duration({ max: 60_000 }).default(5),
      fencing: z.boolean().default(true),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      if (cfg.renewEvery + 2 * cfg.latency >= cfg.ttl) {
        ctx.addIssue({ code: 'custom', path: ['renewEvery'], message: `renewEvery (${formatDuration(cfg.renewEvery)}) plus a round trip must be shorter than ttl (${formatDuration(cfg.ttl)}), or every lease runs out between renewals` });
      }
    }),
  knobs: {
    candidates: { description: 'processes that may lead', type: 'int', min: 1, max: 20 },
    ttl: { description: 'a lease not renewed for this long runs out; shorter fails over faster and survives shorter pauses', type: 'duration', min: '100ms', max: '1h' },
    renewEvery: { description: 'how often the leader renews its lease (shorter than ttl)', type: 'duration', min: '10ms', max: '30m' },
    writeEvery: { description: 'time between the leader checking its lease and its write landing', type: 'duration', min: '1ms', max: '1m' },
    fencing: { description: 'the storage refuses writes tagged with an older term than it has seen', type: 'boolean' },
  },
  metrics: {
    counters: ['elections', 'renewals', 'stepDowns', 'writes', 'accepted', 'rejected', 'staleAccepted', 'splitTerms'],
    gauges: ['leaders', 'term'],
  },
  states: electionStates,
  references: () => [],
  create: (config, ctx) => new LeaderElection(ctx.name, config, ctx),
});
