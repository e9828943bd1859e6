import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import { latencySchema, sampleLatency, type LatencyDist } from '../components/latency.js';
import { memberTrace, type Call, type Callee, type Cancel, type ComponentContext, type ComponentTrace, type Done, type Outcome } from '../core/component.js';
import type { Timer } from '../core/clock.js';
import type { Counter, Gauge, Histogram } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { count, duration } from '../scenario/fields.js';
import { ReplicationLog, type LogEntry } from './replication-log.js';

export const replicationStates = ['REPLICATING', 'LAGGING', 'DEGRADED', 'FAILOVER'] as const;
type StoreState = (typeof replicationStates)[number];
export const nodeStates = ['PRIMARY', 'REPLICA', 'LAGGING', 'DOWN'] as const;
type NodeState = (typeof nodeStates)[number];

export type ReplicationMode = 'async' | 'semi-sync' | 'sync';

export interface ReplicationConfig {
  /** The call tag naming the record (a user's profile). */
  key: string;
  nodes: number;
  mode: ReplicationMode;
  /** From a commit on the primary to the write being applied on a replica. */
  lag: LatencyDist;
  write: LatencyDist;
  read: LatencyDist;
  /** Reads carry the session's last write position; a replica behind it sends the read to the primary. */
  readYourWrites: boolean;
  /** A session always reads from the same replica. */
  monotonic: boolean;
  /** semi-sync: a write no replica has confirmed by then is acknowledged anyway (replication falls back to async). */
  semiSyncTimeout: number;
  /** From the primary's death to a replica's promotion. */
  failover: number;
  /** A replica missing a write older than this is LAGGING. */
  lagging: number;
}

interface Node {
  name: string;
  trace: ComponentTrace;
  role: 'primary' | 'replica' | 'down';
  state: NodeState;
  /** How many log entries it has applied: it holds that prefix of the log. */
  applied: number;
  /** When its last shipped entry is applied: a replica applies in log order. */
  lastApplyAt: number;
  /** Extra lag while a `replica-lag` fault lasts. */
  extra: number;
}

interface Waiting {
  entry: LogEntry;
  position: number;
  confirmed: number;
  needed: number;
  ack: () => void;
  fail: () => void;
  timeout: Timer | undefined;
}

interface Session {
  /** The position of the session's last acknowledged write: its read-your-writes token. */
  token: number;
  /** With monotonic reads, how far into the log the nodes it read from had got: its replica must be there too. */
  read: number;
  /** Per record, the newest position it has read: a read older than it goes back in time. */
  seen: Map<string, number>;
}

const OK: Outcome = Object.freeze({ ok: true });
/** DEGRADED lasts this long after the last semi-sync timeout. */
const SETTLE = 1000;

/**
 * A primary and its replicas. Writes go to the primary, which commits them to its log and
 * ships each entry to every replica, where it is applied after the replication lag, in log
 * order. When the write is acknowledged depends on `mode`: `async` at once; `semi-sync` once
 * one replica has it (or after `semiSyncTimeout`, unprotected); `sync` once every replica has
 * it. Reads go to a replica (at random, or the session's own with `monotonic`), which may
 * not have the newest write yet: a stale read. A read that goes back before what its session
 * already saw breaks monotonic reads; an owner's read that misses their own acknowledged
 * write breaks read-your-writes — unless the read carries the session's token and a replica
 * behind it hands the read to the primary. A `crash` kills the primary: after `failover` the
 * replica furthest along is promoted, and the log tail it never received is lost — with it
 * any write that was already acknowledged.
 */
export class ReplicatedStore implements Callee {
  readonly kind = 'replicated-store';
  readonly name: string;
  readonly log = new ReplicationLog();
  readonly nodes: Node[];
  private readonly cfg: ReplicationConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace'>;
  /** Bumped when the primary changes: what the old one was doing stops. */
  private epoch = 0;
  private readonly waiting = new Map<number, Waiting>();
  private readonly sessions = new Map<string, Session>();
  /** Each record's owner's last acknowledged write to it. */
  private readonly ownWrites = new Map<string, { position: number; id: number }>();
  private current: StoreState = 'REPLICATING';
  private degradedAt = -Infinity;
  private check: { timer: Timer; at: number } | undefined;
  private promotion: Timer | undefined;
  /** The log's length after the last failover: a node that comes back holds nothing valid beyond it. */
  private truncatedAt = Infinity;
  private readonly m: Record<(typeof counters)[number], Counter> & { ackLatency: Histogram; staleness: Histogram; behindMs: Gauge };

  constructor(name: string, cfg: ReplicationConfig, ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.nodes = Array.from({ length: cfg.nodes }, (_, i) => {
      const nodeName = `db-${i + 1}`;
      return { name: nodeName, trace: memberTrace(ctx.trace, nodeName), role: i === 0 ? 'primary' : 'replica', state: i === 0 ? 'PRIMARY' : 'REPLICA', applied: 0, lastApplyAt: 0, extra: 0 };
    });
    const m = ctx.metrics;
    this.m = Object.assign(Object.fromEntries(counters.map((c) => [c, m.counter(c)])) as Record<(typeof counters)[number], Counter>, {
      ackLatency: m.histogram('ackLatency'),
      staleness: m.histogram('staleness'),
      behindMs: m.gauge('behindMs'),
    });
  }

  state(): StoreState {
    return this.current;
  }

  columns() {
    const m = this.m;
    const now = this.ctx.clock.now();
    const cols: Record<string, string | number> = {
      behind: this.replicas().map((r) => `${r.name} ${formatDuration(this.behind(r, now))}`).join(', ') || 'no replica',
      stale: m.staleReads.value,
      'own write missed': m.readYourWritesViolations.value,
      'back in time': m.nonMonotonicReads.value,
    };
    if (m.failovers.value > 0) cols['acked writes lost'] = m.lostWrites.value;
    if (this.cfg.mode === 'semi-sync') cols['unconfirmed acks'] = m.degraded.value;
    if (this.cfg.readYourWrites || this.cfg.monotonic) cols['to primary'] = m.toPrimary.value;
    cols['primary'] = this.primary()?.name ?? 'none';
    cols['mode'] = this.cfg.mode;
    return cols;
  }

  report() {
    const m = this.m;
    return {
      mode: this.cfg.mode,
      'acked writes lost': m.lostWrites.value,
      'stale reads': m.staleReads.value,
      'own write missed': m.readYourWritesViolations.value,
      'back in time': m.nonMonotonicReads.value,
      'reads to primary': m.toPrimary.value,
    };
  }

  readonly handle = (call: Call, done: Done): Cancel => {
    let waiting = true;
    const answer = (o: Outcome) => waiting && done(o);
    const key = call.tags?.[this.cfg.key] ?? 'record';
    const viewer = call.tags?.['viewer'];
    const timer = call.tags?.['op'] === 'write' ? this.write(key, answer) : this.read(key, viewer ?? key, viewer === undefined, answer);
    return () => {
      waiting = false;
      timer?.cancel();
    };
  };

  /** Commit on the primary, ship to every replica, acknowledge as the mode says. */
  private write(key: string, answer: Done): Timer | undefined {
    const { clock, random } = this.ctx;
    this.m.writes.inc();
    const primary = this.primary();
    if (!primary) return this.refuse(answer, 'no primary: failing over');
    const epoch = this.epoch;
    const started = clock.now();
    return clock.setTimer(sampleLatency(this.cfg.write, random), () => {
      if (epoch !== this.epoch || primary.role !== 'primary') return void this.refuse(answer, 'the primary died before the commit');
      const { entry, position } = this.log.append(key, clock.now());
      primary.applied = position;
      const ack = () => {
        entry.acked = true;
        this.m.acked.inc();
        this.m.ackLatency.observe(clock.now() - started);
        this.sessionOf(key).token = position;
        this.ownWrites.set(key, { position, id: entry.id });
        answer(OK);
      };
      const replicas = this.replicas();
      const needed = this.cfg.mode === 'async' ? 0 : this.cfg.mode === 'semi-sync' ? Math.min(1, replicas.length) : replicas.length;
      if (needed === 0) ack();
      else {
        const w: Waiting = { entry, position, confirmed: 0, needed, ack, fail: () => this.refuse(answer, 'the primary died before replicas confirmed'), timeout: undefined };
        this.waiting.set(position, w);
        if (this.cfg.mode === 'semi-sync') {
          w.timeout = clock.setTimer(this.cfg.semiSyncTimeout, () => {
            if (this.waiting.get(position) !== w) return;
            this.waiting.delete(position);
            this.m.degraded.inc();
            this.degradedAt = clock.now();
            this.refresh(`no replica confirmed within ${formatDuration(this.cfg.semiSyncTimeout)}: acknowledged unreplicated (async)`);
            w.ack();
          });
        }
      }
      for (const r of replicas) this.ship(r, position);
      this.refresh();
    });
  }

  private read(key: string, session: string, own: boolean, answer: Done): Timer | undefined {
    const { clock, random } = this.ctx;
    this.m.reads.inc();
    const s = this.sessionOf(session);
    const replicas = this.replicas();
    let node: Node | undefined = replicas.length === 0 ? this.primary() : this.cfg.monotonic ? replicas[hash(session) % replicas.length] : replicas[random.int(replicas.length)];
    // The token the session carries: its last write, and with monotonic reads the furthest it has read.
    const needed = Math.max(this.cfg.readYourWrites ? s.token : 0, this.cfg.monotonic ? s.read : 0);
    if (!node || node.applied < needed) {
      node = this.primary();
      if (!node) return this.refuse(answer, 'the session has seen writes its replica has not applied, and the primary is down');
      this.m.toPrimary.inc();
    }
    if (!node) return this.refuse(answer, 'no node to read from');
    const value = this.log.valueAt(key, node.applied);
    const missed = this.log.firstMissed(key, node.applied);
    if (missed) {
      this.m.staleReads.inc();
      this.m.staleness.observe(clock.now() - missed.at);
    } else this.m.staleness.observe(0);
    const mine = this.ownWrites.get(key);
    if (own && mine && value < mine.position && this.log.holds(mine.position, mine.id)) {
      this.m.readYourWritesViolations.inc();
      if (this.ctx.trace.enabled) this.ctx.trace.event('own-write-missed', { key, node: node.name, read: value, wrote: mine.position });
    }
    const seen = s.seen.get(key) ?? 0;
    if (value < seen) {
      this.m.nonMonotonicReads.inc();
      if (this.ctx.trace.enabled) this.ctx.trace.event('back-in-time', { session, key, node: node.name, read: value, seen });
    } else s.seen.set(key, value);
    if (this.cfg.monotonic) s.read = Math.max(s.read, node.applied);
    return clock.setTimer(sampleLatency(this.cfg.read, random), () => answer(OK));
  }

  /** Sends one log entry to a replica; it is applied after the lag, never before the entries ahead of it. */
  private ship(r: Node, position: number): void {
    const { clock, random } = this.ctx;
    const now = clock.now();
    const at = Math.max(now + sampleLatency(this.cfg.lag, random) + r.extra, r.lastApplyAt);
    r.lastApplyAt = at;
    const epoch = this.epoch;
    clock.setTimer(at - now, () => {
      if (epoch !== this.epoch || r.role !== 'replica' || position !== r.applied + 1) return;
      r.applied = position;
      const w = this.waiting.get(position);
      if (w && ++w.confirmed >= w.needed) {
        this.waiting.delete(position);
        w.timeout?.cancel();
        w.ack();
      }
      this.refresh();
    });
  }

  /** The primary dies: its unshipped entries and its waiting writes with it. A replica is promoted after `failover`. */
  crash(cause: string): () => void {
    const primary = this.primary();
    if (!primary) return () => {};
    primary.role = 'down';
    this.move(primary, 'DOWN', `${cause} started`);
    this.epoch++;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiting) {
      w.timeout?.cancel();
      w.fail();
    }
    this.refresh(`${primary.name} (primary) died: promoting a replica in ${formatDuration(this.cfg.failover)}`);
    this.promotion = this.ctx.clock.setTimer(this.cfg.failover, () => {
      this.promotion = undefined;
      this.promote();
    });
    return () => this.rejoin(primary, cause);
  }

  /** Extra lag on every replica while the fault lasts (a long query, a saturated link). */
  slowReplicas(add: number): () => void {
    for (const n of this.nodes) n.extra += add;
    return () => {
      for (const n of this.nodes) n.extra -= add;
    };
  }

  private promote(): void {
    const candidates = this.replicas();
    if (candidates.length === 0) return;
    const best = candidates.reduce((a, b) => (b.applied > a.applied ? b : a));
    const before = this.log.length;
    const dropped = this.log.truncate(best.applied);
    const lost = dropped.filter((e) => e.acked).length;
    this.m.failovers.inc();
    this.m.lostWrites.inc(lost);
    this.m.discarded.inc(dropped.length - lost);
    this.truncatedAt = best.applied;
    if (this.ctx.trace.enabled) this.ctx.trace.event('failover', { promoted: best.name, applied: best.applied, of: before, lost, discarded: dropped.length - lost });
    best.role = 'primary';
    this.epoch++;
    this.move(best, 'PRIMARY', `promoted: it had ${best.applied} of ${before} writes; ${lost} acknowledged writes lost with the rest`);
    this.catchUp();
    this.refresh(`${best.name} promoted to primary`);
  }

  private rejoin(old: Node, cause: string): void {
    if (this.promotion) {
      // Back before anyone was promoted: it is still the primary and has lost nothing.
      this.promotion.cancel();
      this.promotion = undefined;
      old.role = 'primary';
      this.epoch++;
      this.move(old, 'PRIMARY', `${cause} ended before the failover`);
      this.catchUp();
      this.refresh(`${old.name} back as primary`);
      return;
    }
    old.role = 'replica';
    const discarded = Math.max(0, old.applied - this.truncatedAt);
    old.applied = Math.min(old.applied, this.truncatedAt);
    this.move(old, 'REPLICA', `${cause} ended: rejoins as a replica, dropping ${discarded} writes the new primary never had`);
    old.lastApplyAt = this.ctx.clock.now();
    for (let p = old.applied + 1; p <= this.log.length; p++) this.ship(old, p);
    this.refresh();
  }

  /** After the primary changed, every replica is sent what it misses from the new one. */
  private catchUp(): void {
    const now = this.ctx.clock.now();
    for (const r of this.replicas()) {
      r.lastApplyAt = now;
      for (let p = r.applied + 1; p <= this.log.length; p++) this.ship(r, p);
    }
  }

  private refuse(answer: Done, detail: string): undefined {
    this.m.refused.inc();
    answer({ ok: false, error: 'unavailable', by: this.name, detail });
    return undefined;
  }

  private primary(): Node | undefined {
    return this.nodes.find((n) => n.role === 'primary');
  }

  private replicas(): Node[] {
    return this.nodes.filter((n) => n.role === 'replica');
  }

  private sessionOf(id: string): Session {
    let s = this.sessions.get(id);
    if (!s) this.sessions.set(id, (s = { token: 0, read: 0, seen: new Map() }));
    return s;
  }

  /** How long ago the oldest write a replica misses was committed. */
  private behind(r: Node, now: number): number {
    const missed = this.log.entry(r.applied + 1);
    return missed ? now - missed.at : 0;
  }

  private move(n: Node, to: NodeState, cause: string): void {
    if (n.state === to) return;
    const from = n.state;
    n.state = to;
    n.trace.transition(from, to, cause);
  }

  /** Replicas' lag states, then the store's; and a look again when a replica would pass the threshold. */
  private refresh(cause?: string): void {
    const now = this.ctx.clock.now();
    const threshold = this.cfg.lagging;
    let worst = 0;
    let next = Infinity;
    let lagging = false;
    for (const r of this.replicas()) {
      const missed = this.log.entry(r.applied + 1);
      const behind = missed ? now - missed.at : 0;
      worst = Math.max(worst, behind);
      // Back to REPLICA only under half the threshold, so a replica hovering near it does not flap.
      const lags = r.state === 'LAGGING' ? behind >= threshold / 2 : behind >= threshold;
      if (lags) lagging = true;
      else if (missed) next = Math.min(next, missed.at + threshold);
      this.move(r, lags ? 'LAGGING' : 'REPLICA', lags ? `missing writes from ${formatDuration(behind)} ago` : 'caught up');
    }
    this.m.behindMs.set(Math.round(worst));
    const degraded = now - this.degradedAt < SETTLE;
    if (degraded) next = Math.min(next, this.degradedAt + SETTLE);
    const state: StoreState = !this.primary() ? 'FAILOVER' : degraded ? 'DEGRADED' : lagging ? 'LAGGING' : 'REPLICATING';
    if (state !== this.current) {
      const from = this.current;
      this.current = state;
      const why =
        cause ??
        (state === 'LAGGING'
          ? `a replica misses writes from ${formatDuration(worst)} ago`
          : state === 'REPLICATING'
            ? from === 'DEGRADED'
              ? `replicas confirming again for ${formatDuration(SETTLE)}`
              : 'replicas caught up'
            : state);
      this.ctx.trace.transition(from, state, why);
    }
    if (next !== Infinity && (!this.check || next < this.check.at)) {
      this.check?.timer.cancel();
      // At least a microsecond: a delay rounded to nothing would look again at the same instant forever.
      const at = Math.max(next, now + 0.001);
      this.check = {
        at,
        timer: this.ctx.clock.setTimer(at - now, () => {
          this.check = undefined;
          this.refresh();
        }),
      };
    }
  }
}

/** A small stable string hash: a session's sticky replica. */
function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const counters = ['writes', 'acked', 'refused', 'reads', 'staleReads', 'readYourWritesViolations', 'nonMonotonicReads', 'toPrimary', 'degraded', 'failovers', 'lostWrites', 'discarded'] as const;

const replicationSchema = z
  .object({
    kind: z.literal('replicated-store'),
    description: z.string().optional(),
    key: z.string().default('user'),
    nodes: count({ min: 2, max: 9 }).default(3),
    mode: z.enum(['async', 'semi-sync', 'sync']).default('async'),
    lag: latencySchema.prefault('50ms'),
    write: latencySchema.prefault('2ms'),
    read: latencySchema.prefault('1ms'),
    readYourWrites: z.boolean().default(false),
    monotonic: z.boolean().default(false),
    semiSyncTimeout: duration({ min: 1, max: 3_600_000 }).default(500),
    failover: duration({ min: 1, max: 3_600_000 }).default(2000),
    lagging: duration({ min: 1, max: 3_600_000 }).default(1000),
  })
  .strict();

export const replicatedStoreKind = defineKind({
  kind: 'replicated-store',
  role: 'service',
  summary: 'a primary and replicas with replication lag: stale reads, session guarantees, failover that may lose the unreplicated tail',
  schema: replicationSchema,
  knobs: {
    mode: { description: 'when a write is acknowledged: async (at once), semi-sync (one replica has it), sync (every replica has it)', type: 'enum', values: ['async', 'semi-sync', 'sync'] },
    readYourWrites: { description: 'reads carry the session’s last write position; a replica behind it hands the read to the primary', type: 'boolean' },
    monotonic: { description: 'each session reads from its own replica, so it never goes back in time', type: 'boolean' },
    semiSyncTimeout: { description: 'semi-sync: acknowledge anyway (unprotected) when no replica confirmed by then', type: 'duration', min: '1ms', max: '1h' },
    failover: { description: 'from the primary’s death to a replica’s promotion', type: 'duration', min: '1ms', max: '1h' },
    nodes: { description: 'the primary and its replicas', type: 'int', min: 2, max: 9 },
  },
  metrics: {
    counters,
    histograms: ['ackLatency', 'staleness'],
    gauges: ['behindMs'],
    ratios: { staleRate: ['staleReads', 'reads'] },
  },
  states: replicationStates,
  references: () => [],
  create: (config, ctx) => {
    const { key, nodes, mode, lag, write, read, readYourWrites, monotonic, semiSyncTimeout, failover, lagging } = config;
    return new ReplicatedStore(ctx.name, { key, nodes, mode, lag, write, read, readYourWrites, monotonic, semiSyncTimeout, failover, lagging }, ctx);
  },
});
