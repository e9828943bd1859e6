import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import { latencySchema, sampleLatency, type LatencyDist } from '../components/latency.js';
import type { Call, Callee, Cancel, ComponentContext, ComponentTrace, Done, Outcome } from '../core/component.js';
import type { Timer } from '../core/clock.js';
import type { Counter, Gauge } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { count, duration, rate } from '../scenario/fields.js';
import { BalanceProjection } from './event-projection.js';
import { EventStore } from './event-store.js';
import { SettledState } from './settled-state.js';

export const eventStoreStates = ['SERVING', 'CONFLICTING', 'REBUILDING'] as const;
type Busy = Exclude<(typeof eventStoreStates)[number], 'REBUILDING'>;

export interface EventStoreConfig {
  /** The call tag naming the aggregate (the account). */
  key: string;
  /** `events`: a stream per account, appends checked against the version read; `state`: one row per account, overwritten (last writer wins). */
  storage: 'events' | 'state';
  opening: number;
  /** The amount of a deposit or withdrawal whose call has no `amount` tag. */
  amount: number;
  snapshotEvery: number;
  /** One round trip to the store: a load's or a row read's fixed part. */
  read: LatencyDist;
  /** Reading and applying one event while loading. */
  perEvent: number;
  /** An append (or a row write). */
  append: LatencyDist;
  /** Times a command that met a conflict is run again from a fresh read. */
  retries: number;
  rebuild?: { at: number; rate: number } | undefined;
}

const OK: Outcome = Object.freeze({ ok: true });
/** How often a projection rebuild applies a batch of events. */
const REBUILD_TICK = 10;

/**
 * Bank accounts kept by event sourcing: each account is a stream of deposits and
 * withdrawals, and its balance is their fold. A command (deposit, withdraw) loads the account
 * — the last snapshot and the events after it — decides, and appends its event with the
 * version it read. Two withdrawals that read the same version cannot both append: the second
 * is a conflict, reads again, and decides again on the new balance, so the account never goes
 * below zero. Calls tagged `op: balance` read the balances projection; `op: audit` rebuilds an
 * account's balance at a random earlier time from its events.
 *
 * With `storage: state` (the baseline) each account is one row holding its balance, read and
 * overwritten without versions: concurrent commands overwrite each other (lost updates), two
 * withdrawals pay out twice, and there is no history to audit. Either way the money actually
 * moved is tracked apart from the store, which is how a balance gone negative is caught.
 */
export class EventSourcedAccounts implements Callee {
  readonly kind = 'event-store';
  readonly name: string;
  readonly store: EventStore;
  readonly projection: BalanceProjection;
  private readonly cfg: EventStoreConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace'>;
  private readonly busy: SettledState<Busy>;
  private readonly rows = new Map<string, { balance: number; writes: number }>();
  /** The money each account really holds: what accepted commands paid in and out. */
  private readonly money = new Map<string, number>();
  private overdrawn = new Set<string>();
  private loading = 0;
  private appending = 0;
  private readonly m: Record<(typeof counters)[number], Counter> & { streams: Gauge; overdrawn: Gauge; projectionBehind: Gauge };

  constructor(name: string, cfg: EventStoreConfig, ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.store = new EventStore(cfg.snapshotEvery, cfg.opening);
    this.projection = new BalanceProjection(this.store, cfg.opening);
    const m = ctx.metrics;
    this.m = Object.assign(Object.fromEntries(counters.map((c) => [c, m.counter(c)])) as Record<(typeof counters)[number], Counter>, {
      streams: m.gauge('streams'),
      overdrawn: m.gauge('overdrawn'),
      projectionBehind: m.gauge('projectionBehind'),
    });
    // While the projection rebuilds, conflicts settle silently; the end of the rebuild shows where they stand.
    const quietWhileRebuilding: ComponentTrace = {
      get enabled() {
        return ctx.trace.enabled;
      },
      event: (n, d) => ctx.trace.event(n, d),
      transition: (f, t, c, d) => !this.projection.isRebuilding && ctx.trace.transition(f, t, c, d),
    };
    this.busy = new SettledState<Busy>(['SERVING', 'CONFLICTING'], 1000, { clock: ctx.clock, trace: quietWhileRebuilding }, () => 'no version conflict');
    if (cfg.rebuild && cfg.storage === 'events') {
      const { at, rate: perSecond } = cfg.rebuild;
      ctx.clock.setTimer(at, () => this.rebuild(perSecond));
    }
  }

  /** The money an account really holds (what accepted commands moved), for checks. */
  moneyOf(account: string): number {
    return this.money.get(account) ?? this.cfg.opening;
  }

  state(): string {
    return this.projection.isRebuilding ? 'REBUILDING' : this.busy.current;
  }

  columns() {
    const m = this.m;
    const cols: Record<string, string | number> = {};
    if (this.cfg.storage === 'events') {
      cols['events'] = this.store.log.length;
      cols['conflicts'] = m.conflicts.value;
      cols['snapshots'] = m.snapshots.value;
      cols['replay'] = `${perLoad(m.eventsRead.value, m.loads.value)}/load`;
      if (m.audits.value > 0) cols['audit replay'] = `${perLoad(m.auditEventsRead.value, m.audits.value)}/audit`;
      if (this.projection.isRebuilding) cols['rebuild'] = `${this.projection.behind} events to go`;
      if (m.exhausted.value > 0) cols['gave up'] = m.exhausted.value;
      if (m.negativeBalances.value > 0) cols['overdrawn'] = this.overdrawn.size;
      cols['streams'] = this.store.streamCount;
    } else {
      cols['lost updates'] = m.lostUpdates.value;
      cols['overdrawn'] = this.overdrawn.size;
      cols['rows'] = this.rows.size;
    }
    cols['loading'] = this.loading;
    cols['appending'] = this.appending;
    return cols;
  }

  report() {
    const m = this.m;
    const r: Record<string, string | number> = { accepted: m.accepted.value, declined: m.declined.value };
    if (this.cfg.storage === 'events') {
      r['conflicts'] = m.conflicts.value;
      r['events read per load'] = perLoad(m.eventsRead.value, m.loads.value);
      if (m.audits.value > 0) r['events read per audit'] = perLoad(m.auditEventsRead.value, m.audits.value);
    } else {
      r['lost updates'] = m.lostUpdates.value;
    }
    r['negative balances'] = m.negativeBalances.value;
    return r;
  }

  readonly handle = (call: Call, done: Done): Cancel => {
    let waiting = true;
    const answer = (o: Outcome) => waiting && done(o);
    const account = call.tags?.[this.cfg.key] ?? 'account';
    const op = call.tags?.['op'] ?? 'deposit';
    let timer: Timer | undefined;
    if (op === 'balance') timer = this.readBalance(account, answer);
    else if (op === 'audit') timer = this.audit(account, answer);
    else {
      const amount = Number(call.tags?.['amount'] ?? this.cfg.amount);
      const delta = op === 'withdraw' ? -Math.abs(amount) : Math.abs(amount);
      this.m.commands.inc();
      this.command(account, delta, 0, answer);
    }
    return () => {
      waiting = false;
      timer?.cancel();
    };
  };

  /** Load, decide, append with the version read; a conflict starts again from the load. */
  private command(account: string, delta: number, attempt: number, answer: Done): void {
    const { clock } = this.ctx;
    const m = this.m;
    const events = this.cfg.storage === 'events';
    // What the store returns is what it held when the read reached it.
    const row = this.rows.get(account) ?? { balance: this.cfg.opening, writes: 0 };
    const loaded = events ? this.store.load(account) : { state: row.balance, version: row.writes, eventsRead: 0, snapshot: 0 };
    m.loads.inc();
    m.eventsRead.inc(loaded.eventsRead);
    this.loading++;
    clock.setTimer(sampleLatency(this.cfg.read, this.ctx.random) + loaded.eventsRead * this.cfg.perEvent, () => {
      this.loading--;
      if (delta < 0 && loaded.state + delta < 0) {
        m.declined.inc();
        answer(OK);
        return;
      }
      this.appending++;
      clock.setTimer(sampleLatency(this.cfg.append, this.ctx.random), () => {
        this.appending--;
        if (!events) {
          const now = this.rows.get(account) ?? row;
          // Another write landed since this one read the row: it is overwritten.
          if (now.writes !== loaded.version) {
            m.lostUpdates.inc();
            if (this.ctx.trace.enabled) this.ctx.trace.event('lost-update', { account, read: loaded.state, overwrote: now.balance, wrote: loaded.state + delta });
          }
          this.rows.set(account, { balance: loaded.state + delta, writes: now.writes + 1 });
          this.accepted(account, delta, answer);
          return;
        }
        const r = this.store.append(account, loaded.version, delta, clock.now());
        if (r.ok) {
          m.events.inc();
          if (r.snapshot) m.snapshots.inc();
          this.m.streams.set(this.store.streamCount);
          this.projection.follow();
          this.accepted(account, delta, answer);
          return;
        }
        m.conflicts.inc();
        this.busy.observe('CONFLICTING', () => `${account}: appended at version ${r.expected}, found ${r.actual}`);
        const retry = attempt < this.cfg.retries;
        if (this.ctx.trace.enabled) this.ctx.trace.event('conflict', { account, expected: r.expected, actual: r.actual, attempt: attempt + 1, then: retry ? 'read again' : 'give up' });
        if (retry) {
          m.retries.inc();
          this.command(account, delta, attempt + 1, answer);
        } else {
          m.exhausted.inc();
          answer({ ok: false, error: 'rejected', by: this.name, detail: `409 conflict: ${account} kept changing (${attempt + 1} attempts)` });
        }
      });
    });
  }

  private accepted(account: string, delta: number, answer: Done): void {
    this.m.accepted.inc();
    const money = (this.money.get(account) ?? this.cfg.opening) + delta;
    this.money.set(account, money);
    if (money < 0) {
      this.m.negativeBalances.inc();
      if (!this.overdrawn.has(account) && this.ctx.trace.enabled) this.ctx.trace.event('overdrawn', { account, balance: money });
      this.overdrawn.add(account);
    } else this.overdrawn.delete(account);
    this.m.overdrawn.set(this.overdrawn.size);
    answer(OK);
  }

  /** From the projection; an account it has not caught up on (while rebuilding) is loaded from its stream. */
  private readBalance(account: string, answer: Done): Timer {
    this.m.reads.inc();
    let cost = 0;
    if (this.cfg.storage === 'events' && this.projection.read(account) === undefined) {
      const loaded = this.store.load(account);
      this.m.replayedReads.inc();
      cost = loaded.eventsRead * this.cfg.perEvent;
    }
    return this.ctx.clock.setTimer(sampleLatency(this.cfg.read, this.ctx.random) + cost, () => answer(OK));
  }

  /** The balance at a random earlier time, rebuilt from the events appended by then. */
  private audit(account: string, answer: Done): Timer {
    const { clock } = this.ctx;
    this.m.audits.inc();
    if (this.cfg.storage === 'state') {
      this.m.unanswerable.inc();
      return clock.setTimer(0, () => answer({ ok: false, error: 'error', by: this.name, detail: 'no history: only the current balance is stored' }));
    }
    const t = this.ctx.random.uniform(0, clock.now());
    const rebuilt = this.store.replayAt(account, t);
    this.m.auditEventsRead.inc(rebuilt.eventsRead);
    return clock.setTimer(sampleLatency(this.cfg.read, this.ctx.random) + rebuilt.eventsRead * this.cfg.perEvent, () => answer(OK));
  }

  /** Throws the projection away and applies the whole log again, `perSecond` events a second. */
  private rebuild(perSecond: number): void {
    const from = this.busy.current;
    this.projection.startRebuild();
    this.m.projectionBehind.set(this.projection.behind);
    this.m.rebuilds.inc();
    const started = this.ctx.clock.now();
    this.ctx.trace.transition(from, 'REBUILDING', `projection rebuild: replaying ${this.store.log.length} events from the first`);
    let credit = 0;
    const step = () => {
      credit += (perSecond * REBUILD_TICK) / 1000;
      const { read, done } = this.projection.rebuildStep(Math.floor(credit));
      credit -= read;
      this.m.rebuildEventsRead.inc(read);
      this.m.projectionBehind.set(this.projection.behind);
      if (!done) {
        this.ctx.clock.setTimer(REBUILD_TICK, step);
        return;
      }
      this.ctx.trace.transition('REBUILDING', this.busy.current, `projection rebuilt: ${this.m.rebuildEventsRead.value} events read in ${formatDuration(this.ctx.clock.now() - started)}`);
    };
    this.ctx.clock.setTimer(REBUILD_TICK, step);
  }
}

function perLoad(events: number, loads: number): string | number {
  return loads === 0 ? '—' : Math.round((events / loads) * 10) / 10;
}

const counters = [
  'commands',
  'accepted',
  'declined',
  'conflicts',
  'retries',
  'exhausted',
  'events',
  'snapshots',
  'loads',
  'eventsRead',
  'reads',
  'replayedReads',
  'audits',
  'auditEventsRead',
  'unanswerable',
  'lostUpdates',
  'negativeBalances',
  'rebuilds',
  'rebuildEventsRead',
] as const;

const eventStoreSchema = z
  .object({
    kind: z.literal('event-store'),
    description: z.string().optional(),
    key: z.string().default('account'),
    storage: z.enum(['events', 'state']).default('events'),
    opening: z.number().int().min(0).max(1_000_000_000).default(0),
    amount: z.number().int().min(1).max(1_000_000_000).default(10),
    snapshotEvery: count({ max: 1_000_000 }).default(0),
    read: latencySchema.prefault('2ms'),
    perEvent: duration({ max: 60_000 }).default(0.05),
    append: latencySchema.prefault('2ms'),
    retries: count({ max: 100 }).default(3),
    rebuild: z.object({ at: duration({ max: 86_400_000 }), rate: rate({ min: 1, max: 100_000_000 }).default(10_000) }).strict().optional(),
  })
  .strict();

export const eventStoreKind = defineKind({
  kind: 'event-store',
  role: 'service',
  summary: 'bank accounts as event streams: versions, optimistic concurrency, snapshots, replay to any time, a rebuildable projection',
  schema: eventStoreSchema,
  knobs: {
    storage: { description: 'events (a stream per account, versioned appends) or state (one row, last writer wins)', type: 'enum', values: ['events', 'state'] },
    snapshotEvery: { description: 'keep the folded state every N events (0: never), so a load reads fewer events', type: 'int', min: 0, max: 1_000_000 },
    perEvent: { description: 'time to read and apply one event while loading', type: 'duration', min: '0', max: '1s' },
    retries: { description: 'times a command that met a version conflict reads again and retries', type: 'int', min: 0, max: 100 },
  },
  metrics: {
    counters,
    gauges: ['streams', 'overdrawn', 'projectionBehind'],
    ratios: {
      eventsPerLoad: ['eventsRead', 'loads', 'factor'],
      eventsPerAudit: ['auditEventsRead', 'audits', 'factor'],
    },
  },
  states: eventStoreStates,
  references: () => [],
  create: (config, ctx) => {
    const { key, storage, opening, amount, snapshotEvery, read, perEvent, append, retries, rebuild } = config;
    return new EventSourcedAccounts(ctx.name, { key, storage, opening, amount, snapshotEvery, read, perEvent, append, retries, rebuild }, ctx);
  },
});
