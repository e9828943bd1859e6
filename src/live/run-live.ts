/**
 * `patterns run <scenario> --live`: the scenario on the real clock, in this process, with
 * its broker component backed by a real broker under the run prefix (through a fault
 * proxy, so `broker-unavailable` drops real connections). The pattern code is the same as
 * in a simulation: it only sees a Clock and a Broker. Everything the run created on the
 * broker is removed at the end, on failure and on Ctrl-C.
 */
import type { ChalkInstance } from 'chalk';
import type { Broker } from '../brokers/broker.js';
import { runPrefix, type RealBroker } from '../brokers/real.js';
import { parseBrokerUrl, type BrokerUrl } from '../brokers/url.js';
import { openBroker, DEFAULT_CONNECT_TIMEOUT_MS, type AdapterRegistry } from '../commands/broker/connect.js';
import { startManifest, type LiveManifest } from '../commands/broker/manifest.js';
import { newRunId } from '../commands/broker/run-id.js';
import type { CliIO } from '../commands/context.js';
import type { Executed, RunMode } from '../commands/run/execute.js';
import { topologyOf, type BrokerConfig } from '../components/broker.js';
import { InfraError, UsageError } from '../core/errors.js';
import { RealClock } from '../core/real-clock.js';
import { Run, type Subscription } from '../engine/run.js';
import type { ComponentOverride } from '../engine/topology.js';
import { LiveTable } from '../render/live.js';
import { NdjsonWriter } from '../render/ndjson.js';
import { plainLines } from '../render/plain.js';
import { scenarioHeading } from '../render/summary.js';
import type { Scenario } from '../scenario/model.js';
import { proxyTarget, throughProxy } from './broker-url.js';
import type { FaultProxy } from './fault-proxy.js';
import { DepthWatch, watchedQueues, watchedStreams } from './depth-watch.js';
import { LiveBrokerComponent } from './live-broker.js';
import type { RedisBreakerStore } from './redis-breaker-store.js';
import { addStoreOverrides, openStores, storeSpecs } from './stores.js';

export interface LiveOptions {
  mode: RunMode;
  io: CliIO;
  c: ChalkInstance;
  /** `--broker` or PATTERNS_BROKER; needed only when the scenario has a broker. */
  broker?: string | undefined;
  /** Where the value of `broker` came from, for messages. */
  brokerSource?: string;
  runId?: string | undefined;
  connectTimeoutMs?: number;
  /** The adapters to use (tests inject fakes); default: this build's. */
  registry?: AdapterRegistry;
  /** Write the run's manifest under this folder's `.patterns/runs/` (default: io.cwd or the process's). */
  cwd?: string;
}

export interface Opened {
  broker: RealBroker;
  proxy: FaultProxy | undefined;
}

export async function executeLive(scenario: Scenario, opts: LiveOptions): Promise<Executed & { runId: string; prefix: string }> {
  const { io, c, mode } = opts;
  const brokers = scenario.components.filter((s) => s.kind === 'broker');
  const runId = opts.runId ?? newRunId();
  const prefix = runPrefix(runId);
  const stores = storeSpecs(scenario);
  // A scenario with only breaker stores runs without a broker URL (the stores stay in the process).
  const brokerText = brokers.length > 0 ? requireBroker(opts.broker, scenario) : stores.length > 0 ? opts.broker : undefined;
  const target: BrokerUrl | undefined = brokerText === undefined ? undefined : parseBrokerUrl(brokerText, opts.brokerSource);
  let redisStores = new Map<string, RedisBreakerStore>();
  const opened = new Map<string, Opened>();
  const clock = new RealClock();
  let manifest: LiveManifest | undefined;
  let stopWatches = async () => {};
  try {
    if (target && target.adapter !== 'memory') {
      // Written before anything exists on the broker: a run killed from here on leaves a trace `patterns clean` finds.
      manifest = await startManifest(opts.cwd ?? io.cwd ?? process.cwd(), { runId, broker: target, scenario: scenario.name, started: new Date() });
      for (const spec of brokers) {
        const o = await openLive(target, `${prefix}${spec.name}.`, spec.config as BrokerConfig, opts);
        opened.set(spec.name, o);
        await manifest.record(createdBy(o.broker));
      }
    }
    redisStores = await openStores(scenario, target, undefined, prefix, opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    const overrides = new Map<string, ComponentOverride>();
    addStoreOverrides(overrides, redisStores);
    const liveBrokers = new Map<string, LiveBrokerComponent>();
    for (const [name, o] of opened) {
      overrides.set(name, (spec, ctx, resolve) => {
        const component = new LiveBrokerComponent(name, spec.config as BrokerConfig, ctx, resolve.messages, o.broker as Broker, o.proxy ? { setDown: (down) => o.proxy!.setDown(down) } : undefined);
        liveBrokers.set(name, component);
        return component;
      });
    }
    const listeners: Subscription[] = [];
    let ndjson: NdjsonWriter | undefined;
    let live: LiveTable | undefined;
    if (mode === 'json') {
      ndjson = new NdjsonWriter((text) => io.stdout.write(text));
      listeners.push(ndjson.listener);
    } else if (mode === 'plain') {
      const width = Math.max(...scenario.components.map((x) => x.name.length), 5);
      listeners.push({ listener: plainLines(io.stdout, c, width), kinds: ['transition', 'fault'] });
      io.stdout.write(`${scenarioHeading(scenario, c)} ${c.yellow('[live]')}\n${c.dim(scenario.goal)}\n`);
      io.stdout.write(c.dim(`run ${runId} · ${target ? (target.adapter === 'memory' ? 'memory broker' : `${target.display}, names under ${prefix}`) : 'no broker'} · real time, ${scenario.duration / 1000}s\n\n`));
    } else if (mode === 'live') {
      live = new LiveTable(io.stdout, c, () => c.dim(`live run ${runId} · real time · Ctrl-C stops the run, cleans up and shows the summary`));
      listeners.push({ listener: live.listener, kinds: ['transition', 'fault'] });
    }
    const run = new Run(scenario, listeners, { clock, overrides });
    const watches = new Map<string, DepthWatch>();
    for (const [name, o] of opened) {
      const watch = await openDepthWatch(target!, o.broker.prefix, scenario, name, opts);
      if (!watch) continue;
      watches.set(name, watch);
      watch.start((totals) => liveBrokers.get(name)?.showDepths(totals));
    }
    stopWatches = async () => {
      for (const watch of watches.values()) await watch.stop().catch(() => undefined);
    };
    const settleDeadLetters = async () => {
      for (const [name, watch] of watches) {
        const found = await watch.deadLetters().catch(() => []);
        liveBrokers.get(name)?.settleDeadLetters(found);
      }
    };
    live?.start();
    try {
      const result = await run.executeLive({
        signal: io.signal,
        frameMs: 100,
        beforeVerdicts: settleDeadLetters,
        onFrame: (view) => {
          live?.draw({ ...view, speed: 1 });
          ndjson?.flush();
          for (const o of opened.values()) void manifest?.record(createdBy(o.broker));
        },
      });
      live?.draw({ ...run.view(), speed: 1 });
      ndjson?.flush();
      return { result, injected: [], runId, prefix };
    } finally {
      live?.stop();
    }
  } finally {
    // Nothing scheduled runs on against a broker being cleaned up.
    clock.halt();
    await stopWatches();
    for (const store of redisStores.values()) await store.dispose(true).catch(() => undefined);
    const clean = await cleanUp(opened, io);
    if (clean) await manifest?.remove();
  }
}

export function requireBroker(flag: string | undefined, scenario: Scenario): string {
  if (flag !== undefined && flag.trim() !== '') return flag;
  throw new UsageError(`${scenario.name} has a broker: a live run needs a real one (or memory)`, [
    'give --broker redis://127.0.0.1:6379 (or amqp://…, kafka://…), or set PATTERNS_BROKER',
    '--broker memory runs the in-memory broker on the real clock',
  ]);
}

export async function openLive(target: BrokerUrl, prefix: string, config: BrokerConfig, opts: Pick<LiveOptions, 'io' | 'connectTimeoutMs' | 'registry'>): Promise<Opened> {
  const where = proxyTarget(target);
  let proxy: FaultProxy | undefined;
  if (where) {
    const { FaultProxy } = await import('./fault-proxy.js');
    proxy = await FaultProxy.start({ target: where });
  }
  // The probe goes to the broker itself; the adapter, through the proxy.
  const via: BrokerUrl = proxy ? { ...target, url: throughProxy(target.url, proxy.port) } : target;
  let broker: RealBroker;
  try {
    broker = await openBroker(via, opts.io, {
      timeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      purpose: 'run',
      prefix,
      clientName: `patterns ${prefix}`,
      ...(opts.registry ? { registry: opts.registry } : {}),
    });
  } catch (error) {
    await proxy?.stop();
    throw error;
  }
  try {
    await new Promise<void>((resolve, reject) =>
      broker.declare(topologyOf(config), (e) => (e ? reject(new InfraError(`${target.display}: could not declare the scenario's queues, topics and streams: ${e.detail}`)) : resolve())),
    );
  } catch (error) {
    await broker.dispose().catch(() => undefined);
    await proxy?.stop();
    throw error;
  }
  return { broker, proxy };
}

/**
 * A look at what the broker holds, beside the run; a broker that cannot be inspected (or an
 * inspection that cannot connect) leaves the depth gauges unread rather than failing the run.
 */
export async function openDepthWatch(
  target: BrokerUrl,
  prefix: string,
  scenario: Scenario,
  brokerName: string,
  opts: Pick<LiveOptions, 'io' | 'connectTimeoutMs' | 'registry'>,
): Promise<DepthWatch | undefined> {
  try {
    return await DepthWatch.open(target, prefix, { queues: watchedQueues(scenario, brokerName), streams: watchedStreams(scenario, brokerName) }, { connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS, registry: opts.registry });
  } catch (error) {
    opts.io.stderr.write(`warning: cannot read queue depths on ${target.display} (${error instanceof Error ? error.message : String(error)}): broker.depth stays 0 in this run\n`);
    return undefined;
  }
}

/** Names an adapter says it created (RabbitMQ keeps them: it cannot list queues), for the manifest. */
export function createdBy(broker: RealBroker): string[] {
  const created = (broker as RealBroker & { created?: () => string[] }).created;
  return typeof created === 'function' ? created.call(broker) : [];
}

/** Disposes every broker and stops the proxies; false when something could not be removed. */
export async function cleanUp(opened: Map<string, Opened>, io: CliIO): Promise<boolean> {
  let clean = true;
  for (const [name, o] of opened) {
    try {
      await o.broker.dispose();
    } catch (error) {
      clean = false;
      io.stderr.write(`warning: could not remove everything broker ${name} created under ${o.broker.prefix}: ${error instanceof Error ? error.message : String(error)}\n  patterns clean --broker URL removes it later\n`);
    }
    await o.proxy?.stop();
  }
  return clean;
}
