/**
 * A live run end to end in this process, against a stand-in "real" adapter: a memory broker
 * on the real clock behind the RealAdapter interface, so the live path (open under the run
 * prefix, declare, observe from the client side, broker-unavailable through the network,
 * dispose at the end and on Ctrl-C) is exercised without a server. Runs against a real
 * Redis are in live-redis.test.ts.
 */
import { Chalk } from 'chalk';
import { mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBroker } from '../brokers/memory/memory-broker.js';
import { BrokerConnectError, type RealAdapter, type RealBroker } from '../brokers/real.js';
import { ExitCode, InfraError, UsageError } from '../core/errors.js';
import { RealClock } from '../core/real-clock.js';
import { loadScenarioText } from '../scenario/load.js';
import type { CliIO } from '../commands/context.js';
import { executeLive } from './run-live.js';

const SCENARIO = `
name: live-queue
title: a queue, live
pattern: work-queue
goal: test
seed: 1
duration: 1500ms
components:
  broker:
    kind: broker
    queues:
      jobs: {}
  jobs:
    kind: producer
    broker: broker
    queue: jobs
  workers:
    kind: consumer
    broker: broker
    queue: jobs
    instances: 2
    work: 5ms
  users:
    kind: load
    target: jobs
    rate: 40/s
faults:
  - id: outage
    kind: broker-unavailable
    target: broker
    at: 500ms
    for: 300ms
expect:
  - id: handled
    says: jobs are handled
    metric: workers.processed
    atLeast: 10
`;

function io(signal = new AbortController().signal): CliIO & { out: () => string } {
  let out = '';
  const sink = { write: (s: string) => ((out += s), true), isTTY: false, columns: 100, rows: 40 };
  return { stdout: sink as never, stderr: sink as never, env: {}, signal, colourFlag: false, invocation: 'patterns', out: () => out };
}

interface Fake {
  opened: { url: string; prefix: string }[];
  disposed: string[];
  adapter: RealAdapter;
  registry: { redis: () => Promise<RealAdapter> };
}

function fakeRedis(options: { fail?: Error } = {}): Fake {
  const fake: Fake = { opened: [], disposed: [], adapter: undefined as never, registry: undefined as never };
  fake.adapter = {
    name: 'redis',
    schemes: ['redis:'],
    open: async (url, { prefix }) => {
      if (options.fail) throw options.fail;
      fake.opened.push({ url, prefix });
      const memory = new MemoryBroker(new RealClock());
      const broker: RealBroker = Object.assign(Object.create(memory) as MemoryBroker, {
        adapter: 'redis' as const,
        prefix,
        dispose: async () => {
          fake.disposed.push(prefix);
          return { removed: [] };
        },
      });
      return broker;
    },
    clean: async () => ({ removed: [] }),
    doctor: async () => ({ version: 'fake', canCreate: true, notes: [] }),
  };
  fake.registry = { redis: async () => fake.adapter };
  return fake;
}

// Something listening where the "broker" is, for the connect helper's TCP probe and the proxy.
let listener: Server;
let port = 0;
const cwd = mkdtempSync(path.join(tmpdir(), 'patterns-live-'));
beforeAll(async () => {
  listener = createServer((s) => s.on('error', () => {}));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
  port = (listener.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => listener.close(() => r())));
const url = (auth = '') => `redis://${auth}127.0.0.1:${port}`;

const c = new Chalk({ level: 0 });

describe('a live run in this process', () => {
  it('runs on the real clock against the adapter, under the run prefix, and disposes everything at the end', async () => {
    const fake = fakeRedis();
    const scenario = loadScenarioText('live.yaml', SCENARIO);
    const out = io();
    const run = await executeLive(scenario, { mode: 'plain', io: out, c, broker: url('user:secret@'), runId: 'r1', registry: fake.registry, cwd });
    expect(run.result.interrupted).toBe(false);
    expect(run.result.passed).toBe(true);
    expect(fake.opened).toHaveLength(1);
    expect(fake.opened[0]!.prefix).toBe('patterns.r1.broker.');
    // Through the fault proxy: the adapter was given a local port, not the broker's.
    expect(fake.opened[0]!.url).toMatch(/^redis:\/\/user:secret@127\.0\.0\.1:\d+/);
    expect(fake.opened[0]!.url).not.toContain(`:${port}`);
    expect(fake.disposed).toEqual(['patterns.r1.broker.']);
    // The manifest was written at the start and removed once everything was cleaned up.
    expect(readdirSync(path.join(cwd, '.patterns', 'runs'))).toEqual([]);
    // The outage is traced as in a simulation; the password never printed.
    expect(out.out()).toMatch(/broker\s+UP → DOWN/);
    expect(out.out()).not.toContain('secret');
    const broker = run.result.summary.components.find((x) => x.name === 'broker')!;
    expect(broker.counters['published']).toBeGreaterThan(0);
  });

  it('Ctrl-C ends the run as interrupted and still disposes what it created', async () => {
    const fake = fakeRedis();
    const scenario = loadScenarioText('live.yaml', SCENARIO.replace('duration: 1500ms', 'duration: 60s'));
    const controller = new AbortController();
    const started = executeLive(scenario, { mode: 'json', io: io(controller.signal), c, broker: url(), runId: 'r2', registry: fake.registry, cwd });
    while (fake.opened.length === 0) await new Promise((r) => setImmediate(r));
    controller.abort();
    const run = await started;
    expect(run.result.interrupted).toBe(true);
    expect(fake.disposed).toEqual(['patterns.r2.broker.']);
  });

  it('a broker that cannot be reached is an infrastructure error (exit 3) with the password masked and a hint', async () => {
    const fake = fakeRedis({ fail: new BrokerConnectError(`authentication failed (redis://u:pw@127.0.0.1:${port})`) });
    const scenario = loadScenarioText('live.yaml', SCENARIO);
    const error = await executeLive(scenario, { mode: 'plain', io: io(), c, broker: url('u:pw@'), runId: 'r3', registry: fake.registry, cwd }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
    const e = error as InfraError;
    expect(e.exitCode).toBe(ExitCode.infra);
    expect([e.message, ...e.details].join('\n')).not.toContain('pw');
    expect(e.message).toContain(`redis://u:***@127.0.0.1:${port}`);
    expect(e.details.join('\n')).toContain('patterns doctor');
  });

  it.each([
    ['no broker given', undefined, /needs a real one/],
    ['an unknown scheme', 'mysql://x', /unknown scheme/],
    ['an adapter this build lacks', 'kafka://127.0.0.1:PORT', /kafka adapter is not available/],
  ])('refuses %s with a usage error', async (_what, broker, message) => {
    const scenario = loadScenarioText('live.yaml', SCENARIO);
    const error = await executeLive(scenario, { mode: 'plain', io: io(), c, broker: broker?.replace('PORT', String(port)), runId: 'r4', registry: {}, cwd }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it('--broker memory runs the in-memory broker on the real clock', async () => {
    const scenario = loadScenarioText('live.yaml', SCENARIO.replace('duration: 1500ms', 'duration: 600ms').replace('at: 500ms', 'at: 100ms'));
    const run = await executeLive(scenario, { mode: 'plain', io: io(), c, broker: 'memory', runId: 'r5' });
    expect(run.result.interrupted).toBe(false);
    expect(run.result.summary.components.find((x) => x.name === 'workers')!.counters['processed']).toBeGreaterThan(0);
  });
});
