import { z } from 'zod';
import { defineKind } from '../components/kind.js';
import { memberTrace, type Call, type Callee, type Cancel, type ComponentContext, type ComponentTrace, type Done, type Handler } from '../core/component.js';
import type { Counter, Gauge } from '../core/metrics.js';
import { formatCount, formatPercent } from '../core/units.js';
import { componentName, count, duration, factor } from '../scenario/fields.js';
import { ConsistentHash, HashMod, RangeMap, shardStrategies, type ShardMap, type ShardStrategy } from './shard-maps.js';

export const shardingStates = ['BALANCED', 'SKEWED'] as const;
type ShardingState = (typeof shardingStates)[number];
type ShardState = 'NORMAL' | 'HOT';

export interface ShardingConfig {
  strategy: ShardStrategy;
  /** The call tag whose value is the key. */
  key: string;
  vnodes: number;
  /** range: keys are numbered 1..keys, split into `ranges` ranges. */
  keys: number;
  ranges: number;
  /** Hot keys spread over `into` sub-keys (key#0..key#into-1), each on its own shard. */
  salt?: { keys: readonly string[]; into: number } | undefined;
  /** A shard with this many times the mean load, over a second, is HOT. */
  hotAt: number;
  reshard?: { at: number; add: readonly string[]; remove: readonly string[] } | undefined;
}

interface Shard {
  name: string;
  call: Handler;
  trace: ComponentTrace;
  state: ShardState;
  /** Calls in the current second, and in all. */
  recent: number;
  total: number;
  active: boolean;
}

/**
 * A shard router: callable like a service, it sends each call to the shard that owns its key
 * — by hash mod N, on a consistent-hash ring with virtual nodes, or by key range. Every second
 * it compares the shards' load: a shard with `hotAt` times the mean is HOT, and the router
 * SKEWED. A resharding (shards added or removed at a moment) is measured: of the keys seen so
 * far, the share that now lives elsewhere and would have to be moved. Hot keys may be salted:
 * spread over several sub-keys, so one key's load lands on several shards.
 */
export class ShardRouter implements Callee {
  readonly kind = 'sharding';
  readonly name: string;
  readonly map: ShardMap;
  private readonly shards: Map<string, Shard>;
  private readonly seen = new Set<string>();
  private readonly salted: Set<string>;
  private current: ShardingState = 'BALANCED';
  private lastShares = '';
  private readonly m: { calls: Counter; ok: Counter; failed: Counter; keys: Counter; moved: Counter; salted: Counter; imbalance: Gauge };
  private movedReport: string | undefined;

  constructor(
    name: string,
    private readonly cfg: ShardingConfig,
    shards: readonly { name: string; call: Handler }[],
    private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>,
  ) {
    this.name = name;
    const removedLater = new Set(cfg.reshard?.remove ?? []);
    const addedLater = new Set(cfg.reshard?.add ?? []);
    this.shards = new Map(shards.map((s) => [s.name, { ...s, trace: memberTrace(ctx.trace, s.name), state: 'NORMAL' as ShardState, recent: 0, total: 0, active: !addedLater.has(s.name) }]));
    const initial = shards.map((s) => s.name).filter((n) => !addedLater.has(n));
    this.map = cfg.strategy === 'hash-mod' ? new HashMod(initial) : cfg.strategy === 'consistent-hash' ? new ConsistentHash(initial, cfg.vnodes) : new RangeMap(initial, cfg.keys, cfg.ranges);
    this.salted = new Set(cfg.salt?.keys ?? []);
    const m = ctx.metrics;
    this.m = { calls: m.counter('calls'), ok: m.counter('ok'), failed: m.counter('failed'), keys: m.counter('keys'), moved: m.counter('moved'), salted: m.counter('salted'), imbalance: m.gauge('imbalance') };
    ctx.clock.setTimer(1000, this.measure);
    const r = cfg.reshard;
    if (r) ctx.clock.setTimer(r.at, () => this.reshard(r.add, [...removedLater]));
  }

  state(): ShardingState {
    return this.current;
  }

  columns() {
    const cols: Record<string, string | number> = { strategy: this.describe(), shards: this.map.shards.length };
    if (this.lastShares) cols['load (last 1s)'] = this.lastShares;
    const hot = [...this.shards.values()].filter((s) => s.state === 'HOT');
    if (hot.length > 0) cols['hot'] = hot.map((s) => s.name).join(', ');
    if (this.movedReport) cols['resharded'] = this.movedReport;
    return cols;
  }

  report() {
    const all = [...this.shards.values()];
    const total = all.reduce((n, s) => n + s.total, 0);
    const out: Record<string, string | number> = {};
    for (const s of all) out[s.name] = total > 0 ? formatPercent(s.total / total, 0) : '—';
    if (this.movedReport) out['moved'] = this.movedReport;
    return out;
  }

  readonly handle = (call: Call, done: Done): Cancel => {
    this.m.calls.inc();
    const key = call.tags?.[this.cfg.key] ?? `call-${call.id}`;
    this.seen.add(key);
    let placed = key;
    if (this.salted.has(key)) {
      this.m.salted.inc();
      placed = `${key}#${this.ctx.random.int(this.cfg.salt!.into)}`;
    }
    const shard = this.shards.get(this.map.shardOf(placed))!;
    shard.recent++;
    shard.total++;
    return shard.call(call, (outcome) => {
      if (outcome.ok) this.m.ok.inc();
      else this.m.failed.inc();
      done(outcome);
    });
  };

  private describe(): string {
    const base = this.cfg.strategy === 'consistent-hash' ? `consistent hash, ${this.cfg.vnodes} vnodes` : this.cfg.strategy === 'range' ? `${(this.map as RangeMap).rangeCount} ranges` : 'hash mod N';
    return this.cfg.salt ? `${base}, ${this.cfg.salt.keys.length} hot keys salted ×${this.cfg.salt.into}` : base;
  }

  /** Once a second: each shard's share, the imbalance (the busiest over the mean), who is hot. */
  private readonly measure = (): void => {
    this.ctx.clock.setTimer(1000, this.measure);
    const active = [...this.shards.values()].filter((s) => s.active);
    const total = active.reduce((n, s) => n + s.recent, 0);
    if (total === 0) return;
    const mean = total / active.length;
    let busiest = active[0]!;
    for (const s of active) if (s.recent > busiest.recent) busiest = s;
    const imbalance = busiest.recent / mean;
    this.m.imbalance.set(Math.round(imbalance * 100) / 100);
    this.lastShares = active.map((s) => `${s.name} ${formatPercent(s.recent / total, 0)}`).join(' · ');
    for (const s of active) {
      const ratio = s.recent / mean;
      // Hysteresis: hot at hotAt × the mean, back to normal under the midpoint to 1×.
      const next: ShardState = ratio >= this.cfg.hotAt ? 'HOT' : s.state === 'HOT' && ratio > (1 + this.cfg.hotAt) / 2 ? 'HOT' : 'NORMAL';
      if (next !== s.state) {
        s.trace.transition(s.state, next, `${formatPercent(s.recent / total, 0)} of the calls in the last second (${ratio.toFixed(1)}× the mean)`);
        s.state = next;
      }
      s.recent = 0;
    }
    const state: ShardingState = active.some((s) => s.state === 'HOT') ? 'SKEWED' : 'BALANCED';
    if (state !== this.current) {
      this.ctx.trace.transition(this.current, state, state === 'SKEWED' ? `${busiest.name} takes ${imbalance.toFixed(1)}× the mean load` : `every shard within ${((1 + this.cfg.hotAt) / 2).toFixed(2)}× the mean`);
      this.current = state;
    }
  };

  private reshard(add: readonly string[], remove: readonly string[]): void {
    const keys = [...this.seen];
    const before = keys.map((k) => this.map.shardOf(k));
    for (const s of add) {
      this.map.add(s);
      this.shards.get(s)!.active = true;
    }
    for (const s of remove) {
      this.map.remove(s);
      const shard = this.shards.get(s)!;
      shard.active = false;
      if (shard.state === 'HOT') shard.trace.transition('HOT', 'NORMAL', 'removed from the shard map');
      shard.state = 'NORMAL';
    }
    let moved = 0;
    for (let i = 0; i < keys.length; i++) if (this.map.shardOf(keys[i]!) !== before[i]) moved++;
    this.m.keys.inc(keys.length);
    this.m.moved.inc(moved);
    this.movedReport = `${formatPercent(keys.length > 0 ? moved / keys.length : 0)} of ${formatCount(keys.length)} keys`;
    const what = [...add.map((s) => `+${s}`), ...remove.map((s) => `−${s}`)].join(' ');
    this.ctx.trace.event('resharded', { change: what, shards: this.map.shards.length, keys: keys.length, moved });
  }
}

const saltSchema = z.object({ keys: z.array(z.string().min(1)).min(1), into: count({ min: 2, max: 1000 }) }).strict();
const reshardSchema = z
  .object({ at: duration(), add: z.array(componentName).default([]), remove: z.array(componentName).default([]) })
  .strict()
  .refine((r) => r.add.length + r.remove.length > 0, { message: 'say which shards to add or remove' });

export const shardingKind = defineKind({
  kind: 'sharding',
  role: 'router',
  summary: 'routes each call to the shard owning its key: hash mod N, consistent hashing with virtual nodes, or key ranges',
  schema: z
    .object({
      kind: z.literal('sharding'),
      description: z.string().optional(),
      shards: z.array(componentName).min(1),
      strategy: z.enum(shardStrategies).default('consistent-hash'),
      key: z.string().min(1).default('user'),
      vnodes: count({ min: 1, max: 1000 }).default(100),
      keys: count({ min: 1, max: 100_000_000 }).default(10_000),
      ranges: count({ min: 1, max: 10_000 }).optional(),
      salt: saltSchema.optional(),
      hotAt: factor({ min: 1.05, max: 100 }).default(1.5),
      reshard: reshardSchema.optional(),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      const listed = new Set(cfg.shards);
      for (const [field, names] of [['add', cfg.reshard?.add ?? []], ['remove', cfg.reshard?.remove ?? []]] as const) {
        names.forEach((n, i) => {
          if (!listed.has(n)) ctx.addIssue({ code: 'custom', path: ['reshard', field, i], message: `${n} is not in shards: list every shard there, those added later too` });
        });
      }
      const startWith = cfg.shards.length - (cfg.reshard?.add.length ?? 0);
      if (startWith < 1) ctx.addIssue({ code: 'custom', path: ['reshard', 'add'], message: 'at least one shard must be there from the start' });
      if (startWith - (cfg.reshard?.remove.length ?? 0) < 1) ctx.addIssue({ code: 'custom', path: ['reshard', 'remove'], message: 'at least one shard must remain' });
    }),
  knobs: {
    strategy: { description: 'hash-mod, consistent-hash or range', type: 'enum', values: [...shardStrategies] },
    vnodes: { description: 'consistent-hash: points per shard on the ring; more spread the keys more evenly', type: 'int', min: 1, max: 1000 },
    ranges: { description: 'range: how many ranges the key space is cut into (dealt to the shards in turn)', type: 'int', min: 1, max: 10_000 },
    hotAt: { description: 'a shard with this many times the mean load is HOT', type: 'number', min: 1.05, max: 100 },
  },
  metrics: {
    counters: ['calls', 'ok', 'failed', 'keys', 'moved', 'salted'],
    gauges: ['imbalance'],
    ratios: { failureRate: ['failed', 'calls'], movedRate: ['moved', 'keys'] },
  },
  states: shardingStates,
  references: (config) => config.shards.map((name, i) => ({ field: `shards.${i}`, name, role: 'callable' as const })),
  create: (config, ctx, resolve) => {
    const shards = config.shards.map((name) => ({ name, call: resolve.handler(name) }));
    const activeAtStart = config.shards.length - (config.reshard?.add.length ?? 0);
    const cfg: ShardingConfig = { ...config, ranges: config.ranges ?? activeAtStart };
    return new ShardRouter(ctx.name, cfg, shards, ctx);
  },
});
