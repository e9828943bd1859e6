/**
 * Multi-process live runs against the real RabbitMQ (skipped with a message when it is not
 * running and PATTERNS_REQUIRE_BROKERS is unset). Each component group is a child process
 * of the built CLI (`npm run build` first, as for every CLI test).
 */
import amqp from 'amqplib';
import { Chalk } from 'chalk';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InfraError } from '../core/errors.js';
import { loadScenarioFile } from '../scenario/load.js';
import { testBroker } from '../testing/brokers.js';
import { parseProcessFault } from './process-faults.js';
import { executeProcesses } from './supervisor.js';
import { capturedIO } from '../testing/io.js';

const url = await testBroker('rabbitmq', 'live-processes.test.ts');
const tag = randomBytes(3).toString('hex');
const dir = mkdtempSync(path.join(tmpdir(), 'patterns-processes-'));
const file = path.join(dir, 'crash.yaml');
writeFileSync(
  file,
  `name: process-crash
title: a consumer process is killed
pattern: idempotent-consumer
goal: test
seed: 3
duration: 8s
components:
  broker:
    kind: broker
    queues:
      charges: {}
  payments:
    kind: producer
    broker: broker
    queue: charges
  charger:
    kind: consumer
    broker: broker
    queue: charges
    prefetch: 20
    work: 20ms
    ackDelay: 300ms
  checkouts:
    kind: load
    target: payments
    rate: 50/s
expect:
  - id: nothing-lost
    says: nothing lost
    metric: payments.lost
    equals: 0
`,
);

const durableFile = path.join(dir, 'durable.yaml');
writeFileSync(
  durableFile,
  `name: process-durable
title: a durable subscriber's process is away
pattern: pub-sub
goal: test
seed: 3
duration: 6s
components:
  broker:
    kind: broker
    topics: [events]
  orders:
    kind: producer
    broker: broker
    topic: events
  mailer:
    kind: consumer
    broker: broker
    topic: events
    durable: true
    work: 2ms
  shoppers:
    kind: load
    target: orders
    rate: 50/s
faults:
  - id: mailer-down
    kind: crash
    target: mailer
    at: 2s
    for: 2s
expect:
  - id: kept
    says: the broker keeps what the mailer misses
    metric: broker.depth
    during: mailer-down
    atLeast: 40
  - id: none-missed
    says: nothing missed
    metric: mailer.missed
    equals: 0
`,
);

const captured = capturedIO(dir);
const io = (signal: AbortSignal) => captured.io(signal);

async function queueExists(name: string): Promise<boolean> {
  const model = await amqp.connect(url!);
  try {
    const ch = await model.createChannel();
    ch.on('error', () => {});
    await ch.checkQueue(name);
    return true;
  } catch {
    return false;
  } finally {
    await model.close().catch(() => {});
  }
}

const c = new Chalk({ level: 0 });

describe.skipIf(!url)('live runs as processes, on RabbitMQ', () => {
  it('a consumer process killed with SIGKILL and restarted: its unacked messages are redelivered, none lost, and the merged accounting says so', async () => {
    const runId = `p-${tag}-1`;
    const scenario = await loadScenarioFile(file);
    const run = await executeProcesses(scenario, {
      mode: 'json',
      io: io(new AbortController().signal),
      c,
      broker: url,
      runId,
      scenarioArgs: [],
      processFaults: [parseProcessFault('crash:charger@3s+500ms', 0)],
    });
    const messages = run.result.summary.messages!;
    const group = messages.groups.find((g) => g.group === 'charges')!;
    expect(group.redelivered).toBeGreaterThan(0);
    expect(messages.producers[0]!.lost).toBe(0);
    // The consumer's own counter, merged across its two lives, agrees with the ledger.
    expect(run.result.summary.components.find((x) => x.name === 'charger')!.counters['redelivered']).toBe(group.redelivered);
    expect(run.result.passed).toBe(true);
    expect(await queueExists(`patterns.${runId}.broker.charges`)).toBe(false);
  }, 60_000);

  it('the broker row reads queue depth from RabbitMQ itself, and the queue a child declared for a durable subscription is removed', async () => {
    const runId = `p-${tag}-4`;
    const run = await executeProcesses(await loadScenarioFile(durableFile), { mode: 'json', io: io(new AbortController().signal), c, broker: url, runId, scenarioArgs: [] });
    const kept = run.result.expectations.find((e) => e.id === 'kept')!;
    expect(kept.value).toBeGreaterThanOrEqual(40);
    expect(run.result.passed).toBe(true);
    expect(await queueExists(`patterns.${runId}.broker.events@mailer`)).toBe(false);
  }, 60_000);

  it('Ctrl-C to the parent stops every process and leaves no queue under the run prefix', async () => {
    const runId = `p-${tag}-2`;
    captured.clear();
    const scenario = await loadScenarioFile(file, { duration: '60s' });
    const controller = new AbortController();
    const running = executeProcesses(scenario, { mode: 'json', io: io(controller.signal), c, broker: url, runId, scenarioArgs: ['--duration', '60s'] });
    while (!(await queueExists(`patterns.${runId}.broker.charges`))) await new Promise((r) => setTimeout(r, 50));
    // Once t = 0 has been given (the merged trace starts), the children are running.
    while (!captured.text().includes(`"kind":"run"`)) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    controller.abort();
    const run = await running;
    expect(run.result.interrupted).toBe(true);
    expect(await queueExists(`patterns.${runId}.broker.charges`)).toBe(false);
  }, 60_000);

  it('a process that dies when nobody killed it is exit 3 with its stderr, and the run still cleans up', async () => {
    const runId = `p-${tag}-3`;
    const scenario = await loadScenarioFile(file);
    // A child given a scenario argument it cannot load dies at start: not a fault anyone injected.
    const error = await executeProcesses(scenario, { mode: 'json', io: io(new AbortController().signal), c, broker: url, runId, scenarioArgs: ['--set', 'charger.nosuchknob=1'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as InfraError).message).toMatch(/component process \w+ died \(exit code 2\)/);
    expect((error as InfraError).details.join('\n')).toContain('nosuchknob');
    expect(await queueExists(`patterns.${runId}.broker.charges`)).toBe(false);
  }, 60_000);
});
