/**
 * `patterns component <name> --scenario <file> --broker <url> --run <id>`: one process of
 * a live run. It runs the group of `name` (see groups.ts) on the real clock against the
 * real broker under the run's prefix, and speaks NDJSON on stdout (`ChildLine`): its trace
 * (transitions, events, faults), its ledger entries, snapshots of its counters, states and
 * columns, and at the end what it still holds. It declares and removes nothing: the
 * parent (`run --live --processes`, or whoever started the run on another host) owns the
 * broker's topology and its clean-up.
 *
 * It starts when told: a line `go <epoch ms>` on stdin, the wall time the run's t = 0 is,
 * so every process of a run shares one timeline (restarted processes join it late). With
 * `--start <epoch ms>` it needs no stdin (hosts started by hand, across machines).
 */
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import type { Broker } from '../brokers/broker.js';
import { runPrefix, type RealBroker } from '../brokers/real.js';
import { parseBrokerUrl } from '../brokers/url.js';
import { openBroker, DEFAULT_CONNECT_TIMEOUT_MS } from '../commands/broker/connect.js';
import { parseRunId } from '../commands/broker/run-id.js';
import type { CliIO } from '../commands/context.js';
import type { BrokerConfig } from '../components/broker.js';
import { UsageError } from '../core/errors.js';
import { RealClock } from '../core/real-clock.js';
import type { TraceEvent } from '../core/trace.js';
import { Run } from '../engine/run.js';
import type { ComponentOverride } from '../engine/topology.js';
import { loadScenarioFile } from '../scenario/load.js';
import { didYouMean } from '../core/suggest.js';
import { ForwardingLedger, type LedgerOp } from './forwarding-ledger.js';
import { groupOf, processGroups, scenarioFor } from './groups.js';
import { LiveBrokerComponent } from './live-broker.js';
import { addStoreOverrides, openStores } from './stores.js';

export interface ComponentFlags {
  scenario: string;
  broker?: string;
  run: string;
  start?: string;
  seed?: string;
  set?: string[];
  variant?: string;
  duration?: string;
  connectTimeout?: number;
}

/** One line a component process writes on stdout. */
export type ChildLine =
  | { kind: 'ready'; group: string; members: string[]; pid: number }
  | (TraceEvent & { kind: 'transition' | 'event' | 'fault' })
  | ({ kind: 'ledger' } & LedgerOp)
  | { kind: 'snapshot'; t: number; counters: Record<string, Record<string, number>>; states: Record<string, string>; columns: Record<string, Record<string, string | number>> }
  | { kind: 'held'; ids: { id: string; group?: string | undefined }[] }
  | { kind: 'done'; t: number; interrupted: boolean };

const SNAPSHOT_MS = 200;

export async function componentCommand(name: string, flags: ComponentFlags, io: CliIO): Promise<number> {
  const runId = parseRunId(flags.run);
  const loadOptions = {
    set: flags.set ?? [],
    ...(flags.variant !== undefined ? { variant: flags.variant } : {}),
    ...(flags.seed !== undefined ? { seed: Number(flags.seed) } : {}),
    ...(flags.duration !== undefined ? { duration: flags.duration } : {}),
  };
  const scenario = await loadScenarioFile(flags.scenario, loadOptions);
  const group = groupOf(scenario, name);
  if (!group) {
    const names = processGroups(scenario).map((g) => g.name);
    const guess = didYouMean(name, names);
    throw new UsageError(`${scenario.name} has no component "${name}" that runs as a process${guess ? ` (${guess})` : ''}`, [`its processes: ${names.join(', ')}`]);
  }
  const write = (line: ChildLine) => io.stdout.write(JSON.stringify(line) + '\n');
  const mine = scenarioFor(scenario, group);
  const brokers = mine.components.filter((s) => s.kind === 'broker');
  const opened = new Map<string, RealBroker>();
  const text = flags.broker ?? io.env['PATTERNS_BROKER'];
  const target = text ? parseBrokerUrl(text, flags.broker ? '--broker' : 'PATTERNS_BROKER') : undefined;
  // Shared breakers' stores: in Redis, shared with every process of the run (never removed here).
  const stores = await openStores(mine, target, undefined, runPrefix(runId), flags.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS);
  if (brokers.length > 0) {
    if (!target) throw new UsageError(`${group.name} talks to a broker: give --broker URL (the run's broker)`);
    if (target.adapter === 'memory') throw new UsageError('a component process needs a real broker: the memory broker lives inside one process');
    for (const spec of brokers) {
      opened.set(
        spec.name,
        await openBroker(target, io, {
          timeoutMs: flags.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
          purpose: 'run',
          prefix: `${runPrefix(runId)}${spec.name}.`,
          clientName: `patterns ${runId} ${group.name}`,
        }),
      );
    }
  }
  write({ kind: 'ready', group: group.name, members: group.members, pid: process.pid });
  const start = flags.start !== undefined ? Number(flags.start) : await awaitGo(io);
  // t = 0 of the run, on this process's monotonic clock.
  const clock = new RealClock(performance.now() - (Date.now() - start));
  const ledger = new ForwardingLedger(clock, (op) => write({ kind: 'ledger', ...op }));
  const overrides = new Map<string, ComponentOverride>();
  addStoreOverrides(overrides, stores);
  for (const [brokerName, broker] of opened) {
    overrides.set(brokerName, (spec, ctx, resolve) => new LiveBrokerComponent(brokerName, spec.config as BrokerConfig, ctx, resolve.messages, broker as Broker, undefined));
  }
  // A process that joins late (restarted) does not replay faults whose moment has passed.
  const now = clock.now();
  const late = { ...mine, faults: mine.faults.filter((f) => f.at >= now) };
  const run = new Run(late, [{ listener: (e) => write(e as ChildLine), kinds: ['transition', 'event', 'fault'] }], { clock, overrides, messages: ledger });
  const snapshot = () => {
    const counters: Record<string, Record<string, number>> = {};
    const states: Record<string, string> = {};
    const columns: Record<string, Record<string, string | number>> = {};
    for (const [n, c] of run.topology.components) {
      counters[n] = run.metrics.counters(n);
      const s = c.state();
      if (s !== undefined) states[n] = s;
      columns[n] = c.columns() as Record<string, string | number>;
    }
    write({ kind: 'snapshot', t: clock.now(), counters, states, columns });
  };
  const result = await run.executeLive({ signal: io.signal, frameMs: SNAPSHOT_MS, onFrame: snapshot });
  snapshot();
  write({ kind: 'held', ids: ledger.heldNow() });
  write({ kind: 'done', t: result.simulatedMs, interrupted: result.interrupted });
  clock.halt();
  for (const store of stores.values()) await store.dispose(false).catch(() => undefined);
  return 0;
}

/** Waits for `go <epoch ms>` on stdin (the parent says when t = 0 is, once every process is ready). */
function awaitGo(io: CliIO): Promise<number> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: process.stdin });
    const onAbort = () => {
      rl.close();
      reject(new UsageError('stopped before the run started'));
    };
    io.signal.addEventListener('abort', onAbort, { once: true });
    rl.on('line', (line) => {
      const m = /^go (\d+)$/.exec(line.trim());
      if (!m) return;
      io.signal.removeEventListener('abort', onAbort);
      rl.close();
      resolve(Number(m[1]));
    });
  });
}

