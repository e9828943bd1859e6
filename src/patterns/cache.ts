import { z } from 'zod';
import { brokerNamed } from '../components/broker.js';
import type { Database } from '../components/database.js';
import { defineKind, type Resolver } from '../components/kind.js';
import { latencySchema, sampleLatency, type LatencyDist } from '../components/latency.js';
import type { Call, Callee, Cancel, ComponentContext, ComponentTrace, Done, Outcome } from '../core/component.js';
import type { Counter, Gauge, Histogram } from '../core/metrics.js';
import { formatDuration, formatPercent } from '../core/units.js';
import { componentName, count, duration, factor, ratio } from '../scenario/fields.js';
import { InvalidationBus } from './cache-invalidation.js';
import { refreshEarly, StampedeGuardState, stampedeGuards, type MissGuard, type StampedeGuard } from './cache-stampede.js';
import { AHEAD, CacheServer } from './cache-store.js';
import { WriteBehind } from './cache-write-behind.js';
import { SettledState } from './settled-state.js';

export const cacheStrategies = ['cache-aside', 'read-through', 'write-through', 'write-behind', 'refresh-ahead'] as const;
export const invalidations = ['ttl', 'delete', 'versioned', 'pubsub'] as const;
export type CacheStrategy = (typeof cacheStrategies)[number];
export { stampedeGuards, type StampedeGuard };
export type Invalidation = (typeof invalidations)[number];

export interface CacheConfig {
  strategy: CacheStrategy;
  /** How long a value is served before it must be loaded again. */
  ttl: number;
  /** Time to answer from the cache. */
  latency: LatencyDist;
  /** The call tag naming the record. */
  key: string;
  /** App servers, each with its own local cache (1: one cache everybody shares). */
  servers: number;
  stampede: StampedeGuard;
  /** lock: how often a reader that found the key locked looks again, and how long a lock lives. */
  lock: { retry: number; lease: number };
  /** early (XFetch): how eagerly to refresh before expiry; 1 is the paper's optimum, more is earlier. */
  beta: number;
  /** refresh-ahead: a read of a value older than this share of the TTL refreshes it in the background. */
  refreshAt: number;
  invalidation: Invalidation;
  /** versioned: time to look up a key's current version (a counter beside the cache). */
  versionLookup: number;
  /** write-behind: how often and how much to flush. */
  flush: { every: number; batch: number };
  /** Keys whose states are traced (MISS → LOADING → FRESH → STALE/EXPIRED ...). */
  watch: readonly string[];
}

export const cacheStates = ['OK', 'STALE', 'STAMPEDE', 'DOWN'] as const;
type CacheState = (typeof cacheStates)[number];

/** Loads of one key in flight at once from which the cache counts as stampeding. */
const STAMPEDE_AT = 3;
const OK: Outcome = Object.freeze({ ok: true });

/** Where a read stood when it arrived: staleness is judged against the writes committed before it. */
interface ReadStart {
  key: string;
  at: number;
  truth: number;
}

/**
 * A cache in front of a versioned database, as one component: the strategy (who loads on a
 * miss, when writes reach the database), the guard against a stampede on a hot key's
 * expiry, and how app servers with their own local caches learn of a write. Calls tagged
 * `op: write` write their record; all others read it. Every answer is checked against
 * the database's truth: a read returning a version older than the latest committed
 * before it began is stale; a write acknowledged but never committed is lost.
 */
export class Cache implements Callee {
  readonly kind = 'cache';
  readonly name: string;
  private readonly cfg: CacheConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace'>;
  private readonly db: Database;
  private readonly servers: CacheServer[];
  private readonly behind: WriteBehind[] = [];
  private bus: InvalidationBus | undefined;
  private readonly guard: MissGuard;
  /** Loads in flight per key, all servers together: the size of a stampede. */
  private readonly loading = new Map<string, number>();
  private readonly settled: SettledState<Exclude<CacheState, 'DOWN'>>;
  private downCount = 0;
  private next = 0;
  private largestStampede = 0;
  private readonly m: {
    reads: Counter;
    writes: Counter;
    hits: Counter;
    misses: Counter;
    loads: Counter;
    loadFailures: Counter;
    coalesced: Counter;
    lockWaits: Counter;
    refreshes: Counter;
    staleReads: Counter;
    invalidations: Counter;
    versionChecks: Counter;
    flushed: Counter;
    lostWrites: Counter;
    bypassed: Counter;
    crashes: Counter;
    staleness: Histogram;
    stampede: Gauge;
    unflushed: Gauge;
  };

  constructor(
    name: string,
    cfg: CacheConfig,
    db: Database,
    ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>,
    /** Who decides on a miss; the built-in guard `cfg.stampede` unless an exercise brings its own. */
    guard?: MissGuard,
  ) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.db = db;
    const m = ctx.metrics;
    this.m = {
      reads: m.counter('reads'),
      writes: m.counter('writes'),
      hits: m.counter('hits'),
      misses: m.counter('misses'),
      loads: m.counter('loads'),
      loadFailures: m.counter('loadFailures'),
      coalesced: m.counter('coalesced'),
      lockWaits: m.counter('lockWaits'),
      refreshes: m.counter('refreshes'),
      staleReads: m.counter('staleReads'),
      invalidations: m.counter('invalidations'),
      versionChecks: m.counter('versionChecks'),
      flushed: m.counter('flushed'),
      lostWrites: m.counter('lostWrites'),
      bypassed: m.counter('bypassed'),
      crashes: m.counter('crashes'),
      staleness: m.histogram('staleness'),
      stampede: m.gauge('stampede'),
      unflushed: m.gauge('unflushed'),
    };
    const names = Array.from({ length: cfg.servers }, (_, i) => (cfg.servers === 1 ? 'cache' : `app-${i + 1}`));
    this.servers = names.map((n) => new CacheServer(n, cfg.ttl, ctx, cfg.watch, cfg.servers > 1));
    this.guard = guard ?? new StampedeGuardState(cfg.stampede, cfg.servers, cfg.lock, ctx.clock, this.m);
    if (cfg.strategy === 'write-behind') {
      this.servers.forEach((s, i) => {
        this.behind.push(
          new WriteBehind(s, db, cfg.flush, ctx.clock, (writes, committed) => {
            this.m.flushed.inc(writes);
            this.m.unflushed.set(this.unflushed());
            // The other servers hear of a write-behind write once it is in the database.
            for (const c of committed) this.invalidateOthers(i, c.key, c.version);
          }),
        );
      });
    }
    // The cache answers for the trace as a whole, except while a server is down.
    const settledTrace: ComponentTrace = {
      get enabled() {
        return ctx.trace.enabled;
      },
      event: () => {},
      transition: (from, to, cause) => this.downCount === 0 && ctx.trace.transition(from, to, cause),
    };
    this.settled = new SettledState(['OK', 'STALE', 'STAMPEDE'], 1000, { clock: ctx.clock, trace: settledTrace }, (from) =>
      from === 'STAMPEDE' ? `fewer than ${STAMPEDE_AT} loads of one key at once` : 'no stale read',
    );
    db.onCommit((key, version) => {
      for (const s of this.servers) s.committed(key, version);
    });
  }

  /** Pub/sub invalidation needs the broker, wired after construction. */
  connect(bus: (received: (server: number, key: string, version: number) => void) => InvalidationBus): void {
    this.bus = bus((i, key, version) => {
      if (this.servers[i]!.invalidate(key, version, `invalidation: version ${version} committed on another server`)) this.m.invalidations.inc();
    });
  }

  state(): CacheState {
    return this.downCount > 0 ? 'DOWN' : this.settled.current;
  }

  columns() {
    const m = this.m;
    const reads = m.reads.value;
    const cols: Record<string, string | number> = { strategy: this.cfg.strategy, 'hit ratio': reads > 0 ? formatPercent(m.hits.value / reads) : '–', loads: m.loads.value };
    if (this.cfg.stampede !== 'none') cols['guard'] = this.cfg.stampede;
    cols['largest stampede'] = this.largestStampede;
    cols['stale'] = m.staleReads.value;
    if (this.cfg.strategy === 'write-behind') {
      cols['unflushed'] = this.unflushed();
      cols['lost'] = m.lostWrites.value;
    }
    if (this.cfg.servers > 1) cols['invalidation'] = this.cfg.invalidation;
    cols['ttl'] = formatDuration(this.cfg.ttl);
    return cols;
  }

  report() {
    const m = this.m;
    const reads = m.reads.value;
    return {
      'hit ratio': reads > 0 ? formatPercent(m.hits.value / reads) : '–',
      'database loads': m.loads.value,
      'largest stampede': this.largestStampede,
      'stale reads': m.staleReads.value,
      'lost writes': m.lostWrites.value,
    };
  }

  readonly handle = (call: Call, done: Done): Cancel => {
    const key = call.tags?.[this.cfg.key] ?? '';
    // A call tagged with a server's name goes to it (a sticky session); the others take turns.
    const named = call.tags?.['server'];
    const pinned = named === undefined ? -1 : this.servers.findIndex((s) => s.name === named);
    const server = pinned >= 0 ? pinned : this.next++ % this.servers.length;
    let waiting = true;
    const reply: Done = (outcome) => waiting && done(outcome);
    if (call.tags?.['op'] === 'write') this.write(server, key, reply);
    else this.read(server, key, reply);
    return () => (waiting = false);
  };

  /** Where a watched key stands on a server, for tests. */
  keyState(key: string, server = 0) {
    return this.servers[server]?.stateOf(key);
  }

  /** Loads of `key` in flight right now. */
  loadsInFlight(key: string): number {
    return this.loading.get(key) ?? 0;
  }

  /** The cache's processes die: what they held in memory is lost. `instances` servers, default all. */
  crash(cause: string, instances?: number): () => void {
    const victims = this.servers.map((s, i) => ({ s, i })).filter(({ s }) => !s.down).slice(0, instances ?? this.servers.length);
    const restarts: (() => void)[] = [];
    for (const { s, i } of victims) {
      this.m.crashes.inc();
      if (this.downCount++ === 0) this.ctx.trace.transition(this.settled.current, 'DOWN', `${cause} started`);
      const flying = this.behind[i]?.crash() ?? 0;
      this.m.lostWrites.inc(s.crash(cause) - flying);
      this.guard.forget(i);
      const bus = this.bus?.crash(i);
      restarts.push(() => {
        s.down = false;
        bus?.();
        if (--this.downCount === 0) this.ctx.trace.transition('DOWN', this.settled.current, `${cause} ended: restarted with an empty cache`);
      });
    }
    this.m.unflushed.set(this.unflushed());
    return () => restarts.forEach((r) => r());
  }

  private read(i: number, key: string, done: Done): void {
    this.m.reads.inc();
    const start: ReadStart = { key, at: this.ctx.clock.now(), truth: this.db.version(key) };
    const server = this.servers[i]!;
    if (server.down) {
      this.m.misses.inc();
      this.m.bypassed.inc();
      this.db.read(key, (r) => (r.ok ? this.answer(start, r.version, done) : done(r.outcome)));
      return;
    }
    if (this.cfg.invalidation === 'versioned') {
      // The key's name carries its version: look the version up, then the entry under that name.
      this.m.versionChecks.inc();
      this.ctx.clock.setTimer(this.cfg.versionLookup, () => {
        const current = this.db.version(key);
        const e = server.get(key);
        if (e && e.pending === 0 && e.version < current) server.invalidate(key, current, `version ${current} is the key's name now`);
        this.lookup(i, start, done);
      });
      return;
    }
    this.lookup(i, start, done);
  }

  private lookup(i: number, start: ReadStart, done: Done): void {
    const server = this.servers[i]!;
    const e = server.get(start.key);
    if (e) {
      this.m.hits.inc();
      this.maybeRefresh(i, start.key);
      const version = e.pending > 0 ? AHEAD : e.version;
      this.ctx.clock.setTimer(sampleLatency(this.cfg.latency, this.ctx.random), () => this.answer(start, version, done));
      return;
    }
    this.m.misses.inc();
    this.miss(i, start, done);
  }

  private miss(i: number, start: ReadStart, done: Done): void {
    this.guard.miss(i, start.key, {
      load: (why, then) => this.load(i, start.key, why, then),
      lookAgain: () => this.afterLockWait(i, start, done),
      answer: (version, failure) => (version === undefined ? done(failure!) : this.answer(start, version, done)),
    });
  }

  /** A reader that found the key locked looks again: filled by the holder, or free to take. */
  private afterLockWait(i: number, start: ReadStart, done: Done): void {
    const server = this.servers[i]!;
    if (server.down) {
      this.m.bypassed.inc();
      this.db.read(start.key, (r) => (r.ok ? this.answer(start, r.version, done) : done(r.outcome)));
      return;
    }
    const e = server.get(start.key);
    if (e) {
      const version = e.pending > 0 ? AHEAD : e.version;
      this.ctx.clock.setTimer(sampleLatency(this.cfg.latency, this.ctx.random), () => this.answer(start, version, done));
      return;
    }
    this.miss(i, start, done);
  }

  /** Refresh-ahead and early refresh: a hit may start a background load, so the value never expires under load. */
  private maybeRefresh(i: number, key: string): void {
    const e = this.servers[i]!.entries.get(key);
    if (!e || e.refreshing || e.pending > 0) return;
    const now = this.ctx.clock.now();
    let why: string | undefined;
    if (this.cfg.strategy === 'refresh-ahead' && now - e.storedAt >= this.cfg.refreshAt * this.cfg.ttl) why = `refresh ahead: ${formatDuration(now - e.storedAt)} old`;
    else if (this.cfg.stampede === 'early' && refreshEarly(e, now, this.cfg.beta, this.ctx.random.next()))
      why = `early refresh ${formatDuration(e.expiresAt - now)} before expiry`;
    if (!why) return;
    e.refreshing = true;
    this.m.refreshes.inc();
    this.servers[i]!.event(key, 'refresh', { why });
    this.load(i, key, why, (version) => {
      if (version === undefined) e.refreshing = false;
    });
  }

  /** One load from the database, filling the server's cache with what it read. */
  private load(i: number, key: string, why: string, then: (version: number | undefined, failure?: Outcome) => void): void {
    const server = this.servers[i]!;
    this.m.loads.inc();
    const n = (this.loading.get(key) ?? 0) + 1;
    this.loading.set(key, n);
    this.m.stampede.set(n);
    if (n > this.largestStampede) this.largestStampede = n;
    if (n >= STAMPEDE_AT) this.settled.observe('STAMPEDE', () => `${n} loads of ${key} at once`);
    if (!server.entries.has(key)) server.note(key, 'LOADING', why);
    const started = this.ctx.clock.now();
    this.db.read(key, (r) => {
      const left = this.loading.get(key)! - 1;
      if (left === 0) this.loading.delete(key);
      else this.loading.set(key, left);
      this.m.stampede.set(left);
      if (!r.ok) {
        this.m.loadFailures.inc();
        return then(undefined, r.outcome);
      }
      const took = this.ctx.clock.now() - started;
      if (!server.down) server.fill(key, r.version, took, `loaded version ${r.version} in ${formatDuration(took)}${left > 0 ? `; ${left} more load${left === 1 ? '' : 's'} of it still running` : ''}`);
      then(r.version);
    });
  }

  private write(i: number, key: string, done: Done): void {
    this.m.writes.inc();
    const server = this.servers[i]!;
    if (server.down) {
      this.m.bypassed.inc();
      this.db.write([key], (outcome, [version]) => {
        if (outcome.ok) this.invalidateOthers(i, key, version!);
        done(outcome);
      });
      return;
    }
    if (this.cfg.strategy === 'write-behind') {
      this.behind[i]!.write(key);
      this.m.unflushed.set(this.unflushed());
      this.ctx.clock.setTimer(sampleLatency(this.cfg.latency, this.ctx.random), () => done(OK));
      return;
    }
    this.db.write([key], (outcome, [version]) => {
      if (outcome.ok) {
        if (!server.down) {
          if (this.cfg.strategy === 'write-through') server.set(key, version!, 0, `written through as version ${version}`);
          else if (this.cfg.invalidation === 'delete' || this.cfg.invalidation === 'pubsub') {
            if (server.invalidate(key, version!, `deleted after writing version ${version}`)) this.m.invalidations.inc();
          }
        }
        this.invalidateOthers(i, key, version!);
      }
      done(outcome);
    });
  }

  /** The other servers' copies: dropped by a message (pubsub), or left to their TTL or their version check. */
  private invalidateOthers(i: number, key: string, version: number): void {
    if (this.cfg.invalidation === 'pubsub' && this.bus && this.servers.length > 1) this.bus.publish(i, key, version);
  }

  private answer(start: ReadStart, version: number, done: Done): void {
    if (version < start.truth) {
      this.m.staleReads.inc();
      this.m.staleness.observe(start.at - this.db.committedAt(start.key, version + 1));
      this.settled.observe('STALE', () => `a read of ${start.key} returned version ${version}; ${start.truth} was committed`);
    } else {
      this.m.staleness.observe(0);
    }
    done(OK);
  }

  private unflushed(): number {
    let n = 0;
    for (const b of this.behind) n += b.unflushed;
    return n;
  }
}

const cacheSchema = z
  .object({
    kind: z.literal('cache'),
    description: z.string().optional(),
    database: componentName,
    strategy: z.enum(cacheStrategies).default('cache-aside'),
    ttl: duration({ min: 1, max: 86_400_000 }).default(60_000),
    latency: latencySchema.prefault('1ms'),
    key: z.string().default('key'),
    servers: count({ min: 1, max: 100 }).default(1),
    stampede: z.enum(stampedeGuards).default('none'),
    lock: z
      .object({ retry: duration({ min: 1, max: 60_000 }).default(20), lease: duration({ min: 1, max: 3_600_000 }).default(2000) })
      .strict()
      .prefault({}),
    beta: factor({ min: 0.01, max: 100 }).default(1),
    refreshAt: ratio().default(0.8),
    invalidation: z.enum(invalidations).default('ttl'),
    broker: componentName.optional(),
    topic: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, { message: 'topic names are lower case letters, digits and dashes' })
      .optional(),
    link: duration({ max: 60_000 }).default(0),
    versionLookup: duration({ max: 60_000 }).default(1),
    flush: z
      .object({ every: duration({ min: 1, max: 3_600_000 }).default(1000), batch: count({ min: 1, max: 100_000 }).default(100) })
      .strict()
      .prefault({}),
    watch: z.array(z.string()).default([]),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (cfg.invalidation === 'pubsub' && (cfg.broker === undefined || cfg.topic === undefined))
      ctx.addIssue({ code: 'custom', path: ['invalidation'], message: 'pubsub invalidation needs a broker and a topic to publish on' });
  });

export const cacheKind = defineKind({
  kind: 'cache',
  role: 'service',
  summary: 'a cache in front of a database: cache-aside, read-through, write-through, write-behind or refresh-ahead; stampede guards; invalidation across app servers',
  schema: cacheSchema,
  knobs: {
    strategy: { description: 'who loads on a miss, when writes reach the database', type: 'enum', values: cacheStrategies },
    ttl: { description: 'how long a value is served before it is loaded again', type: 'duration', min: '1ms', max: '24h' },
    stampede: { description: 'guard for a hot key’s expiry: none, coalesce (single flight), lock, early (XFetch)', type: 'enum', values: stampedeGuards },
    beta: { description: 'early refresh: how eagerly (1 = XFetch’s optimum)', type: 'number', min: 0.01, max: 100 },
    refreshAt: { description: 'refresh-ahead: refresh a value read after this share of its TTL', type: 'ratio', min: 0, max: 1 },
    invalidation: { description: 'how other copies learn of a write: ttl, delete, versioned, pubsub', type: 'enum', values: invalidations },
    servers: { description: 'app servers, each with its own local cache', type: 'int', min: 1, max: 100 },
  },
  metrics: {
    counters: [
      'reads',
      'writes',
      'hits',
      'misses',
      'loads',
      'loadFailures',
      'coalesced',
      'lockWaits',
      'refreshes',
      'staleReads',
      'invalidations',
      'versionChecks',
      'flushed',
      'lostWrites',
      'bypassed',
      'crashes',
    ],
    histograms: ['staleness'],
    gauges: ['stampede', 'unflushed'],
    ratios: { hitRatio: ['hits', 'reads'], missRatio: ['misses', 'reads'], staleRate: ['staleReads', 'reads'] },
  },
  states: cacheStates,
  references: (config) => [
    { field: 'database', name: config.database, role: 'service' as const },
    ...(config.broker !== undefined ? [{ field: 'broker', name: config.broker, role: 'broker' as const }] : []),
  ],
  requires: (config) => [
    { field: 'database', of: config.database, need: 'kind:database' },
    ...(config.invalidation === 'pubsub' && config.broker !== undefined && config.topic !== undefined
      ? [
          { field: 'topic', of: config.broker, need: 'capability:durable-subscriptions' },
          { field: 'topic', of: config.broker, need: `topic:${config.topic}` },
        ]
      : []),
  ],
  create: (config, ctx, resolve) => createCache(config, ctx, resolve),
});

export type CacheSettings = z.output<typeof cacheSchema>;

/** A cache from its validated settings; `guard` replaces the built-in stampede guard (an exercise's stand-in). */
export function createCache(config: CacheSettings, ctx: ComponentContext, resolve: Resolver, guard?: MissGuard): Cache {
  const db = resolve.component(config.database) as Database;
  const cache = new Cache(
    ctx.name,
    {
      strategy: config.strategy,
      ttl: config.ttl,
      latency: config.latency,
      key: config.key,
      servers: config.servers,
      stampede: config.stampede,
      lock: config.lock,
      beta: config.beta,
      refreshAt: config.refreshAt,
      invalidation: config.invalidation,
      versionLookup: config.versionLookup,
      flush: config.flush,
      watch: config.watch,
    },
    db,
    ctx,
    guard,
  );
  if (config.invalidation === 'pubsub' && config.broker !== undefined && config.topic !== undefined && config.servers > 1) {
    const broker = brokerNamed(resolve.component(config.broker)).broker;
    const names = Array.from({ length: config.servers }, (_, i) => `app-${i + 1}`);
    cache.connect((received) => new InvalidationBus(ctx.name, names, broker, resolve.messages, ctx, { topic: config.topic!, link: config.link, reconnect: 1000 }, received));
  }
  return cache;
}
