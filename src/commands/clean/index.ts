/**
 * `patterns clean --broker URL [--run ID] [--dry-run]`: removes what killed live runs left
 * on a broker. Only names under `patterns.` (or `patterns.<run id>.` with --run) are ever
 * touched, by the adapter's own `clean`; nothing is flushed. What to remove comes from the
 * run manifests in `.patterns/runs/` (RabbitMQ cannot list its queues) and from whatever
 * the adapter can list. Runs still alive on this machine are left alone.
 */
import { PREFIX_ROOT, runPrefix, type RealAdapter, type RealAdapterName } from '../../brokers/real.js';
import { brokersFrom, type BrokerUrl } from '../../brokers/url.js';
import { UsageError } from '../../core/errors.js';
import { parseConnectTimeout, reachBroker, type AdapterRegistry, type BrokerIO } from '../broker/connect.js';
import { readManifests, removeManifest, runIsAlive, type RunManifest } from '../broker/manifest.js';
import { parseRunId } from '../broker/run-id.js';

export interface CleanFlags {
  broker?: string[];
  run?: string;
  dryRun?: boolean;
  connectTimeout?: string;
}

export interface CleanedRun {
  runId: string;
  /** Known from a manifest here, or only found on the broker. */
  manifest: boolean;
  /** Names removed (or, with --dry-run, that would be), as the adapter reports them. */
  removed: string[];
  pid?: number;
  started?: string;
  scenario?: string;
}

export interface CleanResult {
  /** Masked. */
  broker: string;
  adapter: RealAdapterName;
  dryRun: boolean;
  /** Whether the adapter could list the broker; without that only manifests say what exists. */
  listed: boolean;
  runs: CleanedRun[];
  /** Runs left alone because they may still be going. */
  running: { runId: string; pid: number; host: string; started: string }[];
  /** Removed names that belong to no run id (`patterns.` itself, odd names). */
  other: string[];
}

export interface CleanDeps {
  registry?: AdapterRegistry;
  cwd: string;
  /** Whether a manifest's run is still going; tests replace it. */
  isAlive?: (m: RunManifest) => boolean;
}

/** Run clean-up on a broker can take a while; connecting still has its own deadline. */
const WORK_MS = 120_000;

export async function cleanCommand(flags: CleanFlags, io: BrokerIO, deps: CleanDeps): Promise<CleanResult> {
  const target = oneRealBroker(flags, io.env);
  const only = flags.run === undefined ? undefined : parseRunId(flags.run);
  const timeoutMs = parseConnectTimeout(flags.connectTimeout);
  const isAlive = deps.isAlive ?? runIsAlive;
  const manifests = (await readManifests(deps.cwd)).filter((m) => m.endpoint === target.endpoint && (only === undefined || m.runId === only));
  const alive = manifests.filter(isAlive);
  const dead = manifests.filter((m) => !alive.includes(m));
  const named = alive.find((m) => m.runId === only);
  if (named) {
    throw new UsageError(`run ${only} is still running (pid ${named.pid} on ${named.host}, started ${named.started}): it removes what it created when it ends`, [
      `if that process is not a patterns run, delete .patterns/runs/${only}.json and run clean again`,
    ]);
  }
  const spared = new Set(alive.map((m) => m.runId));
  const removed = await reachBroker(
    target,
    io,
    { timeoutMs, purpose: 'clean', workMs: WORK_MS, ...(deps.registry ? { registry: deps.registry } : {}), label: `${flags.dryRun ? 'looking at' : 'cleaning'} ${target.display} …` },
    (adapter, remainingMs) => sweep(adapter, target, { only, dead, spared, dryRun: flags.dryRun === true, connectTimeoutMs: remainingMs }),
  );
  if (!flags.dryRun) for (const m of dead) await removeManifest(deps.cwd, m.runId);
  return summarize(target, removed, dead, alive, flags.dryRun === true);
}

interface Sweep {
  only: string | undefined;
  dead: RunManifest[];
  spared: Set<string>;
  dryRun: boolean;
  connectTimeoutMs: number;
}

/** What the adapter removed (or would), plus whether it could list. */
async function sweep(adapter: RealAdapter, target: BrokerUrl, s: Sweep): Promise<{ names: string[]; listed: boolean }> {
  const prefix = s.only === undefined ? PREFIX_ROOT : runPrefix(s.only);
  const manifestNames = s.dead.flatMap((m) => m.names);
  const listed = adapter.list ? (await adapter.list(target.url, { prefix, connectTimeoutMs: s.connectTimeoutMs })).filter((n) => !isSpared(n, s.spared)) : undefined;
  if (s.dryRun) return { names: listed ?? manifestNames, listed: listed !== undefined };
  const clean = (p: string, names: readonly string[]) => adapter.clean(target.url, { prefix: p, connectTimeoutMs: s.connectTimeoutMs, names });
  // With no run of ours alive, one sweep of the whole prefix; otherwise run by run, around the live ones.
  if (s.spared.size === 0) return { names: (await clean(prefix, manifestNames)).removed, listed: listed !== undefined };
  const runIds = new Set([...s.dead.map((m) => m.runId), ...(listed ?? []).map(runIdOf).filter((id): id is string => id !== undefined)]);
  const names: string[] = [];
  for (const id of runIds) {
    if (s.spared.has(id)) continue;
    const report = await clean(runPrefix(id), s.dead.find((m) => m.runId === id)?.names ?? []);
    names.push(...report.removed);
  }
  return { names, listed: listed !== undefined };
}

/** `stream patterns.<run id>.orders` → the run id. */
export function runIdOf(name: string): string | undefined {
  return /(?:^|\s)patterns\.([a-z0-9][a-z0-9-]*)\./.exec(name)?.[1];
}

function isSpared(name: string, spared: Set<string>): boolean {
  const id = runIdOf(name);
  return id !== undefined && spared.has(id);
}

function summarize(target: BrokerUrl, removed: { names: string[]; listed: boolean }, dead: RunManifest[], alive: RunManifest[], dryRun: boolean): CleanResult {
  const runs = new Map<string, CleanedRun>();
  for (const m of dead) {
    runs.set(m.runId, { runId: m.runId, manifest: true, removed: [], pid: m.pid, started: m.started, ...(m.scenario ? { scenario: m.scenario } : {}) });
  }
  const other: string[] = [];
  for (const name of removed.names) {
    const id = runIdOf(name);
    if (id === undefined) {
      other.push(name);
      continue;
    }
    if (!runs.has(id)) runs.set(id, { runId: id, manifest: false, removed: [] });
    runs.get(id)!.removed.push(name);
  }
  return {
    broker: target.display,
    adapter: target.adapter as RealAdapterName,
    dryRun,
    listed: removed.listed,
    runs: [...runs.values()].sort((a, b) => a.runId.localeCompare(b.runId)),
    running: alive.map((m) => ({ runId: m.runId, pid: m.pid, host: m.host, started: m.started })),
    other,
  };
}

/** `--broker` or PATTERNS_BROKER, which must name exactly one real broker. */
function oneRealBroker(flags: CleanFlags, env: NodeJS.ProcessEnv): BrokerUrl {
  const all = brokersFrom(flags.broker, env);
  const real = all.filter((b) => b.adapter !== 'memory');
  if (real.length === 1) return real[0]!;
  if (all.length === 0) throw new UsageError('which broker? pass --broker URL (or set PATTERNS_BROKER)', ['e.g. patterns clean --broker redis://localhost:6379']);
  if (real.length === 0) throw new UsageError('nothing to clean on the memory broker: it lives and dies inside each run');
  throw new UsageError(`clean one broker at a time; given: ${real.map((b) => b.display).join(', ')}`);
}
