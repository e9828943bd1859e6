/**
 * `patterns run <scenario> --live`: the scenario on the real clock, in this process, with
 * its broker component backed by a real broker under the run prefix (through a fault
 * proxy, so `broker-unavailable` drops real connections). The pattern code is the same as
 * in a simulation: it only sees a Clock and a Broker. Everything the run created on the
 * broker is removed at the end, on failure and on Ctrl-C.
 */
import type { ChalkInstance } from 'chalk';
import { randomBytes } from 'node:crypto';
import type { Broker } from '../brokers/broker.js';
import { realAdapters } from '../brokers/adapters.js';
import { BrokerConnectError, runPrefix, type RealBroker } from '../brokers/real.js';
import { topologyOf, type BrokerConfig } from '../components/broker.js';
import { InfraError, UsageError } from '../core/errors.js';
import { RealClock } from '../core/real-clock.js';
import { Run, type Subscription } from '../engine/run.js';
import type { ComponentOverride } from '../engine/topology.js';
import { LiveTable } from '../render/live.js';
import { NdjsonWriter } from '../render/ndjson.js';
import { plainLines } from '../render/plain.js';
import type { Scenario } from '../scenario/model.js';
import type { CliIO } from '../commands/context.js';
import type { Executed, RunMode } from '../commands/run/execute.js';
import { maskUrl, parseLiveBroker, proxyTarget, throughProxy, type LiveBroker } from './broker-url.js';
import type { FaultProxy } from './fault-proxy.js';
import { LiveBrokerComponent } from './live-broker.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export interface LiveOptions {
  mode: RunMode;
  io: CliIO;
  c: ChalkInstance;
  /** `--broker` or PATTERNS_BROKER; needed only when the scenario has a broker. */
  broker?: string | undefined;
  runId?: string | undefined;
  connectTimeoutMs?: number;
}

/** Run ids are short, lower case, and safe in every broker's names. */
export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

interface Opened {
  broker: RealBroker;
  proxy: FaultProxy | undefined;
}

export async function executeLive(scenario: Scenario, opts: LiveOptions): Promise<Executed & { runId: string; prefix: string }> {
  const { io, c, mode } = opts;
  const brokers = scenario.components.filter((s) => s.kind === 'broker');
  const runId = opts.runId ?? newRunId();
  const prefix = runPrefix(runId);
  const target: LiveBroker | undefined = brokers.length === 0 ? undefined : parseLiveBroker(requireBroker(opts.broker, scenario));
  const opened = new Map<string, Opened>();
  const clock = new RealClock();
  try {
    if (target && target.adapter !== 'memory') {
      for (const spec of brokers) opened.set(spec.name, await openBroker(target, `${prefix}${spec.name}.`, spec.config as BrokerConfig, opts));
    }
    const overrides = new Map<string, ComponentOverride>();
    for (const [name, o] of opened) {
      overrides.set(name, (spec, ctx, resolve) => new LiveBrokerComponent(name, spec.config as BrokerConfig, ctx, resolve.messages, o.broker as Broker, o.proxy ? { setDown: (down) => o.proxy!.setDown(down) } : undefined));
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
      io.stdout.write(`${c.bold(scenario.name)} · ${scenario.title} ${c.yellow('[live]')}\n${c.dim(scenario.goal)}\n`);
      io.stdout.write(c.dim(`run ${runId} · ${target ? (target.adapter === 'memory' ? 'memory broker' : `${target.adapter} ${target.masked}, names under ${prefix}`) : 'no broker'} · real time, ${scenario.duration / 1000}s\n\n`));
    } else {
      live = new LiveTable(io.stdout, c, () => c.dim(`live run ${runId} · real time · Ctrl-C stops the run, cleans up and shows the summary`));
      listeners.push({ listener: live.listener, kinds: ['transition', 'fault'] });
    }
    const run = new Run(scenario, listeners, { clock, overrides });
    live?.start();
    try {
      const result = await run.executeLive({
        signal: io.signal,
        frameMs: 100,
        onFrame: (view) => {
          live?.draw({ ...view, speed: 1 });
          ndjson?.flush();
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
    await cleanUp(opened, io);
  }
}

function requireBroker(flag: string | undefined, scenario: Scenario): string {
  if (flag !== undefined && flag.trim() !== '') return flag;
  throw new UsageError(`${scenario.name} has a broker: a live run needs a real one (or memory)`, [
    'give --broker redis://127.0.0.1:6379 (or amqp://…, kafka://…), or set PATTERNS_BROKER',
    '--broker memory runs the in-memory broker on the real clock',
  ]);
}

async function openBroker(target: Extract<LiveBroker, { url: string }>, prefix: string, config: BrokerConfig, opts: LiveOptions): Promise<Opened> {
  const load = realAdapters[target.adapter];
  if (!load) throw new UsageError(`this build has no ${target.adapter} adapter yet`, ['try --broker memory']);
  const adapter = await load();
  const timeout = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const where = proxyTarget(target);
  let proxy: FaultProxy | undefined;
  if (where) {
    const { FaultProxy } = await import('./fault-proxy.js');
    proxy = await FaultProxy.start({ target: where });
  }
  const url = proxy ? throughProxy(target.url, proxy.port) : target.url;
  if (opts.io.stderr.isTTY) opts.io.stderr.write(opts.c.dim(`connecting to ${target.masked} …\n`));
  let broker: RealBroker;
  try {
    broker = await withTimeout(adapter.open(url, { prefix, connectTimeoutMs: timeout, clientName: `patterns ${prefix}` }), timeout);
  } catch (error) {
    await proxy?.stop();
    throw connectFailed(target.masked, error, timeout);
  }
  try {
    await new Promise<void>((resolve, reject) => broker.declare(topologyOf(config), (e) => (e ? reject(new InfraError(`${target.masked}: could not declare the scenario's queues, topics and streams: ${e.detail}`)) : resolve())));
  } catch (error) {
    await broker.dispose().catch(() => undefined);
    await proxy?.stop();
    throw error;
  }
  return { broker, proxy };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new BrokerConnectError(`no answer within ${ms / 1000}s`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

function connectFailed(masked: string, error: unknown, timeoutMs: number): InfraError {
  const cause = error instanceof Error ? maskUrl(error.message) : String(error);
  return new InfraError(`cannot connect to ${masked}: ${cause}`, [
    `gave up after at most ${timeoutMs / 1000}s`,
    'check the broker with: patterns doctor --broker URL',
    'or drop --live to run the scenario in the simulator',
  ]);
}

async function cleanUp(opened: Map<string, Opened>, io: CliIO): Promise<void> {
  for (const [name, o] of opened) {
    try {
      await o.broker.dispose();
    } catch (error) {
      io.stderr.write(`warning: could not remove everything broker ${name} created under ${o.broker.prefix}: ${error instanceof Error ? maskUrl(error.message) : String(error)}\n  patterns clean --broker URL removes it later\n`);
    }
    await o.proxy?.stop();
  }
}
